# calla eval --haplotypes on a hand-made pair: two groups where truth and query spell the same
# haplotypes differently (the representations met on the simulated HG002 windows), one where they
# differ; counts worked out by hand, the equivalence checked independently with
# `bcftools consensus` (the two phased call sets give identical haplotype sequences).
source "$(dirname "$0")/lib.sh"
need samtools
need bcftools
need bgzip

SP=ACGTTGCAGTCAGGATCCATGCAAGTCGATTGACCTAGGA  # 40 bases
# chr1 1-based: spacer 1-40, P1 41-53, spacer 54-93, P2 94-124, spacer 125-164, P3 165-177, spacer
printf '>chr1\n%s%s%s%s%s%s%s\n' $SP AAGCTTTTAATCA $SP ATATATATGTGTATATATATATGTGTGTATA $SP CCAGTTTTTGACC $SP >"$TMP/ref.fa"
samtools faidx "$TMP/ref.fa" || fail "samtools faidx"
[[ $(samtools faidx "$TMP/ref.fa" chr1:44-48 | tail -n 1) == CTTTT ]] || fail "layout P1"
[[ $(samtools faidx "$TMP/ref.fa" chr1:104-108 | tail -n 1) == GTATA ]] || fail "layout P2"
HDR='##fileformat=VCFv4.2
##contig=<ID=chr1,length=217>
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">'
vcf() { printf '%s\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS\n' "$HDR"; while read -r p r a g; do printf 'chr1\t%s\t.\t%s\t%s\t50\tPASS\t.\tGT\t%s\n' "$p" "$r" "$a" "$g"; done; }
# P1: C>CT and T>C (both hom) against one hom T>TC: G C T T T T C A on both haplotypes.
# P2: G>GTA hom and A>T on haplotype 1, against G>GTA on haplotype 2 and A>ATT on haplotype 1.
# P3: one T inserted against two (a real error).
vcf >"$TMP/truth.vcf" <<'V'
44 C CT 1|1
48 T C 1|1
104 G GTA 1|1
108 A T 1|0
168 G GT 0|1
V
vcf >"$TMP/query.vcf" <<'V'
48 T TC 1|1
104 G GTA 0|1
108 A ATT 1|0
168 G GTT 0|1
V
run() { "$CALLA" eval -t "$TMP/truth.vcf" -q "$TMP/query.vcf" -f "$TMP/ref.fa" --no-strata "$@"; }
row() { awk -v t="$1" -v l="$2" '$1 == t && $2 == l { print $3, $4, $5, $6, $7, $8 }' "$3"; }

# Variant by variant: SNP truth 48, 108 (query none): FN 2. INDEL truth 44 104 168, query 48 104
# 108 168: allele TP 1 (104) FP 3 FN 2; genotype (104 hom vs het) TP 0 FP 4 FN 3.
run >"$TMP/exact.txt" 2>"$TMP/exact.err" || fail "eval: $(cat "$TMP/exact.err")"
[[ $(row SNP genotype "$TMP/exact.txt") == "0 0 2 0.0000 0.0000 0.0000" ]] || fail "exact SNP: $(row SNP genotype "$TMP/exact.txt")"
[[ $(row INDEL allele "$TMP/exact.txt") == "1 3 2 0.2500 0.3333 0.2857" ]] || fail "exact INDEL allele: $(row INDEL allele "$TMP/exact.txt")"
[[ $(row INDEL genotype "$TMP/exact.txt") == "0 4 3 0.0000 0.0000 0.0000" ]] || fail "exact INDEL genotype"
grep -q haplotype "$TMP/exact.err" && fail "haplotype line without --haplotypes"

