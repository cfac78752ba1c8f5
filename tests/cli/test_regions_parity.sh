#!/usr/bin/env bash
# test_regions_parity.sh — one region parser and one BED reader for every command (issue #14
# item 8) and `calla eval -R` reading only the records in the regions (item 7).
# A simulated genome whose first contig is renamed "sim:1" (a ':' in the name); each samtools
# region form (chr, chr:beg, chr:beg-, chr:beg-end with commas, {chr}:beg-end, chr:with:colon:b-e)
# and a BED (plain and .bed.gz, with track/browser/# lines) goes through `calla tensors` and
# `calla call`; the records must be exactly those of a whole-genome run inside the interval, and
# samtools must read the same interval from the same text (same reads as `samtools view -L`).
# The VCF side is checked with `bcftools view -R --regions-overlap pos`.
source "$(dirname "$0")/lib.sh"
need samtools
need bcftools
need bgzip
need tabix
command -v bwa >/dev/null 2>&1 || skip "bwa not installed (calla simulate)"
[[ -x $CALLA_TOOLS/mkmodel ]] || { fail "no $CALLA_TOOLS/mkmodel"; done_test; }
S=$TMP/sim
"$CALLA" simulate -o "$S" --genome-size 16k --contigs 2 --platform ilmn --depth 12 2>/dev/null ||
    { fail "simulate"; done_test; }
# rename sim1 -> sim:1 in the reference and the BAM
sed 's/^>sim1$/>sim:1/' "$S/ref.fa" >"$TMP/ref.fa" && samtools faidx "$TMP/ref.fa" || fail faidx
samtools view -h "$S/reads.bam" |
    awk 'BEGIN{FS=OFS="\t"} /^@SQ/{if($2=="SN:sim1")$2="SN:sim:1"} !/^@/{if($3=="sim1")$3="sim:1"; if($7=="sim1")$7="sim:1"} {print}' |
    samtools view -b -o "$TMP/reads.bam" - && samtools index "$TMP/reads.bam" || fail "rename BAM"
L1=$(awk '$1=="sim:1"{print $2}' "$TMP/ref.fa.fai")
L2=$(awk '$1=="sim2"{print $2}' "$TMP/ref.fa.fai")
[[ -n $L1 && -n $L2 ]] || { fail "contig lengths"; done_test; }
"$CALLA_TOOLS/mkmodel" "$TMP/m.st" clair3-pileup platform=ilmn >/dev/null 2>&1 || fail mkmodel

IN=(-b "$TMP/reads.bam" -f "$TMP/ref.fa")
"$CALLA" tensors "${IN[@]}" --platform ilmn -o "$TMP/all.ctf" 2>/dev/null || fail "tensors whole"
"$CALLA" view "$TMP/all.ctf" | cut -f1,2 >"$TMP/all.pos"
"$CALLA" call "${IN[@]}" -m "$TMP/m.st" --ref-calls -o "$TMP/all.vcf.gz" 2>/dev/null || fail "call whole"
[[ $(wc -l <"$TMP/all.pos") -gt 50 ]] || fail "too few candidates: $(wc -l <"$TMP/all.pos")"
[[ $(bcftools view -H "$TMP/all.vcf.gz" | wc -l) -eq $(wc -l <"$TMP/all.pos") ]] ||
    fail "call --ref-calls should write one record per candidate"

