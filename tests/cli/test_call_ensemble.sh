#!/usr/bin/env bash
# `calla call --ensemble` (docs/calling.md "Ensembles"): the decision is made from the mean of the
# models' output probabilities. Checked with constant-output models (tests/tools/mkmodel: zero
# weights, chosen biases, so each head outputs softmax(SELU(bias)) for every candidate):
# - the ensemble of A and B equals a single model C whose biases are computed here, in awk, so
#   that its outputs are the mean of A's and B's (same calls, QUAL within 0.01, PL and GQ within 1);
# - A with itself equals A (records byte for byte); A with B differs from A (QUAL);
# - GQ is uncalibrated with --ensemble (QUAL and GQ reach values above 5, so the tolerances bite): A carrying a gq_calibration map, ensembled with itself,
#   gives the GQ of A without the map, and the map does change GQ when A runs alone;
# - the header names both models;
# - errors: a Clairvoyante or other-platform partner, a missing file, more than 3, --device cuda.
source "$(dirname "$0")/lib.sh"
need samtools
need bcftools
[[ -x $CALLA_TOOLS/mkmodel ]] || { fail "no $CALLA_TOOLS/mkmodel (make builds it)"; done_test; }
FX=$CALLA_ROOT/tests/fixtures
cp "$FX/tensors_ref.fa" "$TMP/ref.fa" && samtools faidx "$TMP/ref.fa" || fail "faidx"
samtools sort -o "$TMP/r.bam" "$FX/tensors_reads.sam" 2>/dev/null && samtools index "$TMP/r.bam" || fail "sort/index"
cd "$TMP" || fail "cd"
MK=$CALLA_TOOLS/mkmodel
# biases "head:index=value" of A and B (every other bias 0)
A_B="gt21:2=8 gt21:10=4 zygosity:2=6 zygosity:1=2"
B_B="gt21:2=6 gt21:10=5 gt21:7=1 zygosity:2=5 zygosity:1=4"
mk() {  # out biases... [meta]
    local out=$1; shift
    local args=() b
    for b in "$@"; do
        if [[ $b == *:*=* && $b != *=*:* ]]; then args+=("bias:${b%%:*}.bias:${b#*:}"); else args+=("$b"); fi
    done
    "$MK" "$out" clair3-pileup "${args[@]}" >/dev/null || fail "mkmodel $out"
}
mk A.st $A_B
mk B.st $B_B
mk Acal.st $A_B "gq_calibration=1.00:9.00,60.00:70.00"
# C: biases whose softmax(SELU(.)) is the mean of A's and B's, head by head (SELU is linear with
# slope lambda above 0, so ln(q) shifted above 0 and divided by lambda does it)
C_B=$(awk -v a="$A_B" -v b="$B_B" 'BEGIN {
    L = 1.0507009873554805; A = 1.6732632423543772; n["gt21"] = 21; n["zygosity"] = 3
    split(a, x, " "); for (i in x) { split(x[i], y, /[:=]/); va[y[1], y[2]] = y[3] }
    split(b, x, " "); for (i in x) { split(x[i], y, /[:=]/); vb[y[1], y[2]] = y[3] }
    for (h in n) {
        sa = sb = 0
        for (i = 0; i < n[h]; i++) {
            ea[i] = exp(selu(va[h, i] + 0)); sa += ea[i]
            eb[i] = exp(selu(vb[h, i] + 0)); sb += eb[i]
        }
        mn = 1e9
        for (i = 0; i < n[h]; i++) { lq[i] = log((ea[i] / sa + eb[i] / sb) / 2); if (lq[i] < mn) mn = lq[i] }
        for (i = 0; i < n[h]; i++) printf "%s:%d=%.9f ", h, i, (lq[i] - mn + 1) / L
    }
}
function selu(v) { return v > 0 ? L * v : L * A * (exp(v) - 1) }')
mk C.st $C_B
IN=(-b r.bam -f ref.fa -r ctg1 -r ctg2)
"$CALLA" call "${IN[@]}" -m A.st -o a.vcf 2>log || fail "A: $(cat log)"
"$CALLA" call "${IN[@]}" -m C.st -o c.vcf 2>log || fail "C: $(cat log)"
"$CALLA" call "${IN[@]}" -m A.st --ensemble B.st -o ab.vcf 2>log || fail "A+B: $(cat log)"
"$CALLA" call "${IN[@]}" -m A.st --ensemble A.st -o aa.vcf 2>log || fail "A+A: $(cat log)"
n=$(bcftools view -H c.vcf | wc -l)
[[ $n -ge 3 ]] || fail "only $n records from C"
q='%CHROM\t%POS\t%REF\t%ALT\t%FILTER\t%QUAL\t[%GT\t%GQ\t%PL]\n'
paste <(bcftools query -f "$q" ab.vcf) <(bcftools query -f "$q" c.vcf) | awk -F'\t' '
    { n++
      for (i = 1; i <= 5; i++) if ($i != $(i + 9)) { print "field " i " differs: " $0; bad = 1 }
      if ($7 != $16) { print "GT differs: " $0; bad = 1 }
      d = $6 - $15; if (d < -0.011 || d > 0.011) { print "QUAL differs: " $0; bad = 1 }
      d = $8 - $17; if (d < -1 || d > 1) { print "GQ differs: " $0; bad = 1 }
      k = split($9, p, ","); split($18, r, ",")
      for (i = 1; i <= k; i++) { d = p[i] - r[i]; if (d < -1 || d > 1) { print "PL differs: " $0; bad = 1 } } }
    END { exit bad || n == 0 }' || fail "the A+B ensemble is not the model of the mean outputs"
