#!/usr/bin/env bash
# test_model_cmd.sh — `calla model` (describe, convert to f16/bf16, list) and how `calla call`
# finds shipped models ($CALLA_MODELS, names, --platform default). Byte counts and decoded values
# are computed here from the safetensors layout, independently of calla.
source "$(dirname "$0")/lib.sh"
[[ -x $CALLA_TOOLS/mkmodel ]] || { fail "no $CALLA_TOOLS/mkmodel (make builds it)"; done_test; }
MK=$CALLA_TOOLS/mkmodel
# a clair3-pileup model with two known values: gt21.bias[3] = 0.1 and l4.bias[0] = -2.5
$MK "$TMP/m.safetensors" clair3-pileup platform=ont bias:gt21.bias:3=0.1 bias:l4.bias:0=-2.5 ||
    { fail "mkmodel"; done_test; }

out=$("$CALLA" model "$TMP/m.safetensors") || fail "calla model failed"
grep -qx $'architecture\tclair3-pileup' <<<"$out" || fail "architecture line: $out"
grep -qx $'parameters\t2072216 in 22 tensors' <<<"$out" || fail "parameter line: $out"
grep -qx $'meta.platform\tont' <<<"$out" || fail "platform line: $out"

# header length (8 bytes, little-endian) + header + data: data = 2 bytes per parameter in f16
hdr() { od -An -t u8 -N 8 "$1" | tr -d ' '; }
for t in f16 bf16 f32; do
    "$CALLA" model --store $t -o "$TMP/m_$t.safetensors" "$TMP/m.safetensors" >/dev/null 2>&1 || fail "convert $t"
    bytes=$(( $(stat -c %s "$TMP/m_$t.safetensors") - 8 - $(hdr "$TMP/m_$t.safetensors") ))
    per=2; [[ $t == f32 ]] && per=4
    [[ $bytes -eq $((2072216 * per)) ]] || fail "$t: $bytes data bytes, expected $((2072216 * per))"
    "$CALLA" model "$TMP/m_$t.safetensors" | grep -q "^storage	$t," || fail "$t: storage not reported"
done
# the f32 copy holds exactly the original bytes of each tensor (same order and values)
cmp <(tail -c $((2072216 * 4)) "$TMP/m.safetensors") <(tail -c $((2072216 * 4)) "$TMP/m_f32.safetensors") ||
    fail "f32 copy changed the tensor bytes"
# gt21.bias[3] = 0.1 in f16 is 0x2E66 (= 0.0999755859375): find it at its offset in the f16 file.
h=$(hdr "$TMP/m_f16.safetensors")
json=$(head -c $((8 + h)) "$TMP/m_f16.safetensors" | tail -c "$h")
beg=$(grep -o '"gt21.bias":{[^}]*}' <<<"$json" | sed 's/.*"data_offsets":\[\([0-9]*\),.*/\1/')
[[ -n $beg ]] || fail "gt21.bias not in the f16 header"
val=$(od -An -t x2 -j $((8 + h + beg + 3 * 2)) -N 2 "$TMP/m_f16.safetensors" | tr -d ' ')
[[ $val == 2e66 ]] || fail "gt21.bias[3] stored as 0x$val, expected 0x2e66"
beg=$(grep -o '"l4.bias":{[^}]*}' <<<"$json" | sed 's/.*"data_offsets":\[\([0-9]*\),.*/\1/')
hb=$(hdr "$TMP/m_bf16.safetensors")
jb=$(head -c $((8 + hb)) "$TMP/m_bf16.safetensors" | tail -c "$hb")
bb=$(grep -o '"l4.bias":{[^}]*}' <<<"$jb" | sed 's/.*"data_offsets":\[\([0-9]*\),.*/\1/')
val=$(od -An -t x2 -j $((8 + hb + bb)) -N 2 "$TMP/m_bf16.safetensors" | tr -d ' ')
[[ $val == c020 ]] || fail "l4.bias[0] stored in bf16 as 0x$val, expected 0xc020 (-2.5)"

# usage errors: exit 2, the reason on the first line, then the usage
usage_fail() {  # PATTERN cmd...
    local pat=$1 err rc; shift
    err=$("$@" 2>&1 >/dev/null); rc=$?
    [[ $rc -eq 2 ]] || fail "expected exit 2, got $rc: $*"
    head -n 1 <<<"$err" | grep -Eq -- "$pat" || fail "first line of '$err' does not match /$pat/"
}
# --meta adds or replaces entries; the last of a key wins; the rest is kept
"$CALLA" model --meta recipe=models/recipe.sh --meta platform=hifi --meta recipe=x -o "$TMP/mm.safetensors" \
    "$TMP/m.safetensors" >/dev/null 2>&1 || fail "--meta"
mm=$("$CALLA" model "$TMP/mm.safetensors")
grep -qx $'meta.recipe\tx' <<<"$mm" || fail "--meta recipe: $mm"
grep -qx $'meta.platform\thifi' <<<"$mm" || fail "--meta platform: $mm"
grep -qx $'meta.feature_kind\tclair3-pileup' <<<"$mm" || fail "metadata lost: $mm"
usage_fail 'cannot be changed' "$CALLA" model --meta architecture=clairvoyante -o "$TMP/x" "$TMP/m.safetensors"
usage_fail 'needs -o' "$CALLA" model --meta a=b "$TMP/m.safetensors"

# shipped models: a directory named by $CALLA_MODELS
mkdir -p "$TMP/models"
cp "$TMP/m_f16.safetensors" "$TMP/models/ont.safetensors"
list=$(CALLA_MODELS=$TMP/models "$CALLA" model --list) || fail "model --list"
grep -Eq '^ont +clair3-pileup +ont +f16$' <<<"$list" || fail "listing: $list"
CALLA_MODELS=$TMP/models "$CALLA" model ont | grep -q "^file	$TMP/models/ont.safetensors" || fail "name lookup"
expect_fail 1 'model "hifi" is neither a file nor a shipped model' env CALLA_MODELS=$TMP/models "$CALLA" model hifi
expect_fail 1 'not a directory' env CALLA_MODELS=$TMP/nowhere "$CALLA" model ont
usage_fail 'store must be f32, f16 or bf16' "$CALLA" model --store f8 -o "$TMP/x" "$TMP/m.safetensors"
# calla call with no -m takes the platform's shipped model (the run then fails on the missing BAM,
# after the model was found: the error names the BAM, not the model)
expect_fail 1 'nope.bam' env CALLA_MODELS=$TMP/models "$CALLA" call -b "$TMP/nope.bam" -f "$TMP/nope.fa" \
    --platform ont -o "$TMP/c.vcf.gz"
expect_fail 1 'model "hifi" is neither' env CALLA_MODELS=$TMP/models "$CALLA" call -b "$TMP/nope.bam" \
    -f "$TMP/nope.fa" --platform hifi -o "$TMP/c.vcf.gz"
usage_fail 'give --platform' "$CALLA" call -b "$TMP/nope.bam" -f "$TMP/nope.fa" -o "$TMP/c.vcf.gz"
done_test
