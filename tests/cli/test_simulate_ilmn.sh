# `calla simulate` end to end for Illumina: outputs, truth validity, error rate, depth, planted
# alleles in the reads, determinism for a seed, usage errors.
source "$(dirname "$0")/lib.sh"
need samtools; need bcftools; need bwa; need tabix
O=$TMP/sim
"$CALLA" simulate -o "$O" --genome-size 50k --platform ilmn --depth 20 --snp-rate 0.003 \
    --indel-rate 0.0005 --seed 7 --keep-fastq 2>"$TMP/log" || fail "simulate failed: $(cat "$TMP/log")"
for f in ref.fa ref.fa.fai truth.vcf.gz truth.vcf.gz.tbi confident.bed reads.bam reads.bam.bai; do
    [[ -s $O/$f ]] || fail "missing $f"
done
ls -a "$O" | grep -q '\.simulate\.tmp' && fail "temporary directory left behind"
grep -q "aligning with bwa mem" "$TMP/log" || fail "no progress message"

# truth: bcftools reads it without a word on stderr; REF matches ref.fa; already left-aligned
bcftools view "$O/truth.vcf.gz" >"$TMP/truth.vcf" 2>"$TMP/bcf.err" || fail "bcftools view failed"
[[ -s $TMP/bcf.err ]] && fail "bcftools warnings: $(cat "$TMP/bcf.err")"
grep -q '^##contig=<ID=sim1,length=' "$TMP/truth.vcf" || fail "no contig header"
n=$(grep -vc '^#' "$TMP/truth.vcf")
[[ $n -gt 100 ]] || fail "only $n truth records"
bcftools norm -c x -f "$O/ref.fa" "$O/truth.vcf.gz" -o "$TMP/norm.vcf" 2>"$TMP/norm.err" ||
    fail "REF does not match ref.fa: $(cat "$TMP/norm.err")"
grep -q 'total/split/realigned/skipped:.*/0/0$' "$TMP/norm.err" ||
    fail "bcftools norm realigned records: $(cat "$TMP/norm.err")"
diff <(grep -v '^#' "$TMP/truth.vcf") <(grep -v '^#' "$TMP/norm.vcf") >/dev/null || fail "norm changed records"
# REF checked independently too: samtools faidx at each record
bad=0
while read -r c p ref; do
    got=$(samtools faidx "$O/ref.fa" "$c:$p-$((p + ${#ref} - 1))" | grep -v '>' | tr -d '\n')
    [[ $got == "$ref" ]] || bad=$((bad + 1))
done < <(grep -v '^#' "$TMP/truth.vcf" | cut -f1,2,4 | head -40)
[[ $bad -eq 0 ]] || fail "$bad REF alleles differ from ref.fa"

# reads: pairs, error rate ~0.25% (empirical HG001 model, docs/read-fidelity.md) plus the het/hom variants
samtools stats "$O/reads.bam" >"$TMP/stats"
err=$(awk -F'\t' '$2=="error rate:"{print $3}' "$TMP/stats")
awk -v e="$err" 'BEGIN{exit !(e > 0.003 && e < 0.009)}' || fail "error rate $err outside 0.003-0.009"
pp=$(awk -F'\t' '$2=="percentage of properly paired reads (%):"{print $3}' "$TMP/stats")
awk -v p="$pp" 'BEGIN{exit !(p > 90)}' || fail "properly paired $pp%"
ins=$(awk -F'\t' '$2=="insert size average:"{print $3}' "$TMP/stats")
awk -v i="$ins" 'BEGIN{exit !(i > 390 && i < 410)}' || fail "insert size $ins"
depth=$(samtools depth -a "$O/reads.bam" | awk '{s+=$3; n++} END{print s/n}')
awk -v d="$depth" 'BEGIN{exit !(d > 18.5 && d < 21.5)}' || fail "mean depth $depth, expected ~20"
samtools view -H "$O/reads.bam" | grep -q '^@RG.*SM:SIM' || fail "no read group"

# the reads carry the planted alleles: hom SNPs show ALT in most reads, het SNPs in about half
grep -v '^#' "$TMP/truth.vcf" | awk -F'\t' 'length($4)==1 && length($5)==1' |
    awk -v OFS='\t' '$2 > 1000 {print $1, $2, $4, $5, $10}' | head -30 >"$TMP/snps"
awk -v OFS='\t' '{print $1, $2 - 1, $2}' "$TMP/snps" >"$TMP/snps.bed"
samtools mpileup -Q 0 -l "$TMP/snps.bed" -f "$O/ref.fa" "$O/reads.bam" 2>/dev/null | cut -f1,2,4,5 >"$TMP/pile"
hom_ok=0 hom_n=0 het_ok=0 het_n=0
while IFS=$'\t' read -r c p ref alt gt; do
    line=$(awk -v c="$c" -v p="$p" '$1==c && $2==p' "$TMP/pile")
    [[ -n $line ]] || continue
    dp=$(cut -f3 <<<"$line"); na=$(cut -f4 <<<"$line" | tr -cd "${alt}${alt,,}" | wc -c)
    [[ $dp -gt 0 ]] || continue
    if [[ $gt == "1|1" ]]; then
        hom_n=$((hom_n + 1)); [[ $((na * 10)) -ge $((dp * 8)) ]] && hom_ok=$((hom_ok + 1))
    else
        het_n=$((het_n + 1)); [[ $((na * 10)) -ge $((dp * 2)) && $((na * 10)) -le $((dp * 8)) ]] && het_ok=$((het_ok + 1))
    fi