# check FORM BEDFILE: BEDFILE (0-based) is the interval FORM means by hand.
check() {
    local form=$1 bed=$2 tag
    tag=$(echo "$form" | tr -c 'A-Za-z0-9' _)
    # samtools reads the same interval from the text as from the BED
    [[ $(samtools view -c "$TMP/reads.bam" "$form") -eq $(samtools view -c -L "$bed" "$TMP/reads.bam") ]] ||
        fail "$form: samtools does not read it as $(cat "$bed")"
    # tensors: the whole run's positions inside the interval
    awk 'NR==FNR{b[$1]=b[$1]" "$2" "$3; next} {n=split(b[$1],a," "); for(i=1;i<n;i+=2) if($2>a[i] && $2<=a[i+1]) {print; break}}' \
        "$bed" "$TMP/all.pos" >"$TMP/want.$tag"
    "$CALLA" tensors "${IN[@]}" --platform ilmn -r "$form" -o "$TMP/t.$tag.ctf" 2>/dev/null ||
        { fail "tensors -r $form"; return; }
    "$CALLA" view "$TMP/t.$tag.ctf" | cut -f1,2 >"$TMP/got.$tag"
    [[ -s $TMP/want.$tag ]] || fail "$form: no candidates expected (test too weak)"
    cmp -s "$TMP/want.$tag" "$TMP/got.$tag" || fail "tensors -r $form: $(wc -l <"$TMP/got.$tag") records, expected $(wc -l <"$TMP/want.$tag")"
    # call: the records bcftools keeps with the same BED (by POS)
    "$CALLA" call "${IN[@]}" -m "$TMP/m.st" --ref-calls -r "$form" -o "$TMP/c.$tag.vcf.gz" 2>/dev/null ||
        { fail "call -r $form"; return; }
    cmp -s <(bcftools view -H -R "$bed" --regions-overlap pos "$TMP/all.vcf.gz") \
        <(bcftools view -H "$TMP/c.$tag.vcf.gz") || fail "call -r $form differs from bcftools view -R"
}
bed1() { printf '%s\t%s\t%s\n' "$@" >"$TMP/iv.bed"; }
bed1 sim2 0 "$L2";       check sim2 "$TMP/iv.bed"
bed1 sim2 1000 "$L2";    check sim2:1001 "$TMP/iv.bed"
                         check sim2:1001- "$TMP/iv.bed"
bed1 sim2 1000 3000;     check sim2:1,001-3,000 "$TMP/iv.bed"
bed1 sim:1 500 2500;     check "{sim:1}:501-2500" "$TMP/iv.bed"
                         check "sim:1:501-2,500" "$TMP/iv.bed"
bed1 sim:1 0 "$L1";      check "sim:1" "$TMP/iv.bed"

# BED files: plain and bgzipped, with header lines, overlapping intervals; -R in tensors and call
printf 'track name=t\nbrowser position sim2\n# comment\nsim:1\t500\t2500\nsim2\t1000\t2000\nsim2\t1500\t3000\textra\n' >"$TMP/r.bed"
bgzip -c "$TMP/r.bed" >"$TMP/r.bed.gz"
printf 'sim:1\t500\t2500\nsim2\t1000\t3000\n' >"$TMP/r_plain.bed"
awk 'NR==FNR{b[$1]=b[$1]" "$2" "$3; next} {n=split(b[$1],a," "); for(i=1;i<n;i+=2) if($2>a[i] && $2<=a[i+1]) {print; break}}' \
    "$TMP/r_plain.bed" "$TMP/all.pos" >"$TMP/want.bed"
for f in r.bed r.bed.gz; do
    "$CALLA" tensors "${IN[@]}" --platform ilmn -R "$TMP/$f" -o "$TMP/t.$f.ctf" 2>/dev/null || fail "tensors -R $f"
    "$CALLA" view "$TMP/t.$f.ctf" | cut -f1,2 | cmp -s - "$TMP/want.bed" || fail "tensors -R $f"
    "$CALLA" call "${IN[@]}" -m "$TMP/m.st" --ref-calls -R "$TMP/$f" -o "$TMP/c.$f.vcf.gz" 2>/dev/null || fail "call -R $f"
    cmp -s <(bcftools view -H -R "$TMP/r_plain.bed" --regions-overlap pos "$TMP/all.vcf.gz") \
        <(bcftools view -H "$TMP/c.$f.vcf.gz") || fail "call -R $f differs from bcftools view -R"
done

# errors: the overflowing position (issue #16), an unknown contig, an ambiguous name
expect_fail 2 'malformed region "sim2:99999999999999999999-1"' \
    "$CALLA" tensors "${IN[@]}" --platform ilmn -r sim2:99999999999999999999-1 -o "$TMP/x.ctf"
expect_fail 1 'contig "sim3" of region "sim3:1-5" is not in' \
    "$CALLA" call "${IN[@]}" -m "$TMP/m.st" -r sim3:1-5 -o "$TMP/x.vcf.gz"

