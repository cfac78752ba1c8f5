# clair3-fa (full-alignment) models at the command line: `calla model create` writes one for a
# given number of read rows, `calla model` describes it (parameters independent of the rows,
# batch-norm running statistics as state, fa_rows in the metadata), a f16 copy keeps the state
# tensors, and `calla call` refuses the architecture with one clear line for now (`calla train`
# trains it: tests/unit/test_train_fa.c, tests/cli/test_train_fa_mpi.sh).
source "$(dirname "$0")/lib.sh"
"$CALLA" model create --arch clair3-fa --rows 89 --platform ont --seed 3 -o "$TMP/fa.st" 2>/dev/null \
    || fail "create"
info=$("$CALLA" model "$TMP/fa.st") || fail "describe"
grep -q $'^architecture\tclair3-fa$' <<<"$info" || fail "architecture: $info"
grep -q $'^parameters\t2986522 in 54 tensors$' <<<"$info" || fail "parameters: $info"
grep -q $'^input\t89 read rows x 33 positions x 8 channels$' <<<"$info" || fail "input: $info"
grep -q $'^state\t2688 batch-norm' <<<"$info" || fail "state: $info"
grep -q $'^meta.fa_rows\t89$' <<<"$info" || fail "fa_rows: $info"
grep -q $'^meta.feature_kind\tclair3-fa$' <<<"$info" || fail "feature_kind: $info"
"$CALLA" model create --arch clair3-fa -o "$TMP/fa55.st" 2>/dev/null || fail "create default"
"$CALLA" model "$TMP/fa55.st" | grep -q $'^meta.fa_rows\t55$' || fail "default rows"
"$CALLA" model "$TMP/fa.st" --store f16 -o "$TMP/fa16.st" 2>/dev/null || fail "f16 copy"
"$CALLA" model "$TMP/fa16.st" | grep -q $'^state\t2688' || fail "f16 copy lost the state"
# fa_rows is checked on load
"$CALLA" model "$TMP/fa.st" --meta fa_rows=abc -o "$TMP/bad.st" >/dev/null 2>&1 || fail "meta copy"
expect_fail 1 'needs metadata "fa_rows" in \[1, 1024\], found "abc"' "$CALLA" model "$TMP/bad.st"
expect_fail 2 'rows must be an integer in \[1, 1024\]' "$CALLA" model create --arch clair3-fa --rows 0 -o "$TMP/x.st"
expect_fail 2 'rows applies to clair3-fa only' "$CALLA" model create --arch clair3-pileup --rows 9 -o "$TMP/x.st"
expect_fail 2 'arch must be' "$CALLA" model create --arch resnet -o "$TMP/x.st"
[[ ! -e $TMP/x.st ]] || fail "a refused create left a file"
expect_fail 1 'none.ctf' "$CALLA" train -i "$TMP/none.ctf" --model clair3-fa -o "$TMP/t.st"
expect_fail 1 'is a clair3-fa \(full-alignment\) model' "$CALLA" call -b "$TMP/x.bam" -f "$TMP/x.fa" -m "$TMP/fa.st" -o "$TMP/c.vcf"
[[ ! -e $TMP/t.st && ! -e $TMP/c.vcf ]] || fail "a refused command left output"
done_test
