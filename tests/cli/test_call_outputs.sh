# `calla call` outputs: -O v|z|b|u and -o - (each type round-trips through bcftools view with the
# same records; indexes only for z/b files), --sample over the BAM's @RG SM, progress lines
# (bounded in number, well formed, percent non-decreasing) and --quiet, and --haploid-contigs
# (haploid GT and PL of #alleles values; the sensitive-mode PL checked against the diploid PL).
source "$(dirname "$0")/lib.sh"
need samtools
need bcftools
[[ -x $CALLA_TOOLS/mkmodel ]] || { fail "no $CALLA_TOOLS/mkmodel (make builds it)"; done_test; }
FX=$CALLA_ROOT/tests/fixtures
cp "$FX/tensors_ref.fa" "$TMP/ref.fa" && samtools faidx "$TMP/ref.fa" || fail "faidx"
samtools addreplacerg -r '@RG\tID:g1\tSM:FROM_SM' -o "$TMP/rg.sam" "$FX/tensors_reads.sam" 2>/dev/null || fail "addreplacerg"
samtools sort -o "$TMP/rg.bam" "$TMP/rg.sam" 2>/dev/null && samtools index "$TMP/rg.bam" || fail "sort/index"
"$CALLA_TOOLS/mkmodel" "$TMP/m.st" clair3-pileup bias:gt21.bias:2=5 bias:zygosity.bias:2=5 || fail "model"
IN=(-b "$TMP/rg.bam" -f "$TMP/ref.fa" -m "$TMP/m.st")
cd "$TMP" || fail "cd"

# the reference output: default type from the name (.vcf.gz: bgzipped + .tbi), sample from SM
"$CALLA" call "${IN[@]}" -o ref.vcf.gz 2>log || fail "call: $(cat log)"
[[ -s ref.vcf.gz.tbi ]] || fail "no .tbi for .vcf.gz"
[[ $(bcftools query -l ref.vcf.gz) == FROM_SM ]] || fail "sample is not the BAM's SM"
bcftools view -H ref.vcf.gz >ref.body
[[ $(wc -l <ref.body) -ge 3 ]] || fail "only $(wc -l <ref.body) records"
grep -q '^##FORMAT=<ID=PL,Number=G,Type=Integer' <(bcftools view -h ref.vcf.gz) || fail "no PL header line"
# every record has a PL of #genotypes values
bcftools query -f '%ALT\t[%PL]\n' ref.vcf.gz | awk -F'\t' '{ n = split($2, a, ","); k = ($1 == ".") ? 1 : split($1, b, ",") + 1
    if (n != k * (k + 1) / 2) { print "bad PL", $0; bad = 1 } } END { exit bad }' || fail "PL counts"

# --sample overrides SM (no warning)
"$CALLA" call "${IN[@]}" -o s.vcf.gz --sample NEW_NAME 2>log || fail "--sample"
[[ $(bcftools query -l s.vcf.gz) == NEW_NAME ]] || fail "--sample did not override SM"
grep -qi warn log && fail "--sample printed a warning: $(cat log)"

# types by name and by -O; stdout
check_same() {  # label file
    bcftools view -H "$2" >body 2>err || fail "$1: bcftools view failed"
    [[ -s err ]] && fail "$1: bcftools printed: $(head -2 err)"
    cmp -s body ref.body || fail "$1: records differ from the .vcf.gz"
}
"$CALLA" call "${IN[@]}" -o t.vcf 2>/dev/null || fail "-o t.vcf"
[[ $(head -c 16 t.vcf) == "##fileformat=VCF" ]] || fail ".vcf is not plain text"
[[ -e t.vcf.tbi || -e t.vcf.csi ]] && fail "plain VCF got an index"
check_same vcf t.vcf
"$CALLA" call "${IN[@]}" -o t.bcf 2>/dev/null || fail "-o t.bcf"
[[ -s t.bcf.csi ]] || fail "no .csi for .bcf"
[[ $(bcftools view -H -r ctg1:1-10 t.bcf | wc -l) -eq $(awk '$1 == "ctg1" && $2 <= 10' ref.body | wc -l) ]] ||
    fail "BCF index query"
check_same bcf t.bcf
"$CALLA" call "${IN[@]}" -O u -o t.ubcf 2>/dev/null || fail "-O u"
[[ -e t.ubcf.csi ]] && fail "uncompressed BCF got an index"
[[ $(head -c 3 t.ubcf) == BCF ]] || fail "-O u is not an uncompressed BCF"
check_same u t.ubcf
"$CALLA" call "${IN[@]}" -O z -o t.out 2>/dev/null || fail "-O z"
[[ -s t.out.tbi ]] || fail "-O z: no .tbi"
check_same z t.out
"$CALLA" call "${IN[@]}" -o - >stdout.vcf 2>log || fail "-o -"
[[ $(head -c 16 stdout.vcf) == "##fileformat=VCF" ]] || fail "stdout is not a plain VCF"
check_same stdout stdout.vcf
"$CALLA" call "${IN[@]}" -o - -O b 2>/dev/null | bcftools view -H >body || fail "-o - -O b"
cmp -s body ref.body || fail "-o - -O b: records differ"
[[ -z $(ls | grep -E '\.tmp\.|^-') ]] || fail "left temporary files: $(ls)"