# eval -R: a .bed.gz and a .bed give the same counts; truth against itself counts every SNP of
# the truth inside the regions (bcftools view -R) as a true positive
printf 'sim1\t1000\t5000\nsim2\t1000\t4000\n' >"$TMP/e.bed"
bgzip -c "$TMP/e.bed" >"$TMP/e.bed.gz"
T=$S/truth.vcf.gz
"$CALLA" eval -t "$T" -q "$T" -f "$S/ref.fa" -R "$TMP/e.bed" >"$TMP/e1" 2>/dev/null || fail "eval -R bed"
"$CALLA" eval -t "$T" -q "$T" -f "$S/ref.fa" -R "$TMP/e.bed.gz" >"$TMP/e2" 2>/dev/null || fail "eval -R bed.gz"
cmp -s "$TMP/e1" "$TMP/e2" || fail "eval: .bed and .bed.gz differ"
nsnp=$(bcftools view -H -v snps -R "$TMP/e.bed" "$T" | wc -l)
[[ $nsnp -gt 0 ]] || fail "no truth SNPs in the eval regions (test too weak)"
grep -Eq "^SNP[[:space:]]+allele[[:space:]]+$nsnp[[:space:]]+0[[:space:]]+0" "$TMP/e1" ||
    fail "eval SNP TP is not $nsnp: $(cat "$TMP/e1")"

# eval -R reads only the records in the regions (item 7). A reference holding sim2's first
# 3000 bases; the truth is declared on all of sim2 and has a record beyond 3000 (A), one whose
# REF runs past 3000 (B), one whose REF differs from the reference (C) and one on a contig the
# reference lacks (D).
samtools faidx "$S/ref.fa" sim2:1-3000 | sed 's/^>.*/>sim2/' >"$TMP/small.fa" && samtools faidx "$TMP/small.fa"
base() { samtools faidx "$S/ref.fa" "sim2:$1-$2" | tail -n +2 | tr -d '\n'; }
wrong() { case $1 in A) echo C;; *) echo A;; esac; }
{
    printf '##fileformat=VCFv4.2\n##contig=<ID=sim2,length=%s>\n##contig=<ID=simX,length=100>\n' "$L2"
    printf '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    printf '#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS\n'
    r=$(base 1500 1500); printf 'sim2\t1500\t.\t%s\t%s\t50\tPASS\t.\tGT\t0/1\n' "$r" "$(wrong "$r")"
    r=$(base 2500 2500); printf 'sim2\t2500\t.\t%s\t%s\t50\tPASS\t.\tGT\t0/1\n' "$(wrong "$r")" "$r"  # C
    r=$(base 2999 3002); printf 'sim2\t2999\t.\t%s\t%s\t50\tPASS\t.\tGT\t0/1\n' "$r" "${r:0:1}"     # B
    r=$(base 4500 4500); printf 'sim2\t4500\t.\t%s\t%s\t50\tPASS\t.\tGT\t1/1\n' "$r" "$(wrong "$r")" # A
    printf 'simX\t10\t.\tA\tC\t50\tPASS\t.\tGT\t0/1\n'  # D: a contig the reference lacks
} >"$TMP/far.vcf"
bgzip -c "$TMP/far.vcf" >"$TMP/far.vcf.gz" && tabix -p vcf "$TMP/far.vcf.gz" || fail "tabix"
bcftools view -Ob -o "$TMP/far.bcf" "$TMP/far.vcf" && bcftools index "$TMP/far.bcf" || fail "bcf"
printf 'sim2\t1000\t2000\n' >"$TMP/in.bed"
printf 'sim2\t2900\t3000\n' >"$TMP/b.bed"
printf 'sim2\t2400\t2600\n' >"$TMP/c.bed"
for v in far.vcf far.vcf.gz far.bcf; do  # streaming, indexed VCF (.tbi), indexed BCF (.csi)
    out=$("$CALLA" eval -t "$TMP/$v" -q "$TMP/$v" -f "$TMP/small.fa" -R "$TMP/in.bed" 2>/dev/null) ||
        fail "$v: eval with the far records outside -R failed"
    grep -Eq "^SNP[[:space:]]+allele[[:space:]]+1[[:space:]]+0[[:space:]]+0" <<<"$out" || fail "$v: SNP TP != 1: $out"
    expect_fail 1 "record [0-9]+ \(POS 2999, REF length 4\) lies outside sim2 of the reference" \
        "$CALLA" eval -t "$TMP/$v" -q "$TMP/$v" -f "$TMP/small.fa" -R "$TMP/b.bed"
    expect_fail 1 "REF . at sim2:2500 differs from the reference" \
        "$CALLA" eval -t "$TMP/$v" -q "$TMP/$v" -f "$TMP/small.fa" -R "$TMP/c.bed"
    # without -R the far records are an error, as before
    expect_fail 1 "lies outside sim2|differs from the reference|not in the reference" \
        "$CALLA" eval -t "$TMP/$v" -q "$TMP/$v" -f "$TMP/small.fa"
done
done_test
