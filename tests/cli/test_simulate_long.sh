# `calla simulate` for HiFi and ONT: error rates measured from the BAM (samtools stats, NM-based)
# without variants, depth, read lengths clamped to small contigs, planted alleles in the reads.
source "$(dirname "$0")/lib.sh"
need samtools; need minimap2
# platform, error-rate range (mismatches+indel bases per aligned base), max average length
for spec in "hifi 0.0005 0.0018" "ont 0.012 0.04"; do
    read -r p lo hi <<<"$spec"
    O=$TMP/$p
    "$CALLA" simulate -o "$O" --genome-size 60k --contigs 3 --platform $p --depth 15 --snp-rate 0 \
        --indel-rate 0 --seed 3 2>"$TMP/log" || { fail "$p: simulate failed: $(cat "$TMP/log")"; continue; }
    [[ $(bcftools view -H "$O/truth.vcf.gz" | wc -l) -eq 0 ]] || fail "$p: variants planted at rate 0"
    samtools stats "$O/reads.bam" >"$TMP/stats"
    err=$(awk -F'\t' '$2=="error rate:"{print $3}' "$TMP/stats")
    awk -v e="$err" -v lo="$lo" -v hi="$hi" 'BEGIN{exit !(e > lo && e < hi)}' || fail "$p: error rate $err outside $lo-$hi"
    unm=$(awk -F'\t' '$2=="reads unmapped:"{print $3}' "$TMP/stats")
    [[ $unm -eq 0 ]] || fail "$p: $unm unmapped reads"
    # contigs are 30/20/10 kb: no read may be longer than its contig (plus inserted errors)
    samtools view "$O/reads.bam" | awk -v OFS='\t' '{print $3, length($10)}' >"$TMP/lens"
    awk 'NR==FNR{len[$1]=$2; next} $2 > len[$1] * 1.05 {bad++} END{exit bad > 0}' "$O/ref.fa.fai" "$TMP/lens" ||
        fail "$p: reads longer than their contig"
    depth=$(samtools depth -a "$O/reads.bam" | awk '{s+=$3; n++} END{print s/n}')
    awk -v d="$depth" 'BEGIN{exit !(d > 13 && d < 17)}' || fail "$p: mean depth $depth, expected ~15"
done

# ONT with variants: every hom SNP in the middle of a contig shows its ALT in most reads
O=$TMP/ontv
"$CALLA" simulate -o "$O" --genome-size 40k --contigs 1 --platform ont --depth 20 --snp-rate 0.002 \
    --seed 5 2>/dev/null || fail "ont with variants failed"
bcftools view -H -g hom "$O/truth.vcf.gz" | awk 'length($4)==1 && length($5)==1 && $2 > 2000 && $2 < 38000' |
    cut -f1,2,5 | head -15 >"$TMP/hom"
awk -v OFS='\t' '{print $1, $2 - 1, $2}' "$TMP/hom" >"$TMP/hom.bed"
samtools mpileup -Q 0 -l "$TMP/hom.bed" -f "$O/ref.fa" "$O/reads.bam" 2>/dev/null | cut -f1,2,4,5 >"$TMP/pile"
n=0 ok=0
while read -r c pos alt; do
    n=$((n + 1))
    line=$(awk -v c="$c" -v p="$pos" '$1==c && $2==p' "$TMP/pile")
    [[ -n $line ]] || continue
    dp=$(cut -f3 <<<"$line"); na=$(cut -f4 <<<"$line" | tr -cd "${alt}${alt,,}" | wc -c)
    [[ $dp -gt 0 && $((na * 10)) -ge $((dp * 7)) ]] && ok=$((ok + 1))
done <"$TMP/hom"
[[ $n -ge 5 && $((ok * 10)) -ge $((n * 9)) ]] || fail "ont hom SNPs with ALT in >=70% of reads: $ok/$n"
"$CALLA" simulate -o "$TMP/x" --genome-size 50k --platform ont --depth 5 --aligner bwa 2>"$TMP/err"
[[ $? -eq 2 ]] || fail "--aligner bwa with ont should be a usage error"
head -n 1 "$TMP/err" | grep -q 'bwa mem is for short reads' || fail "unexpected error: $(head -n 1 "$TMP/err")"
done_test
