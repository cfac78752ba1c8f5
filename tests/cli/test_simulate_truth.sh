# `calla simulate` with a given reference and truth VCF, restricted to a region; a REF mismatch
# is an error; a real GRCh38 slice with the HG002 truth when the shared data is present.
source "$(dirname "$0")/lib.sh"
need samtools; need bcftools; need bwa; need minimap2
A=$TMP/base
"$CALLA" simulate -o "$A" --genome-size 60k --contigs 2 --platform ont --depth 1 --snp-rate 0 \
    --indel-rate 0 2>/dev/null || fail "making the reference failed"
ref() { samtools faidx "$A/ref.fa" "sim2:$1-$2" | grep -v '>' | tr -d '\n'; }
b() { ref "$1" "$1"; }
other() { case $1 in A) echo C ;; C) echo G ;; G) echo T ;; *) echo A ;; esac; }
# sim2 is 20 kb; region sim2:2001-18000. Records: one before the region, hom and het SNPs,
# a deletion, an insertion, a multi-allelic 1/2, one overlapping the deletion (skipped).
{
    printf '##fileformat=VCFv4.2\n##contig=<ID=sim1,length=40000>\n##contig=<ID=sim2,length=20000>\n'
    printf '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    printf '#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS\n'
    printf 'sim2\t500\t.\t%s\t%s\t.\tPASS\t.\tGT\t1/1\n' "$(b 500)" "$(other "$(b 500)")"
    for p in 3000 4000 5000 6000 7000 8000 9000; do
        gt=1/1; [[ $p == [468]000 ]] && gt=0/1
        printf 'sim2\t%d\t.\t%s\t%s\t.\tPASS\t.\tGT\t%s\n' $p "$(b $p)" "$(other "$(b $p)")" $gt
    done
    printf 'sim2\t10000\t.\t%s\t%s\t.\tPASS\t.\tGT\t0/1\n' "$(ref 10000 10003)" "$(b 10000)"
    printf 'sim2\t10002\t.\t%s\t%s\t.\tPASS\t.\tGT\t0/1\n' "$(b 10002)" "$(other "$(b 10002)")"
    printf 'sim2\t12000\t.\t%s\t%sTTGA\t.\tPASS\t.\tGT\t1|0\n' "$(b 12000)" "$(b 12000)"
    x=$(b 14000); y=$(other "$x"); z=$(other "$y")
    printf 'sim2\t14000\t.\t%s\t%s,%s\t.\tPASS\t.\tGT\t1/2\n' "$x" "$y" "$z"
} >"$TMP/in.vcf"
O=$TMP/out
"$CALLA" simulate -o "$O" -f "$A/ref.fa" --truth "$TMP/in.vcf" -r sim2:2001-18000 --platform ilmn \
    --depth 20 2>"$TMP/log" || fail "simulate --truth failed: $(cat "$TMP/log")"
grep -q 'skipped 1 record' "$TMP/log" || fail "no warning about the overlapping record"
[[ $(cut -f1 "$O/ref.fa.fai") == sim2 ]] || fail "ref.fa should hold the region's contig only"
[[ $(cat "$O/confident.bed") == $'sim2\t3000\t17000' ]] || fail "confident.bed: $(cat "$O/confident.bed")"
bcftools query -f '%POS %REF %ALT [%GT]\n' "$O/truth.vcf.gz" >"$TMP/out.txt" 2>"$TMP/q.err" || fail "bcftools query"
[[ -s $TMP/q.err ]] && fail "bcftools warnings: $(cat "$TMP/q.err")"
grep -v '^#' "$TMP/in.vcf" | awk '$2 >= 2001 && $2 != 10002 {print $2, $4, $5}' >"$TMP/want"
diff <(cut -d' ' -f1-3 "$TMP/out.txt") "$TMP/want" >/dev/null || fail "truth records differ: $(diff <(cut -d' ' -f1-3 "$TMP/out.txt") "$TMP/want")"
awk '{g[$1]=$4} END{
    ok = g[3000]=="1|1" && g[5000]=="1|1" && (g[4000]=="0|1" || g[4000]=="1|0") &&
         g[12000]=="1|0" && (g[14000]=="1|2" || g[14000]=="2|1") && (g[10000]=="0|1" || g[10000]=="1|0");
    exit !ok }' "$TMP/out.txt" || fail "genotypes not applied as given: $(tr '\n' ';' <"$TMP/out.txt")"
# hom SNPs: ALT in >= 80% of reads; no reads from before the region
printf 'sim2\t%d\t%d\n' 2999 3000 4999 5000 6999 7000 8999 9000 >"$TMP/hom.bed"
samtools mpileup -Q 0 -l "$TMP/hom.bed" -f "$O/ref.fa" "$O/reads.bam" 2>/dev/null >"$TMP/pile"
ok=$(awk '{n=gsub(/[ACGTacgt]/, "", $5); if ($4 > 5 && n >= 0.8 * $4) k++} END{print k+0}' "$TMP/pile")
[[ $ok -eq 4 ]] || fail "hom SNPs with ALT in >=80% of reads: $ok/4"
before=$(samtools view -c -q 20 "$O/reads.bam" sim2:1-1500)
[[ $before -eq 0 ]] || fail "$before reads before the region"
bcftools norm -c x -f "$O/ref.fa" "$O/truth.vcf.gz" >/dev/null 2>&1 || fail "REF differs from ref.fa"

