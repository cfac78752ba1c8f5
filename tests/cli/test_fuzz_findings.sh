# Fuzzer findings fixed in calla, checked through the command line (the harness replay in
# test_fuzz_replay.sh only proves that they no longer crash): the message and the exit code.
source "$(dirname "$0")/lib.sh"
need samtools
cp "$CALLA_ROOT/tests/fixtures/tensors_ref.fa" "$TMP/ref.fa" && samtools faidx "$TMP/ref.fa" || fail "faidx"
# eval_vcf/no-ref-allele.vcf: a record whose REF field holds NUL bytes (htslib gives it no alleles)
# reached memset(NULL) in eval_read_vcf; it is now a one-line error naming the file and the site.
bad=$CALLA_ROOT/fuzz/regress/eval_vcf/no-ref-allele.vcf
expect_fail 1 '^\[calla eval\] VCF ".*no-ref-allele.vcf": record 1 at ctg1:5 has no REF allele$' \
    "$CALLA" eval -t "$bad" -q "$bad" -f "$TMP/ref.fa"
# The same file as the query only: the truth (the fixture's own SNP) is read first and is fine.
printf '##fileformat=VCFv4.2\n##contig=<ID=ctg1,length=60>\n##FORMAT=<ID=GT,Number=1,Type=String,Description="GT">\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS\nctg1\t5\t.\tA\tG\t.\tPASS\t.\tGT\t0/1\n' >"$TMP/t.vcf"
expect_fail 1 'no-ref-allele.vcf": record 1 at ctg1:5 has no REF allele$' \
    "$CALLA" eval -t "$TMP/t.vcf" -q "$bad" -f "$TMP/ref.fa"
"$CALLA" eval -t "$TMP/t.vcf" -q "$TMP/t.vcf" -f "$TMP/ref.fa" >"$TMP/ok.txt" 2>/dev/null || fail "eval of a good file"
# merge_shards/no-ref-allele.vcf (two shards after a "#SHARD" line): a record whose REF htslib
# reads as no allele reached r->d.allele[0] with d.allele NULL in the FILTER Overlap re-check; the
# merge now refuses it, naming the shard and the site, and leaves no output.
awk -v d="$TMP" '/^#SHARD$/ { f = 2; next } { print > (d "/rg" (f ? f : 1) ".vcf") }' \
    "$CALLA_ROOT/fuzz/regress/merge_shards/no-ref-allele.vcf"
expect_fail 1 '^\[calla merge-shards\] ".*/rg[12].vcf": record at [^ ]+ has no REF allele$' \
    "$CALLA" merge-shards -o "$TMP/rgm.vcf" "$TMP/rg1.vcf" "$TMP/rg2.vcf"
[[ -e $TMP/rgm.vcf ]] && fail "merge-shards left an output after refusing a shard"
done_test
