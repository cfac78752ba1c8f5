# `calla call` output paths and names: two spellings of one file (-o vs --gvcf, or an output that
# is an input) are a usage error that writes nothing; each output gets its own temporary file; a
# rewrite removes an index of the old file that the new type does not get (bcftools then reads
# the new file); --sample with a tab/newline or empty is a usage error; the long aliases
# --fasta-ref and --regions of -f and -r.
source "$(dirname "$0")/lib.sh"
need samtools
need bcftools
[[ -x $CALLA_TOOLS/mkmodel ]] || { fail "no $CALLA_TOOLS/mkmodel (make builds it)"; done_test; }
FX=$CALLA_ROOT/tests/fixtures
cp "$FX/tensors_ref.fa" "$TMP/ref.fa" && samtools faidx "$TMP/ref.fa" || fail "faidx"
samtools sort -o "$TMP/ok.bam" "$FX/tensors_reads.sam" 2>/dev/null && samtools index "$TMP/ok.bam" || fail "sort/index"
"$CALLA_TOOLS/mkmodel" "$TMP/m.st" clair3-pileup bias:gt21.bias:2=5 bias:zygosity.bias:2=5 || fail "model"
cd "$TMP" || fail "cd"
mkdir out
IN=(-b ok.bam -f ref.fa -m m.st)
usage2() {  # label pattern args...: exit 2, one error line + the --help pointer, nothing in out/
    local label=$1 pat=$2; shift 2
    "$CALLA" call "$@" 2>err >/dev/null
    [[ $? -eq 2 ]] || fail "$label: expected exit 2"
    head -n 1 err | grep -q -- "$pat" || fail "$label: $(head -n 1 err)"
    [[ $(wc -l <err) -eq 2 ]] || fail "$label: $(wc -l <err) lines on stderr"
    [[ -z $(ls -A out) ]] || { fail "$label left output: $(ls -A out)"; rm -f out/*; }
}

# 1. the same file spelled twice
usage2 "./x vs x" 'name the same file' "${IN[@]}" -o ./out/same.vcf.gz --gvcf out/same.vcf.gz
usage2 "abs vs rel" 'name the same file' "${IN[@]}" -o "$TMP/out/same.vcf.gz" --gvcf out/same.vcf.gz
usage2 "dir/../" 'name the same file' "${IN[@]}" -o out/../out/s.bcf --gvcf out/s.bcf
ln -s out outlink
usage2 "symlinked dir" 'name the same file' "${IN[@]}" -o outlink/s.vcf.gz --gvcf out/s.vcf.gz
usage2 "-o is the BAM" '-o "./ok.bam" names an input file' "${IN[@]}" -o ./ok.bam -O z
usage2 "-o is the ref" '-o "'"$TMP"'/ref.fa" names an input file' "${IN[@]}" -o "$TMP/ref.fa" -O v
cp ok.bam in.g.vcf.gz
usage2 "--gvcf is the BAM" '--gvcf "./in.g.vcf.gz" names an input file' -b in.g.vcf.gz -f ref.fa -m m.st -o out/c.vcf.gz --gvcf ./in.g.vcf.gz
cmp -s ref.fa "$FX/tensors_ref.fa" || fail "the reference was touched"
# ... while two different files are fine (the gVCF and the VCF are both valid and indexed)
"$CALLA" call "${IN[@]}" -o ./out/a.vcf.gz --gvcf out/a.g.vcf.gz 2>err || fail "-o + --gvcf: $(cat err)"
for f in out/a.vcf.gz out/a.g.vcf.gz; do
    [[ -s $f.tbi ]] || fail "no index for $f"
    bcftools view -H -r ctg1 "$f" >/dev/null 2>err && [[ ! -s err ]] || fail "$f: $(cat err)"
done
[[ -z $(ls out | grep '\.tmp\.') ]] || fail "temporary files left: $(ls out)"
rm -f out/*

# 4. a rewrite removes the stale index
"$CALLA" call "${IN[@]}" -o s.vcf.gz 2>/dev/null && [[ -s s.vcf.gz.tbi ]] || fail "s.vcf.gz"
"$CALLA" call "${IN[@]}" -o s.vcf.gz -O v 2>/dev/null || fail "rewrite -O v"
[[ -e s.vcf.gz.tbi || -e s.vcf.gz.csi ]] && fail "stale index left beside the plain rewrite"
[[ $(head -c 16 s.vcf.gz) == "##fileformat=VCF" ]] || fail "-O v is not plain"
"$CALLA" call "${IN[@]}" -o s.bcf 2>/dev/null && [[ -s s.bcf.csi ]] || fail "s.bcf"
"$CALLA" call "${IN[@]}" -o s.bcf -O u 2>/dev/null || fail "rewrite -O u"
[[ -e s.bcf.csi || -e s.bcf.tbi ]] && fail "stale .csi left beside the uncompressed BCF"
bcftools view -H s.bcf >/dev/null 2>err && [[ ! -s err ]] || fail "s.bcf: $(cat err)"
# a .csi beside a file rewritten as .vcf.gz (+ .tbi) goes too; the new .tbi answers -r
: >t.vcf.gz.csi
"$CALLA" call "${IN[@]}" -o t.vcf.gz 2>/dev/null || fail "t.vcf.gz"
[[ -e t.vcf.gz.csi ]] && fail "stale .csi left beside t.vcf.gz"
[[ $(bcftools view -H -r ctg1 t.vcf.gz | wc -l) -eq $(bcftools view -H t.vcf.gz | awk '$1 == "ctg1"' | wc -l) ]] ||
    fail "t.vcf.gz -r"

# 2. --sample: no tab, newline or empty name
usage2 "--sample tab" 'bad --sample' "${IN[@]}" -o out/c.vcf.gz --sample $'a\tb'
usage2 "--sample newline" 'bad --sample' "${IN[@]}" -o out/c.vcf.gz --sample $'a\nb'
usage2 "--sample empty" 'bad --sample ""' "${IN[@]}" -o out/c.vcf.gz --sample ''
"$CALLA" call "${IN[@]}" -o out/c.vcf.gz --sample 'a b' 2>/dev/null || fail "--sample with a space"
[[ $(bcftools query -l out/c.vcf.gz) == 'a b' ]] || fail "--sample 'a b'"
rm -f out/*

# 5. --fasta-ref and --regions: the same output as -f and -r
"$CALLA" call -b ok.bam -f ref.fa -m m.st -r ctg1:1-40 -o r1.vcf 2>/dev/null || fail "-f -r"
"$CALLA" call -b ok.bam --fasta-ref ref.fa -m m.st --regions ctg1:1-40 -o r2.vcf 2>err || fail "--fasta-ref --regions: $(cat err)"
cmp -s <(grep -v '^##calla' r1.vcf) <(grep -v '^##calla' r2.vcf) || fail "long aliases differ from -f -r"
[[ $(grep -vc '^#' r1.vcf) -ge 1 ]] || fail "no records in ctg1:1-40"
"$CALLA" call --help | grep -q -- '--fasta-ref' || fail "--help lacks --fasta-ref"
"$CALLA" call --help | grep -q -- '--regions REG' || fail "--help lacks --regions"
done_test