done <"$TMP/snps"
[[ $hom_n -ge 3 && $((hom_ok * 10)) -ge $((hom_n * 9)) ]] || fail "hom SNPs with ALT in >=80% of reads: $hom_ok/$hom_n"
[[ $het_n -ge 5 && $((het_ok * 10)) -ge $((het_n * 8)) ]] || fail "het SNPs with ALT in 20-80% of reads: $het_ok/$het_n"

# same seed: identical truth and FASTQ (and reads, with more threads); another seed differs
"$CALLA" simulate -o "$TMP/sim2" --genome-size 50k --platform ilmn --depth 20 --snp-rate 0.003 \
    --indel-rate 0.0005 --seed 7 --keep-fastq -@ 2 2>/dev/null || fail "second run failed"
cmp -s "$O/reads.fq" "$TMP/sim2/reads.fq" || fail "FASTQ differs for the same seed"
cmp -s <(gzip -dc "$O/truth.vcf.gz") <(gzip -dc "$TMP/sim2/truth.vcf.gz") || fail "truth differs for the same seed"
cmp -s "$O/ref.fa" "$TMP/sim2/ref.fa" || fail "genome differs for the same seed"
cmp -s <(samtools view "$O/reads.bam") <(samtools view "$TMP/sim2/reads.bam") ||
    fail "alignments differ between -@ 1 and -@ 2"
"$CALLA" simulate -o "$TMP/sim3" --genome-size 50k --platform ilmn --depth 2 --seed 8 2>/dev/null ||
    fail "third run failed"
cmp -s "$O/ref.fa" "$TMP/sim3/ref.fa" && fail "another seed gave the same genome"

# usage and runtime errors (usage errors: exit 2, the error line first, then the usage text)
expect_usage() {
    local pat=$1 err rc; shift
    err=$("$@" 2>&1 >/dev/null); rc=$?
    [[ $rc -eq 2 ]] || fail "expected exit 2, got $rc: $*"
    printf '%s\n' "$err" | head -n 1 | grep -Eq -- "^\[calla simulate\] .*$pat" || fail "first line of '$err' does not match /$pat/"
    printf '%s\n' "$err" | grep -q '^Usage: calla simulate' || fail "no usage text on stderr: $*"
}
"$CALLA" simulate --help | grep -q -- '--platform' || fail "--help lacks --platform"
expect_usage 'missing -o' "$CALLA" simulate --genome-size 50k --platform ilmn --depth 5
expect_usage 'platform' "$CALLA" simulate -o "$TMP/x" --genome-size 50k --platform pacbio --depth 5
expect_usage 'exactly one of' "$CALLA" simulate -o "$TMP/x" --platform ilmn --depth 5
expect_usage 'depth' "$CALLA" simulate -o "$TMP/x" --genome-size 50k --platform ilmn
expect_usage 'needs' "$CALLA" simulate -o "$TMP/x" --genome-size 50k --truth "$O/truth.vcf.gz" --platform ilmn --depth 5
expect_fail 1 'aligner "bwa" not found' env PATH=/nonexistent "$CALLA" simulate -o "$TMP/x" --genome-size 50k --platform ilmn --depth 5
expect_fail 1 'failed to create' "$CALLA" simulate -o "$TMP/no/such/dir" --genome-size 50k --platform ilmn --depth 5
# a failing subprocess: exit 1, its name and status and stderr on the last line, no outputs
mkdir -p "$TMP/fakebin"
printf '#!/bin/sh\n[ "$1" = mem ] || exec "%s" "$@"\necho "fake bwa: out of cheese" >&2\nexit 3\n' "$(command -v bwa)" >"$TMP/fakebin/bwa"
chmod +x "$TMP/fakebin/bwa"
PATH="$TMP/fakebin:$PATH" "$CALLA" simulate -o "$TMP/fail" --genome-size 20k --platform ilmn --depth 2 2>"$TMP/err"
[[ $? -eq 1 ]] || fail "a failing bwa mem should exit 1"
tail -n 1 "$TMP/err" | grep -q '^\[calla simulate\] bwa mem exited with status 3: fake bwa: out of cheese$' ||
    fail "unexpected error: $(tail -n 1 "$TMP/err")"
[[ -z $(ls -A "$TMP/fail") ]] || fail "outputs or temporary files left after a failure: $(ls -A "$TMP/fail")"
# interrupted: nothing left behind
"$CALLA" simulate -o "$TMP/int" --genome-size 2m --platform ilmn --depth 20 2>/dev/null &
pid=$!
sleep 1.5
kill -TERM $pid 2>/dev/null
wait $pid 2>/dev/null
[[ -z $(ls -A "$TMP/int" 2>/dev/null) ]] || fail "files left after SIGTERM: $(ls -A "$TMP/int")"
done_test
