# Bad inputs to `calla call`: each gives one error line naming the culprit, a non-zero exit, and
# leaves no output (no VCF, no index, no temporary file).
source "$(dirname "$0")/lib.sh"
need samtools
[[ -x $CALLA_TOOLS/mkmodel ]] || { fail "no $CALLA_TOOLS/mkmodel (make builds it)"; done_test; }
need bcftools
FX=$CALLA_ROOT/tests/fixtures
MK=$CALLA_TOOLS/mkmodel
cp "$FX/tensors_ref.fa" "$TMP/ref.fa" && samtools faidx "$TMP/ref.fa" || fail "faidx"
samtools sort -o "$TMP/ok.bam" "$FX/tensors_reads.sam" 2>/dev/null && samtools index "$TMP/ok.bam" || fail "sort/index"
"$MK" "$TMP/m.st" clair3-pileup bias:gt21.bias:2=5 bias:zygosity.bias:2=5 || fail "model"
mkdir "$TMP/out"
O=$TMP/out/c.vcf.gz
no_output() { [[ -z $(ls -A "$TMP/out") ]] || { fail "$1 left output: $(ls -A "$TMP/out")"; rm -f "$TMP"/out/*; }; }
run_bad() {  # code label pattern args...
    local code=$1 label=$2 pat=$3; shift 3
    expect_fail "$code" "$pat" "$CALLA" call -o "$O" "$@"
    no_output "$label"
}
OK=(-b "$TMP/ok.bam" -f "$TMP/ref.fa")

# sanity: the good input works, and writes the VCF and its index only
"$CALLA" call "${OK[@]}" -m "$TMP/m.st" -o "$O" 2>/dev/null || fail "good input failed"
[[ -s $O && -s $O.tbi ]] || fail "no VCF/index for good input"
[[ $(ls "$TMP/out" | wc -l) -eq 2 ]] || fail "unexpected files: $(ls "$TMP/out")"
# no @RG SM in the fixture: the sample is the BAM file name without extension, or --sample
[[ $(bcftools query -l "$O" 2>/dev/null) == ok ]] || fail "sample name from the BAM file name"
rm -f "$TMP"/out/*
"$CALLA" call "${OK[@]}" -m "$TMP/m.st" -o "$O" --sample HG_X 2>/dev/null || fail "--sample"
[[ $(bcftools query -l "$O" 2>/dev/null) == HG_X ]] || fail "--sample not used"
rm -f "$TMP"/out/*

# usage errors: exit 2, usage on stderr; --help: exit 0, usage on stdout
"$CALLA" call --help | grep -q '^Usage: calla call' || fail "--help"
"$CALLA" call --bogus >/dev/null 2>"$TMP/err"; [[ $? -eq 2 ]] || fail "bad option: exit code"
# the error plus a pointer to --help, not the whole help text
grep -q '^see `calla call --help`$' "$TMP/err" || fail "bad option: no pointer to --help"
[[ $(wc -l <"$TMP/err") -eq 2 ]] || fail "bad option: $(wc -l <"$TMP/err") lines on stderr"
"$CALLA" call "${OK[@]}" -o "$O" >/dev/null 2>&1; [[ $? -eq 2 ]] || fail "missing -m: exit code"
no_output "missing -m"
run_bad 2 "malformed region" 'malformed region "ctg1:x-3"' "${OK[@]}" -m "$TMP/m.st" -r ctg1:x-3

# model files
head -c 1000 "$TMP/m.st" >"$TMP/trunc.st"
run_bad 1 "truncated model" "\"$TMP/trunc.st\"" "${OK[@]}" -m "$TMP/trunc.st"
printf 'not a model at all' >"$TMP/junk.st"
run_bad 1 "junk model" "\"$TMP/junk.st\"" "${OK[@]}" -m "$TMP/junk.st"
run_bad 1 "missing model" "\"$TMP/nope.st\"" "${OK[@]}" -m "$TMP/nope.st"
"$MK" "$TMP/fk.st" clair3-pileup feature_kind=clairvoyante || fail "model fk"
run_bad 1 "feature kind" "model \"$TMP/fk.st\": feature_kind \"clairvoyante\" does not match" \
    "${OK[@]}" -m "$TMP/fk.st"
"$MK" "$TMP/arch.st" clair3-pileup architecture=resnet || fail "model arch"
run_bad 1 "architecture" "\"$TMP/arch.st\" is not a calla model" "${OK[@]}" -m "$TMP/arch.st"
run_bad 1 "platform mismatch" "--platform ont differs from the platform \"ilmn\"" \
    "${OK[@]}" -m "$TMP/m.st" --platform ont
"$MK" "$TMP/nopl.st" clair3-pileup -platform || fail "model nopl"
run_bad 1 "no platform" "model \"$TMP/nopl.st\" records no platform" "${OK[@]}" -m "$TMP/nopl.st"
# an empty platform is the same as none; an unknown one is named
"$MK" "$TMP/empl.st" clair3-pileup platform= || fail "model empty platform"
run_bad 1 "empty platform" "model \"$TMP/empl.st\" records no platform" "${OK[@]}" -m "$TMP/empl.st"
"$MK" "$TMP/badpl.st" clair3-pileup platform=pacbio || fail "model badpl"
run_bad 1 "unknown platform" "model \"$TMP/badpl.st\" has an unknown platform \"pacbio\"" "${OK[@]}" -m "$TMP/badpl.st"
"$MK" "$TMP/nofk.st" clair3-pileup -feature_kind || fail "model nofk"
run_bad 1 "no feature kind" "model \"$TMP/nofk.st\": feature_kind \"\(missing\)\" does not match" "${OK[@]}" -m "$TMP/nofk.st"
# ... and with --platform it runs
"$CALLA" call "${OK[@]}" -m "$TMP/nopl.st" --platform ilmn -o "$O" 2>/dev/null || fail "--platform on a model without one"
rm -f "$TMP"/out/*

# reads and reference
cp "$TMP/ok.bam" "$TMP/noidx.bam"
run_bad 1 "unindexed BAM" "index of \"$TMP/noidx.bam\"" -b "$TMP/noidx.bam" -f "$TMP/ref.fa" -m "$TMP/m.st"
cp "$TMP/ref.fa" "$TMP/nofai.fa"
run_bad 1 "missing .fai" "reference \"$TMP/nofai.fa\".*fai" -b "$TMP/ok.bam" -f "$TMP/nofai.fa" -m "$TMP/m.st"
# the reads are on ctg1: a reference without ctg1 does not match the BAM
samtools faidx "$TMP/ref.fa" ctg2 >"$TMP/ctg2.fa" && samtools faidx "$TMP/ctg2.fa" || fail "ctg2.fa"
run_bad 1 "BAM contig not in reference" "contig \"ctg1\" of \"$TMP/ok.bam\" has reads but is absent from reference \"$TMP/ctg2.fa\"" \
    -b "$TMP/ok.bam" -f "$TMP/ctg2.fa" -m "$TMP/m.st"
# ... while a reference without ctg2 (no reads there) is fine: ctg2 is skipped with a warning
samtools faidx "$TMP/ref.fa" ctg1 >"$TMP/ctg1.fa" && samtools faidx "$TMP/ctg1.fa" || fail "ctg1.fa"
"$CALLA" call -b "$TMP/ok.bam" -f "$TMP/ctg1.fa" -m "$TMP/m.st" -o "$O" 2>"$TMP/err" || fail "ctg1-only reference"
grep -q 'absent from' "$TMP/err" || fail "no warning about the skipped contig"
[[ $(gzip -dc "$O" | grep -c '^##contig') -eq 1 ]] || fail "header contigs are not the reference's"
rm -f "$TMP"/out/*
# a region on a contig the reference lacks
run_bad 1 "region contig not in reference" "contig \"ctg1\" of region \"ctg1:1-10\" is absent from reference" \
    -b "$TMP/ok.bam" -f "$TMP/ctg2.fa" -m "$TMP/m.st" -r ctg1:1-10
printf 'ctg1\t10\t70\n' >"$TMP/out.bed"
run_bad 1 "BED outside contig" "BED line 1 of \"$TMP/out.bed\" is outside contig \"ctg1\"" \
    "${OK[@]}" -m "$TMP/m.st" -R "$TMP/out.bed"
printf 'chr9\t10\t20\n' >"$TMP/chr9.bed"
run_bad 1 "BED contig unknown" "contig \"chr9\" of BED line 1" "${OK[@]}" -m "$TMP/m.st" -R "$TMP/chr9.bed"
run_bad 1 "region outside" "region \"ctg1:50-99\" is outside contig \"ctg1\"" "${OK[@]}" -m "$TMP/m.st" -r ctg1:50-99

# output
# a name whose type is unknown (without -O) is a usage error, before any work; so are a bad -O,
# a bad --haploid-mode, a --gvcf name of unknown type or equal to -o
usage_bad() {  # label pattern args...
    local label=$1 pat=$2; shift 2
    "$CALLA" call "${OK[@]}" -m "$TMP/m.st" "$@" 2>"$TMP/err" >/dev/null
    [[ $? -eq 2 ]] || fail "$label: expected exit 2"
    head -n 1 "$TMP/err" | grep -q -- "$pat" || fail "$label: $(head -n 1 "$TMP/err")"
    [[ $(wc -l <"$TMP/err") -eq 2 && $(sed -n 2p "$TMP/err") == 'see `calla call --help`' ]] ||
        fail "$label: not one error line plus the --help pointer: $(head -3 "$TMP/err")"
    no_output "$label"
}
usage_bad "-o c.txt" 'unknown type (name it .vcf, .vcf.gz or .bcf, or give -O)' -o "$TMP/out/c.txt"
usage_bad "-O x" 'bad output type "x"' -o "$O" -O x
usage_bad "--haploid-mode" 'bad haploid mode "maybe"' -o "$O" --haploid-contigs ctg1 --haploid-mode maybe
usage_bad "--gvcf name" '--gvcf "'"$TMP"'/out/g.txt": name a file' -o "$O" --gvcf "$TMP/out/g.txt"
usage_bad "--gvcf = -o" 'name the same file' -o "$O" --gvcf "$O"
usage_bad "--gvcf -" '--gvcf "-": name a file' -o "$O" --gvcf -
usage_bad "--progress-interval" 'bad value "-1" for --progress-interval' -o "$O" --progress-interval -1
expect_fail 1 "/nonexistent-dir/c.vcf.gz" "$CALLA" call "${OK[@]}" -m "$TMP/m.st" -o /nonexistent-dir/c.vcf.gz
mkdir "$TMP/ro" && chmod 555 "$TMP/ro"
if [[ ! -w $TMP/ro ]]; then  # (root can write anywhere)
    expect_fail 1 "$TMP/ro/c.vcf.gz" "$CALLA" call "${OK[@]}" -m "$TMP/m.st" -o "$TMP/ro/c.vcf.gz"
    [[ -z $(ls -A "$TMP/ro") ]] || fail "read-only dir got files"
fi
done_test