# progress: none by default on a short non-tty run; one line per chunk (but the last) at most
# with --progress-interval 0, each well formed, percent non-decreasing; --quiet: no stderr at all
"$CALLA" call "${IN[@]}" -o p.vcf.gz --chunk-size 10 2>log || fail "call"
[[ $(grep -c progress log) -eq 0 ]] || fail "progress lines in a short run: $(cat log)"
"$CALLA" call "${IN[@]}" -o p.vcf.gz --chunk-size 10 --progress-interval 0 2>log || fail "call"
grep progress log >prog
n=$(wc -l <prog)
[[ $n -ge 1 && $n -le 11 ]] || fail "$n progress lines for 12 chunks"
re='^\[calla call\] progress +[0-9]+\.[0-9]% \([0-9]+/120 positions\), [0-9]+ candidates, [0-9]+ records, elapsed [0-9]+:[0-5][0-9]:[0-5][0-9], ETA ([0-9]+:[0-5][0-9]:[0-5][0-9]|--:--:--)$'
[[ $(grep -Evc "$re" prog) -eq 0 ]] || fail "malformed progress line: $(grep -Ev "$re" prog | head -1)"
awk '{ p = $4 + 0; split($5, a, "[(/]"); if (p < last || p > 100 || (a[2] / 120 * 100 - p) > 0.06 || (p - a[2] / 120 * 100) > 0.06) exit 1; last = p }' prog ||
    fail "percent not consistent: $(cat prog)"
"$CALLA" call "${IN[@]}" -o q.vcf.gz --chunk-size 10 --progress-interval 0 --quiet 2>log || fail "--quiet"
[[ -s log ]] && fail "--quiet printed: $(head -2 log)"
[[ -s q.vcf.gz ]] || fail "--quiet: no output"

# haploid contigs. The forced model is "het A/G": precise drops the het, and hom-ref ties hom-alt,
# so ctg1 has no variant left; sensitive gives the het to the ALT: GT "1", PL of 2 values with
# PL[0] = 10log10((s11 + s01) / s00), s = 10^(-PL/10) of the diploid record.
"$CALLA" call "${IN[@]}" -o hp.vcf.gz --haploid-contigs ctg1 2>/dev/null || fail "haploid precise"
[[ $(bcftools view -H -r ctg1 hp.vcf.gz | wc -l) -eq 0 ]] || fail "precise mode kept a het-only call"
[[ $(bcftools view -H -r ctg2 hp.vcf.gz) == "$(awk '$1 == "ctg2"' ref.body)" ]] || fail "ctg2 changed"
"$CALLA" call "${IN[@]}" -o hs.vcf.gz --haploid-contigs ctg1,chrNOPE --haploid-mode sensitive 2>log ||
    fail "haploid sensitive"
grep -q 'contig "chrNOPE" is not in' log || fail "no warning for an unknown haploid contig"
bcftools query -r ctg1 -f '%POS\t%ALT\t[%GT]\t[%PL]\n' hs.vcf.gz >hs.tsv
bcftools query -r ctg1 -f '%POS\t%ALT\t[%GT]\t[%PL]\n' ref.vcf.gz >dip.tsv
[[ $(wc -l <hs.tsv) -ge 1 && $(wc -l <hs.tsv) -eq $(wc -l <dip.tsv) ]] || fail "sensitive: record count"
awk -F'\t' 'NR == FNR { d[$1] = $4; g[$1] = $3; next }
    { k = split($2, al, ",") + 1; n = split($4, pl, ",")
      if ($3 !~ /^[0-9]$/ || n != k) { print "not haploid", $0; bad = 1; next }
      if (k != 2 || g[$1] != "0/1") next
      split(d[$1], q, ","); want = 10 * log((10 ^ (-q[3] / 10) + 10 ^ (-q[2] / 10)) / 10 ^ (-q[1] / 10)) / log(10)
      if ($3 != "1" || pl[2] != 0 || (pl[1] - want) > 1 || (want - pl[1]) > 1) { print "PL", $0, "want", want; bad = 1 }
      checked++ }
    END { exit bad || !checked }' dip.tsv hs.tsv || fail "sensitive haploid records"
# haploid gVCF, precise: every record's PL (over REF, ALTs, <*>) has #alleles values and is 0 at
# its GT allele (the haploid <*> is scored from homozygous label pairs only; it used to take the
# forced A/G het: "A G,<*> GT 0 PL 23,23,0"). Sensitive mode folds that het into <*> (0/* -> *),
# so there (as in a diploid gVCF) <*> may be favoured over the site's alleles: shape only.
for mode in precise sensitive; do
    "$CALLA" call "${IN[@]}" -o hg.vcf.gz --gvcf hg.g.vcf.gz --haploid-contigs ctg1 --haploid-mode $mode \
        2>/dev/null || fail "haploid gVCF $mode"
    bcftools query -r ctg1 -f '%POS\t%ALT\t[%GT]\t[%PL]\n' hg.g.vcf.gz >hg.tsv || fail "query hg.g.vcf.gz"
    awk -F'\t' '{ k = split($2, al, ",") + 1; n = split($4, pl, ",")
        if ($3 !~ /^[0-9]$/ || n != k || (mode == "precise" && pl[$3 + 1] != 0)) { print; bad = 1 }
        if ($2 != "<*>") v++ }
        END { exit bad || !v }' mode=$mode hg.tsv >hg.bad || fail "haploid gVCF $mode: GT and PL disagree (or no variant record): $(head -3 hg.bad)"
done
done_test
