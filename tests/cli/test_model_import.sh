#!/usr/bin/env bash
# test_model_import.sh — `calla model import-clair3` on a synthetic Clair3 pileup state_dict
# (tests/tools/mkclair3ckpt, values of tests/tools/clair3_ckpt_synth.h): metadata, parameter
# count, three values read back from the output file's bytes and worked out by hand (a transposed
# weight, a summed LSTM bias, a head bias), a call with the imported model on the real ONT slice,
# and the one-line errors.
source "$(dirname "$0")/lib.sh"
need python3
MK=$CALLA_TOOLS/mkclair3ckpt
[[ -x $MK ]] || { fail "no $MK (make builds it)"; done_test; }
$MK "$TMP/c3.safetensors" module indel-heads || { fail "mkclair3ckpt"; done_test; }
"$CALLA" model import-clair3 --platform ont -o "$TMP/m.safetensors" "$TMP/c3.safetensors" 2>"$TMP/log" ||
    { cat "$TMP/log"; fail "import"; done_test; }
grep -q "skipped 4 tensors" "$TMP/log" || fail "indel-length heads not reported: $(cat "$TMP/log")"
out=$("$CALLA" model "$TMP/m.safetensors") || fail "calla model on the import failed"
grep -qx $'architecture\tclair3-pileup' <<<"$out" || fail "architecture: $out"
grep -qx $'parameters\t2072216 in 22 tensors' <<<"$out" || fail "parameters: $out"
grep -qx $'meta.platform\tont' <<<"$out" || fail "platform: $out"
grep -qx $'meta.pileup_compat\tclair3' <<<"$out" || fail "pileup_compat: $out"

# value(k, i) = ((k*7919 + i*31) % 4093 - 2046) / 16384, k = the tensor's row in the table:
#  lstm1.fwd.kernel[0][1] (flat 1)  = LSTM1.weight_ih_l0[1][0]  (k 0, flat 18): (558 - 2046) = -1488
#  lstm1.fwd.bias[0] = bias_ih[0] + bias_hh[0] (k 2, 3): (15838 % 4093 = 3559) - 2046 = 1513,
#                                                        (23757 % 4093 = 3292) - 2046 = 1246 -> 2759
#  gt21.bias[3] = Y_gt21_logits.bias[3] (k 23): (182230 % 4093 = 2138) - 2046 = 92
python3 - "$TMP/m.safetensors" >"$TMP/vals" <<'PY' || fail "reading the output"
import json, struct, sys
b = open(sys.argv[1], 'rb').read()
n = struct.unpack('<Q', b[:8])[0]
h = json.loads(b[8:8 + n])
def val(name, i):
    t = h[name]
    assert t['dtype'] == 'F32'
    return struct.unpack('<f', b[8 + n + t['data_offsets'][0] + 4 * i:][:4])[0] * 16384
print(val('lstm1.fwd.kernel', 1), val('lstm1.fwd.bias', 0), val('gt21.bias', 3))
PY
[[ $(cat "$TMP/vals") == "-1488.0 2759.0 92.0" ]] || fail "values: $(cat "$TMP/vals"), expected -1488.0 2759.0 92.0"

# f16 storage halves the data
"$CALLA" model import-clair3 --platform ont --store f16 -o "$TMP/m16.safetensors" "$TMP/c3.safetensors" 2>/dev/null ||
    fail "import --store f16"
"$CALLA" model "$TMP/m16.safetensors" | grep -q $'^storage\tf16' || fail "f16 storage"

