# Issue #14's scenario on real data: calla eval -R with the truth set's own confident BED (all of
# chr20) against a reference holding only chr20's first 10 Mb. The BED intervals past 10 Mb are
# clipped or dropped with one warning (counts computed here by awk), and a query cut out of the
# truth (chr20:2,000,000-2,100,000) has no FP and as many SNP TPs as bcftools finds in the BED.
source "$(dirname "$0")/lib.sh"
need bcftools
need_shared grch38_chr20_10Mb_hg002_truth
D=$CALLA_SHARED/data/grch38_chr20_10Mb_hg002_truth
T=$D/HG002_GRCh38_1_22_v4.2.1_benchmark.chr20.vcf.gz
B=$D/HG002_GRCh38_1_22_v4.2.1_benchmark.chr20.bed
F=$D/grch38.chr20_and_21_10M.fa.gz
bcftools view -r chr20:2000000-2100000 -Oz -o "$TMP/q.vcf.gz" "$T" || fail "bcftools view"
len=$(awk '$1 == "chr20" { print $2 }' "$F.fai")
nclip=$(awk -v L="$len" '$1 == "chr20" && $3 > L && $2 < L' "$B" | wc -l)
npast=$(awk -v L="$len" '$1 == "chr20" && $2 >= L' "$B" | wc -l)
nsnp=$(bcftools view -H -v snps -T "$B" "$TMP/q.vcf.gz" | wc -l)
[[ $npast -gt 0 && $nsnp -gt 0 ]] || fail "test data: $npast intervals past chr20:$len, $nsnp SNPs"
"$CALLA" eval -t "$T" -q "$TMP/q.vcf.gz" -f "$F" -R "$B" --no-strata >"$TMP/t.txt" 2>"$TMP/e.txt" \
    || fail "eval -R truth BED: $(cat "$TMP/e.txt")"
[[ $(grep -c warning "$TMP/e.txt") -eq 1 ]] || fail "want one warning: $(cat "$TMP/e.txt")"
grep -q ": $nclip interval(s) clipped to the contig length, $npast past the contig end and 0 on contigs" "$TMP/e.txt" \
    || fail "warning counts (want $nclip, $npast): $(cat "$TMP/e.txt")"
row() { awk -v t="$1" '$1 == t && $2 == "allele" { print $3, $4 }' "$TMP/t.txt"; }
[[ $(row SNP) == "$nsnp 0" ]] || fail "SNP TP FP: $(row SNP), want $nsnp 0"
[[ $(row INDEL | cut -d' ' -f2) == 0 ]] || fail "INDEL FP: $(row INDEL)"
done_test