# --haplotypes: P1 and P2 match as genotypes. SNP: truth TP 2, FN 0, no query SNP (precision 0 by
# the 0/0 rule). INDEL: truth TP 2 (44 104) FN 1 (168); query TP 3 (48 104 108) FP 1 (168):
# precision 3/4, recall 2/3, F1 2*(3/4)(2/3)/(3/4+2/3) = 0.7059.
run --haplotypes --json "$TMP/h.json" >"$TMP/hap.txt" 2>"$TMP/hap.err" || fail "eval --haplotypes: $(cat "$TMP/hap.err")"
[[ $(row SNP genotype "$TMP/hap.txt") == "2 0 0 0.0000 1.0000 0.0000" ]] || fail "hap SNP: $(row SNP genotype "$TMP/hap.txt")"
[[ $(row INDEL allele "$TMP/hap.txt") == "2 1 1 0.7500 0.6667 0.7059" ]] || fail "hap INDEL allele: $(row INDEL allele "$TMP/hap.txt")"
[[ $(row INDEL genotype "$TMP/hap.txt") == "2 1 1 0.7500 0.6667 0.7059" ]] || fail "hap INDEL genotype: $(row INDEL genotype "$TMP/hap.txt")"
grep -q '"genotype": {"tp": 2, "fp": 1, "fn": 1, "precision": 0.750000, "recall": 0.666667, "f1": 0.705882, "tp_query": 3}' "$TMP/h.json" ||
    fail "JSON tp_query: $(cat "$TMP/h.json")"
grep -q 'haplotype matching: 3 groups held a variant without a genotype match; 2 now match as genotypes, 0 as alleles only, 0 too complex' "$TMP/hap.err" ||
    fail "stats line: $(cat "$TMP/hap.err")"
run --json "$TMP/e.json" >/dev/null 2>&1
grep -q tp_query "$TMP/e.json" && fail "tp_query without --haplotypes"

# P1 with the query het: the alleles agree, the genotype does not.
sed 's/^chr1\t48\t\(.*\)1|1$/chr1\t48\t\10|1/' "$TMP/query.vcf" >"$TMP/q2.vcf"
grep -q $'^chr1\t48\t.*0|1$' "$TMP/q2.vcf" || fail "sed q2"
"$CALLA" eval -t "$TMP/truth.vcf" -q "$TMP/q2.vcf" -f "$TMP/ref.fa" --no-strata --haplotypes >"$TMP/h2.txt" 2>"$TMP/h2.err" || fail "eval q2"
[[ $(row INDEL allele "$TMP/h2.txt") == "2 1 1 0.7500 0.6667 0.7059" ]] || fail "q2 INDEL allele: $(row INDEL allele "$TMP/h2.txt")"
[[ $(row INDEL genotype "$TMP/h2.txt") == "1 2 2 0.5000 0.3333 0.4000" ]] || fail "q2 INDEL genotype: $(row INDEL genotype "$TMP/h2.txt")"
grep -q '1 now match as genotypes, 1 as alleles only' "$TMP/h2.err" || fail "q2 stats: $(cat "$TMP/h2.err")"

# Independent check of the two equivalences: bcftools consensus of P1 and P2 (P3 left out), per
# haplotype, from truth and query, must spell the same sequences.
for s in truth query; do
    grep -v $'^chr1\t168\t' "$TMP/$s.vcf" | bgzip >"$TMP/$s.p12.vcf.gz" && bcftools index -f "$TMP/$s.p12.vcf.gz" || fail "index $s"
    for h in 1 2; do
        bcftools consensus -H $h -f "$TMP/ref.fa" "$TMP/$s.p12.vcf.gz" 2>/dev/null | tail -n +2 | tr -d '\n' >"$TMP/$s.h$h" || fail "consensus $s $h"
    done
done
cmp -s "$TMP/truth.h1" "$TMP/query.h1" || fail "haplotype 1 differs: bcftools consensus disagrees with the match"
cmp -s "$TMP/truth.h2" "$TMP/query.h2" || fail "haplotype 2 differs"
cmp -s "$TMP/truth.h1" "$TMP/truth.h2" && fail "the two haplotypes should differ (P2)"
done_test