# errors: one line each, nothing written
$MK "$TMP/miss.safetensors" skip=LSTM2.bias_hh_l0_reverse || fail "mk miss"
expect_fail 1 'has no tensor "LSTM2.bias_hh_l0_reverse"' "$CALLA" model import-clair3 --platform ont -o "$TMP/x.st" "$TMP/miss.safetensors"
$MK "$TMP/extra.safetensors" extra=LSTM3.weight_ih_l0 || fail "mk extra"
expect_fail 1 'unexpected tensor "LSTM3.weight_ih_l0"' "$CALLA" model import-clair3 --platform ont -o "$TMP/x.st" "$TMP/extra.safetensors"
$MK "$TMP/short.safetensors" short=L4.weight || fail "mk short"
expect_fail 1 'L4.weight' "$CALLA" model import-clair3 --platform ont -o "$TMP/x.st" "$TMP/short.safetensors"
[[ -e $TMP/x.st ]] && fail "an output was written after an error"
# usage errors: exit 2, the error first, then the usage text
"$CALLA" model import-clair3 -o "$TMP/x.st" "$TMP/c3.safetensors" 2>"$TMP/e"; rc=$?
[[ $rc -eq 2 ]] && head -1 "$TMP/e" | grep -q -- '--platform' || fail "no --platform: exit $rc, $(head -1 "$TMP/e")"
"$CALLA" model import-clair3 --platform ont --compat nope -o "$TMP/x.st" "$TMP/c3.safetensors" 2>"$TMP/e"; rc=$?
[[ $rc -eq 2 ]] && head -1 "$TMP/e" | grep -q 'unknown --compat "nope"' || fail "bad --compat: exit $rc, $(head -1 "$TMP/e")"

# the imported model calls (with Clair3's C-path tensors, from its metadata) on the real ONT slice
if [[ -d $CALLA_SHARED/data/hg002_ont_r1041_grch38_chr20_5.050-5.075Mb ]]; then
    D=$CALLA_SHARED/data/hg002_ont_r1041_grch38_chr20_5.050-5.075Mb
    "$CALLA" call -b "$D/HG002_R10_chr20_5050000_5075000.bam" -f "$D/grch38.chr20_5050000_5075000.masked.fa.gz" \
        -m "$TMP/m.safetensors" -r chr20:5050001-5060000 --ref-calls -o "$TMP/c.vcf.gz" 2>"$TMP/clog" ||
        { cat "$TMP/clog"; fail "call with the imported model"; }
    n=$(gzip -dc "$TMP/c.vcf.gz" | grep -vc '^#')
    [[ $n -gt 0 ]] || fail "no records from the imported model"
fi
# pileup_compat in a model's metadata selects the encoding in `calla call` like --compat does:
# the shipped ilmn model with pileup_compat=clair3 == --compat clair3 (Clair3's Illumina read
# filters), and != the default on this slice (measured: 4 records differ, docs/tensors.md).
if [[ -d $CALLA_SHARED/data/hg001_illumina_grch37_chr20_10.0-10.1Mb ]] && "$CALLA" model ilmn >/dev/null 2>&1; then
    need bcftools
    D=$CALLA_SHARED/data/hg001_illumina_grch37_chr20_10.0-10.1Mb
    "$CALLA" model --meta pileup_compat=clair3 -o "$TMP/ilmn_c3.safetensors" ilmn >/dev/null 2>&1 || fail "meta"
    args=(-b "$D/NA12878_S1.chr20.10_10p1mb.bam" -f "$D/ucsc.hg19.chr20.unittest.fasta.gz" -r chr20:10000001-10100000)
    "$CALLA" call "${args[@]}" -m "$TMP/ilmn_c3.safetensors" -o "$TMP/meta.vcf.gz" 2>/dev/null || fail "call meta"
    # (--pileup-only: a model given by -m runs no cascade, the shipped ilmn models would)
    "$CALLA" call "${args[@]}" --platform ilmn --pileup-only --compat clair3 -o "$TMP/opt.vcf.gz" 2>/dev/null || fail "call --compat"
    "$CALLA" call "${args[@]}" --platform ilmn --pileup-only -o "$TMP/def.vcf.gz" 2>/dev/null || fail "call default"
    q() { bcftools query -f '%POS %REF %ALT %FILTER %QUAL [%GT]\n' "$1"; }
    cmp -s <(q "$TMP/meta.vcf.gz") <(q "$TMP/opt.vcf.gz") || fail "metadata pileup_compat differs from --compat clair3"
    cmp -s <(q "$TMP/meta.vcf.gz") <(q "$TMP/def.vcf.gz") && fail "pileup_compat=clair3 changed nothing on the Illumina slice"
fi
done_test