# the comparison must see real values: QUAL and GQ above the rounding tolerances somewhere
bcftools query -f '%QUAL\t[%GQ]\n' ab.vcf | awk '$1 > 5 { q = 1 } $2 > 5 { g = 1 } END { exit !(q && g) }' ||
    fail "A+B: no QUAL and GQ above 5 (biases too small for the test to mean anything)"
[[ $(bcftools view -H ab.vcf | wc -l) -eq $n ]] || fail "A+B: $(bcftools view -H ab.vcf | wc -l) records, C: $n"
cmp -s <(bcftools view -H aa.vcf) <(bcftools view -H a.vcf) || fail "A with itself differs from A"
cmp -s <(bcftools query -f '%QUAL\n' ab.vcf) <(bcftools query -f '%QUAL\n' a.vcf) && fail "A+B has A's QUALs"
h=$(bcftools view -h ab.vcf | grep '^##calla_model=')
[[ $h == *"file=A.st,"*"ensemble"*"file=B.st,"* ]] || fail "header: $h"
# GQ: the map applies to A alone and not to an ensemble
"$CALLA" call "${IN[@]}" -m Acal.st -o acal.vcf 2>log || fail "Acal: $(cat log)"
"$CALLA" call "${IN[@]}" -m Acal.st --ensemble Acal.st -o acal2.vcf 2>log || fail "Acal+Acal: $(cat log)"
cmp -s <(bcftools query -f '[%GQ]\n' acal2.vcf) <(bcftools query -f '[%GQ]\n' a.vcf) ||
    fail "--ensemble applied the gq_calibration map"
cmp -s <(bcftools query -f '[%GQ]\n' acal.vcf) <(bcftools query -f '[%GQ]\n' a.vcf) &&
    fail "the map does not change GQ (the check above proves nothing)"
# errors: one line naming the file, exit 1 (2 for usage), no output
"$MK" clv.st clairvoyante >/dev/null || fail "mkmodel clv"
mk hifi.st $B_B platform=hifi
expect_fail 1 'ensemble "clv.st" is a clairvoyante model, -m "A.st" a clair3-pileup one' \
    "$CALLA" call "${IN[@]}" -m A.st --ensemble clv.st -o x.vcf
expect_fail 1 'ensemble "hifi.st" was trained for hifi, -m "A.st" is called as ilmn' \
    "$CALLA" call "${IN[@]}" -m A.st --ensemble hifi.st -o x.vcf
# pileup_compat: absent and "calla" are the same encoding; "clair3" is another
mk Bc.st $B_B pileup_compat=calla
"$CALLA" call "${IN[@]}" -m A.st --ensemble Bc.st -o abc.vcf 2>log || fail "absent vs calla compat: $(cat log)"
cmp -s <(bcftools view -H abc.vcf) <(bcftools view -H ab.vcf) || fail "B with pileup_compat=calla differs from B"
mk Bk.st $B_B pileup_compat=clair3
expect_fail 1 'pileup_compat "clair3", -m "A.st" "calla"' "$CALLA" call "${IN[@]}" -m A.st --ensemble Bk.st -o x.vcf
expect_fail 1 'nope.st' "$CALLA" call "${IN[@]}" -m A.st --ensemble nope.st -o x.vcf
"$CALLA" call "${IN[@]}" -m A.st --ensemble B.st --ensemble B.st --ensemble B.st --ensemble B.st \
    -o x.vcf 2>err
[[ $? -eq 2 ]] && grep -q 'at most 3' err || fail "4 partners: $(cat err)"
"$CALLA" call "${IN[@]}" -m A.st --ensemble B.st --device cuda -o x.vcf 2>err
[[ $? -eq 2 ]] && grep -q 'CPU only' err || fail "--device cuda: $(cat err)"
[[ -e x.vcf ]] && fail "a failed run left x.vcf"
done_test