# --hard-rate with --truth: the given records are all kept as they were, hard cases are added
# (REF from ref.fa, left-aligned: bcftools norm realigns only what it realigns in the given truth,
# whose insertion at 12000 is not left-aligned), 1/2 sites among them, and the
# counts the log gives add up to the new records (a cluster is two records).
H=$TMP/hard
"$CALLA" simulate -o "$H" -f "$A/ref.fa" --truth "$TMP/in.vcf" -r sim2:2001-18000 --platform ilmn \
    --depth 2 --hard-rate 0.004 2>"$TMP/hlog" || fail "--hard-rate failed: $(cat "$TMP/hlog")"
bcftools query -f '%POS %REF %ALT\n' "$H/truth.vcf.gz" >"$TMP/hard.txt"
grep -Fxf "$TMP/want" "$TMP/hard.txt" | diff - "$TMP/want" >/dev/null || fail "--hard-rate lost or changed a truth record"
counts=$(sed -n 's/.*hard cases planted: \([0-9]*\) repeat indels, \([0-9]*\) multi-allelic repeat sites, \([0-9]*\) long indels, \([0-9]*\) indel+SNP clusters, \([0-9]*\) multi-allelic SNPs.*/\1 \2 \3 \4 \5/p' "$TMP/hlog")
read -r c1 c2 c3 c4 c5 <<<"$counts"
[[ -n $c5 ]] || fail "no hard-case counts in the log: $(cat "$TMP/hlog")"
[[ $(($(wc -l <"$TMP/hard.txt") - $(wc -l <"$TMP/want"))) -eq $((c1 + c2 + c3 + 2 * c4 + c5)) ]] || fail "new records != planted counts ($counts)"
[[ $(awk '$3 ~ /,/' "$TMP/hard.txt" | wc -l) -ge $((c2 + c5)) ]] || fail "fewer 1/2 sites than planted"
bcftools norm -f "$H/ref.fa" -c x "$H/truth.vcf.gz" -o /dev/null 2>"$TMP/norm" || fail "hard truth REF differs"
bcftools norm -f "$O/ref.fa" -c x "$O/truth.vcf.gz" -o /dev/null 2>"$TMP/norm0" || fail "truth REF differs"
re0=$(awk -F'\t' '/realigned/ {split($2, a, "/"); print a[3]}' "$TMP/norm0")
re1=$(awk -F'\t' '/realigned/ {split($2, a, "/"); print a[3]}' "$TMP/norm")
[[ -n $re0 && $re0 == "$re1" ]] || fail "hard cases not left-aligned: $re1 realigned, $re0 of them given"

# REF mismatch: exit 1, the last line (after progress lines) names the record
sed 's/^\(sim2\t3000\t.\t\)\([ACGT]\)\t/\1\2\2\t/' "$TMP/in.vcf" >"$TMP/bad.vcf"
"$CALLA" simulate -o "$TMP/bad" -f "$A/ref.fa" --truth "$TMP/bad.vcf" -r sim2:2001-18000 \
    --platform ilmn --depth 2 2>"$TMP/err"
[[ $? -eq 1 ]] || fail "REF mismatch should exit 1"
tail -n 1 "$TMP/err" | grep -q 'REF "[ACGT]*" of sim2:3000 in .* does not match the reference' ||
    fail "unexpected error: $(tail -n 1 "$TMP/err")"
ls "$TMP/bad" 2>/dev/null | grep -q . && fail "outputs written after a failure"

# Real data: GRCh38 chr20 slice with the HG002 truth, ONT reads
need_shared grch38_chr20_10Mb_hg002_truth
D=$CALLA_SHARED/data/grch38_chr20_10Mb_hg002_truth
R=$TMP/real
"$CALLA" simulate -o "$R" -f "$D/grch38.chr20_and_21_10M.fa.gz" --truth "$D/HG002_GRCh38_1_22_v4.2.1_benchmark.chr20.vcf.gz" \
    -r chr20:2,000,001-2,030,000 --platform ont --depth 8 2>"$TMP/log" || fail "real slice failed: $(cat "$TMP/log")"
want=$(bcftools view -H -r chr20:2000001-2030000 "$D/HG002_GRCh38_1_22_v4.2.1_benchmark.chr20.vcf.gz" | wc -l)
got=$(bcftools view -H "$R/truth.vcf.gz" | wc -l)
[[ $want -gt 10 && $got -ge $((want * 9 / 10)) && $got -le $want ]] || fail "real truth: $got of $want records"
bcftools norm -c x -f "$R/ref.fa" "$R/truth.vcf.gz" >/dev/null 2>&1 || fail "real truth REF differs from ref.fa"
done_test
