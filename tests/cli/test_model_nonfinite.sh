#!/usr/bin/env bash
# test_model_nonfinite.sh — issue #16: a model whose values are not finite (a bit flip, a diverged
# run) is refused at load with one line naming the file and the tensor, by `calla model` and by
# `calla call`; a conversion of such a file leaves no output and no temporary behind.
source "$(dirname "$0")/lib.sh"
[[ -x $CALLA_TOOLS/mkmodel ]] || { fail "no $CALLA_TOOLS/mkmodel (make builds it)"; done_test; }
"$CALLA_TOOLS/mkmodel" "$TMP/m.safetensors" clair3-pileup platform=ilmn >/dev/null 2>&1 ||
    { fail "mkmodel"; done_test; }
"$CALLA" model "$TMP/m.safetensors" >/dev/null || fail "the intact model is refused"

hdr() { od -An -t u8 -N 8 "$1" | tr -d ' '; }
h=$(hdr "$TMP/m.safetensors")
json=$(head -c $((8 + h)) "$TMP/m.safetensors" | tail -c "$h")
beg=$(grep -o '"gt21.bias":{[^}]*}' <<<"$json" | sed 's/.*"data_offsets":\[\([0-9]*\),.*/\1/')
[[ -n $beg ]] || { fail "gt21.bias not in the header"; done_test; }
# poke(FILE ELEMENT BYTES): overwrite float ELEMENT of gt21.bias with 4 little-endian bytes
poke() {
    cp "$TMP/m.safetensors" "$1"
    printf "$3" | dd of="$1" bs=1 seek=$((8 + h + beg + 4 * $2)) conv=notrunc status=none
}
poke "$TMP/nan.safetensors" 5 '\x00\x00\xc0\x7f'    # quiet NaN
poke "$TMP/inf.safetensors" 0 '\x00\x00\x80\xff'    # -infinity
expect_fail 1 'nan\.safetensors.*tensor "gt21\.bias".*non-finite value \(NaN\) at element 5' \
    "$CALLA" model "$TMP/nan.safetensors"
expect_fail 1 'inf\.safetensors.*tensor "gt21\.bias".*non-finite value \(infinity\) at element 0' \
    "$CALLA" model "$TMP/inf.safetensors"
# conversion: refused, no output, no temporary
( cd "$TMP" && "$CALLA" model --store f16 -o conv.safetensors nan.safetensors >/dev/null 2>&1 ) &&
    fail "conversion of a NaN model succeeded"
[[ ! -e $TMP/conv.safetensors ]] || fail "conversion left an output"
ls "$TMP" | grep -q '\.tmp\.' && fail "temporary left behind: $(ls "$TMP")"

# calla call refuses the model before any calling (needs a BAM and a reference)
D=$CALLA_SHARED/data/hg001_illumina_grch37_chr20_10.0-10.1Mb
bam=$D/NA12878_S1.chr20.10_10p1mb.bam ref=$D/ucsc.hg19.chr20.unittest.fasta.gz
if [[ -f $bam && -f $ref ]]; then
    expect_fail 1 'nan\.safetensors.*tensor "gt21\.bias".*non-finite' \
        "$CALLA" call -b "$bam" -f "$ref" -m "$TMP/nan.safetensors" -o "$TMP/out.vcf.gz" -r chr20:10000001-10001000
    [[ ! -e $TMP/out.vcf.gz ]] || fail "call left an output"
    ls "$TMP" | grep -q '\.tmp\.' && fail "call left a temporary: $(ls "$TMP")"
fi
done_test
