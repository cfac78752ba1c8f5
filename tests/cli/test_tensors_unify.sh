#!/usr/bin/env bash
# calla tensors --unify (representation unification) on hand-made reads in a (CA)4 repeat. The
# truth writes each deletion left-normalised at the T before the repeat; the reads delete the
# repeat's last units. Expected labels (gt21 TT 9, ADel 11, DelDel 10, TDel 14; zygosity 0/1/2;
# length index len(alt) - len(ref) + 16) are worked out by hand below.
source "$(dirname "$0")/lib.sh"
need samtools
need bgzip
need tabix
#                 1-based: 1..40 prefix, 41 T, 42-49 CACACACA, 50 G, 51..90 suffix
P=GATTACAGGCTTAGCCATGGATCCGTAAGCTTGACGTAGG
S=TCAGTTGCAAGCTGGATCCAATGCTAGGCATCGTAACGTT
REF="${P}TCACACACAG${S}"
[[ ${#REF} -eq 90 && ${REF:40:10} == TCACACACAG ]] || fail "fixture reference"
printf '>ctg1\n%s\n>ctg2\n%s\n' "$REF" "$REF" >"$TMP/ref.fa"
samtools faidx "$TMP/ref.fa" || fail "faidx"
{
    printf '@HD\tVN:1.6\tSO:unsorted\n@SQ\tSN:ctg1\tLN:90\n@SQ\tSN:ctg2\tLN:90\n'
    # ctg1: 10 reference reads, 10 reads deleting CA at 48-49 (anchor A 47: 37M2D23M) -> het
    for i in $(seq 1 10); do printf 'r%d\t0\tctg1\t11\t60\t60M\t*\t0\t0\t%s\t*\n' "$i" "${REF:10:60}"; done
    for i in $(seq 1 10); do printf 'd%d\t16\tctg1\t11\t60\t37M2D23M\t*\t0\t0\t%s%s\t*\n' "$i" "${REF:10:37}" "${REF:49:23}"; done
    # ctg2: 20 reads deleting CACA at 46-49 (anchor A 45: 35M4D23M) -> hom
    for i in $(seq 1 20); do printf 'h%d\t0\tctg2\t11\t60\t35M4D23M\t*\t0\t0\t%s%s\t*\n' "$i" "${REF:10:35}" "${REF:49:23}"; done
} >"$TMP/reads.sam"
samtools sort -o "$TMP/reads.bam" "$TMP/reads.sam" 2>/dev/null && samtools index "$TMP/reads.bam" \
    || fail "samtools sort/index"
{
    printf '##fileformat=VCFv4.2\n##contig=<ID=ctg1,length=90>\n##contig=<ID=ctg2,length=90>\n'
    printf '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    printf '#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS\n'
    printf 'ctg1\t41\t.\tTCA\tT\t.\tPASS\t.\tGT\t0/1\n'    # one CA unit, het
    printf 'ctg2\t41\t.\tTCACA\tT\t.\tPASS\t.\tGT\t1/1\n'  # two units, hom (span 41-45)
} | bgzip >"$TMP/truth.vcf.gz" && tabix -p vcf "$TMP/truth.vcf.gz" || fail "truth VCF"

run() {  # out extra-args...
    local out=$1; shift
    "$CALLA" tensors -b "$TMP/reads.bam" -f "$TMP/ref.fa" --platform ilmn --truth "$TMP/truth.vcf.gz" \
        --nonvariant-ratio 10 -o "$TMP/$out.ctf" "$@" 2>"$TMP/$out.err" || fail "tensors $*: $(cat "$TMP/$out.err")"
    "$CALLA" view "$TMP/$out.ctf" >"$TMP/$out.txt" || fail "view $out"
}
rows() { cut -f1-4 "$TMP/$1.txt" | tr '\t' ' ' | tr '\n' ';'; }

# Without --unify (today's labels): ctg1:41 carries the truth (T + Del: TDel 14, het, lengths
# -2/0 -> 14 16) and the reads' candidate ctg1:47 is non-variant (AA 0 0 16 16); ctg2:41 carries
# the hom deletion (DelDel 10, hom 1, -4/-4 -> 12 12) and ctg2:45 lies inside the truth REF span
# 41-45, so it gets no label and is not written.
run plain
[[ $(rows plain) == "ctg1 41 T 14,2,14,16;ctg1 47 A 0,0,16,16;ctg2 41 T 10,1,12,12;" ]] \
    || fail "without --unify: $(rows plain)"

# With --unify: haplotypes over the group span agree (ref[41..47) + A + ref[50..) = T + ref[44..)
# on ctg1; ref[41..45) + A + ref[50..) = T + ref[46..) on ctg2), so the reads' sites take the
# truth: ctg1:47 ACA>A het -> ADel 11, het 2, 14 16; ctg2:45 ACACA>A hom -> DelDel 10, hom 1,
# 12 12; both truth sites become non-variant T (TT 9 0 16 16).
run unify --unify
[[ $(rows unify) == "ctg1 41 T 9,0,16,16;ctg1 47 A 11,2,14,16;ctg2 41 T 9,0,16,16;ctg2 45 A 10,1,12,12;" ]] \
    || fail "with --unify: $(rows unify)"
# Summary: no lock (no candidate shows the truth allele at 41), two matched groups, labels
# changed: ctg1:41, ctg1:47, ctg2:41 and ctg2:45 (newly labelled).
grep -q "representation unification: 0 candidate(s) locked to a truth site; 2 group(s) with truth and candidates: 2 matched, 0 unmatched, 0 skipped; 4 label(s) changed (2 now variant, 2 now non-variant; 1 of them unlabelled before)" "$TMP/unify.err" \
    || fail "summary: $(grep unification "$TMP/unify.err")"
# Unification changes labels only: the features of a site are the same.
[[ $(grep -P '^ctg1\t47\t' "$TMP/plain.txt" | cut -f5) == $(grep -P '^ctg1\t47\t' "$TMP/unify.txt" | cut -f5) ]] \
    || fail "features of ctg1:47 differ"
# Threads do not change the result.
run unify4 --unify -@ 3 --chunk-size 20000
cmp -s "$TMP/unify.txt" "$TMP/unify4.txt" || fail "--unify -@ 3 differs"
# A chunk boundary through the group (chunks of 45: ctg1:41 in chunk 1, ctg1:47 in chunk 2) does
# not stop the match (each chunk is unified with 1 kb margins). The first chunk of ctg1 then holds
# no variant, so its non-variant ctg1:41 is not sampled (floor(10 x 0) = 0); counts are unchanged.
run chunk45 --unify --chunk-size 45
[[ $(rows chunk45) == "ctg1 47 A 11,2,14,16;ctg2 41 T 9,0,16,16;ctg2 45 A 10,1,12,12;" ]] \
    || fail "--unify --chunk-size 45: $(rows chunk45)"
grep -q "2 matched, 0 unmatched, 0 skipped; 4 label(s) changed (2 now variant, 2 now non-variant; 1 of them unlabelled before)" "$TMP/chunk45.err" \
    || fail "summary with --chunk-size 45: $(grep unification "$TMP/chunk45.err")"
grep -q ", 4 candidates," "$TMP/chunk45.err" || fail "candidates counted once: $(tail -1 "$TMP/chunk45.err")"
# Default output is unaffected by the option's existence: no unification line without --unify.
grep -q unification "$TMP/plain.err" && fail "unification summary without --unify"

# A truth that the reads do not reproduce (a 3-unit deletion at ctg1:41) is left as it was.
{
    printf '##fileformat=VCFv4.2\n##contig=<ID=ctg1,length=90>\n'
    printf '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    printf '#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS\n'
    printf 'ctg1\t41\t.\tTCACACA\tT\t.\tPASS\t.\tGT\t0/1\n'
} | bgzip >"$TMP/t3.vcf.gz" && tabix -p vcf "$TMP/t3.vcf.gz" || fail "truth VCF 2"
"$CALLA" tensors -b "$TMP/reads.bam" -f "$TMP/ref.fa" --platform ilmn --truth "$TMP/t3.vcf.gz" -r ctg1 \
    --unify -o "$TMP/t3.ctf" 2>"$TMP/t3.err" || fail "tensors t3"
grep -q "1 group(s) with truth and candidates: 0 matched, 1 unmatched, 0 skipped; 0 label(s) changed" "$TMP/t3.err" \
    || fail "unmatched summary: $(grep unification "$TMP/t3.err")"

"$CALLA" tensors -b "$TMP/reads.bam" -f "$TMP/ref.fa" --platform ilmn --unify -o "$TMP/x.ctf" \
    >/dev/null 2>"$TMP/x.err"
[[ $? -eq 2 ]] || fail "--unify without --truth should exit 2"
[[ $(head -1 "$TMP/x.err") == "[calla tensors] --unify needs --truth" ]] || fail "message: $(head -1 "$TMP/x.err")"
[[ -e $TMP/x.ctf ]] && fail "output written on a usage error"
"$CALLA" tensors --help | grep -q -- '--unify' || fail "--help lacks --unify"
done_test
