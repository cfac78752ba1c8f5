# Bad inputs to `calla tensors`: each gives one error line naming the file (or region), a non-zero
# exit, and leaves no output file behind.
source "$(dirname "$0")/lib.sh"
need samtools
need bgzip
FX=$CALLA_ROOT/tests/fixtures
cp "$FX/tensors_ref.fa" "$TMP/ref.fa" && samtools faidx "$TMP/ref.fa" || fail "faidx"
samtools sort -o "$TMP/ok.bam" "$FX/tensors_reads.sam" 2>/dev/null && samtools index "$TMP/ok.bam" || fail "sort/index"
mkdir "$TMP/out"
O=$TMP/out/t.ctf
no_output() { [[ -z $(ls -A "$TMP/out") ]] || { fail "$1 left output: $(ls -A "$TMP/out")"; rm -f "$TMP"/out/*; }; }
run_bad() {  # label pattern args...
    local label=$1 pat=$2; shift 2
    expect_fail 1 "$pat" "$CALLA" tensors --platform ilmn -o "$O" "$@"
    no_output "$label"
}
# sanity: the good input works
"$CALLA" tensors --platform ilmn -b "$TMP/ok.bam" -f "$TMP/ref.fa" -o "$O" 2>/dev/null || fail "good input failed"
[[ -s $O ]] || fail "no output for good input"; rm -f "$O"

run_bad "missing BAM" "failed to open \"$TMP/nope.bam\"" -b "$TMP/nope.bam" -f "$TMP/ref.fa"
cp "$TMP/ok.bam" "$TMP/noidx.bam"
run_bad "unindexed BAM" "index of \"$TMP/noidx.bam\"" -b "$TMP/noidx.bam" -f "$TMP/ref.fa"
# unsorted: reads in reverse order, header SO:unsorted
{ grep '^@' "$FX/tensors_reads.sam" | sed 's/SO:coordinate/SO:unsorted/'; grep -v '^@' "$FX/tensors_reads.sam" | tac; } >"$TMP/uns.sam"
samtools view -b -o "$TMP/uns.bam" "$TMP/uns.sam" 2>/dev/null || fail "view unsorted"
run_bad "unsorted BAM" "\"$TMP/uns.bam\" is not coordinate-sorted" -b "$TMP/uns.bam" -f "$TMP/ref.fa"
cp "$TMP/ref.fa" "$TMP/nofai.fa"
run_bad "missing .fai" "reference \"$TMP/nofai.fa\".*fai" -b "$TMP/ok.bam" -f "$TMP/nofai.fa"
[[ -e $TMP/nofai.fa.fai ]] && fail "a .fai was created next to the input"
# contig length differs between BAM and reference
{ echo ">ctg1"; sed -n 2p "$TMP/ref.fa" | cut -c1-59; echo ">ctg2"; sed -n 4p "$TMP/ref.fa"; } >"$TMP/short.fa"
samtools faidx "$TMP/short.fa"
run_bad "contig length mismatch" "contig \"ctg1\" has length 60 in \"$TMP/ok.bam\" but 59 in reference \"$TMP/short.fa\"" \
    -b "$TMP/ok.bam" -f "$TMP/short.fa"
# contig of the region missing from the reference
head -2 "$TMP/ref.fa" >"$TMP/one.fa" && samtools faidx "$TMP/one.fa"
run_bad "contig absent from reference" "contig \"ctg2\".*absent from reference \"$TMP/one.fa\"" \
    -b "$TMP/ok.bam" -f "$TMP/one.fa" -r ctg2
# truncated BAM (index of the full file kept)
sz=$(stat -c %s "$TMP/ok.bam")
head -c $((sz - 60)) "$TMP/ok.bam" >"$TMP/trunc.bam" && cp "$TMP/ok.bam.bai" "$TMP/trunc.bam.bai"
run_bad "truncated BAM" "\"$TMP/trunc.bam\".*(truncated|corrupt)" -b "$TMP/trunc.bam" -f "$TMP/ref.fa"
head -c $((sz - 28)) "$TMP/ok.bam" >"$TMP/noeof.bam" && cp "$TMP/ok.bam.bai" "$TMP/noeof.bam.bai"
run_bad "BAM without EOF block" "\"$TMP/noeof.bam\" is truncated" -b "$TMP/noeof.bam" -f "$TMP/ref.fa"
# region outside the contig, in -r and in a BED
run_bad "region outside contig" "region \"ctg1:50-70\" is outside contig \"ctg1\" \(length 60\)" \
    -b "$TMP/ok.bam" -f "$TMP/ref.fa" -r ctg1:50-70
printf 'ctg2\t10\t61\n' >"$TMP/bad.bed"
run_bad "BED outside contig" "BED line 1 of \"$TMP/bad.bed\" is outside contig \"ctg2\"" \
    -b "$TMP/ok.bam" -f "$TMP/ref.fa" -R "$TMP/bad.bed"
run_bad "unknown contig" "contig \"chrX\" of region \"chrX:1-10\" is not in" -b "$TMP/ok.bam" -f "$TMP/ref.fa" -r chrX:1-10
# truth VCF without an index
printf '##fileformat=VCFv4.2\n##contig=<ID=ctg1,length=60>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS\nctg1\t5\t.\tA\tG\t50\tPASS\t.\tGT\t0/1\n' \
    | bgzip >"$TMP/truth.vcf.gz"
run_bad "truth VCF without index" "$TMP/truth.vcf.gz" -b "$TMP/ok.bam" -f "$TMP/ref.fa" --truth "$TMP/truth.vcf.gz"
# unwritable output path
expect_fail 1 "$TMP/nodir/x.ctf" "$CALLA" tensors --platform ilmn -b "$TMP/ok.bam" -f "$TMP/ref.fa" -o "$TMP/nodir/x.ctf"
[[ -e $TMP/nodir ]] && fail "output directory created"
# usage errors exit 2
"$CALLA" tensors -b "$TMP/ok.bam" -f "$TMP/ref.fa" -o "$O" >/dev/null 2>&1; [[ $? -eq 2 ]] || fail "missing --platform should exit 2"
"$CALLA" tensors --platform xyz -b "$TMP/ok.bam" -f "$TMP/ref.fa" -o "$O" >/dev/null 2>&1; [[ $? -eq 2 ]] || fail "bad platform should exit 2"
"$CALLA" tensors --platform ilmn --bogus >/dev/null 2>&1; [[ $? -eq 2 ]] || fail "unknown option should exit 2"
"$CALLA" tensors --help | grep -q -- '--platform' || fail "--help"
no_output "usage errors"
done_test
