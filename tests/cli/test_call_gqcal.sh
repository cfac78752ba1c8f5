# GQ calibration end to end: `calla model --meta gq_calibration=MAP` on a model, then `calla call`
# with it gives the same records except FORMAT/GQ, and each GQ is the map applied to the raw one
# (within the rounding of the raw GQ); a malformed map is refused by `calla model` (usage) and by
# `calla call` (runtime, naming the model). The fit itself: test_eval_cli.sh and test_gq_calib.
source "$(dirname "$0")/lib.sh"
need samtools
need bcftools
[[ -x $CALLA_TOOLS/mkmodel ]] || { fail "no $CALLA_TOOLS/mkmodel (make builds it)"; done_test; }
FX=$CALLA_ROOT/tests/fixtures
cp "$FX/tensors_ref.fa" "$TMP/ref.fa" && samtools faidx "$TMP/ref.fa" || fail "faidx"
samtools sort -o "$TMP/r.bam" "$FX/tensors_reads.sam" 2>/dev/null && samtools index "$TMP/r.bam" || fail "sort/index"
"$CALLA_TOOLS/mkmodel" "$TMP/m.st" clair3-pileup bias:gt21.bias:2=5 bias:zygosity.bias:2=5 || fail "model"
cd "$TMP" || fail "cd"
MAP="0.00:0.00,5.00:2.00,10.00:4.00,30.00:20.00"
"$CALLA" model m.st --meta "gq_calibration=$MAP" -o cal.st >/dev/null 2>log || fail "model --meta: $(cat log)"
"$CALLA" model cal.st | grep -q "^meta.gq_calibration	$MAP\$" || fail "metadata not stored"
"$CALLA" call -b r.bam -f ref.fa -m m.st --ref-calls -o raw.vcf.gz 2>/dev/null || fail "call (raw)"
"$CALLA" call -b r.bam -f ref.fa -m cal.st --ref-calls -o cal.vcf.gz 2>/dev/null || fail "call (calibrated)"
bcftools view -h cal.vcf.gz | grep -q 'GQ calibrated (4 knots)' || fail "header does not say the GQ is calibrated"
# Everything but GQ is the same.
q='%CHROM %POS %REF %ALT %QUAL %FILTER [%GT %DP %AD %PL]\n'
cmp -s <(bcftools query -f "$q" raw.vcf.gz) <(bcftools query -f "$q" cal.vcf.gz) || fail "calibration changed more than GQ"
n=$(bcftools view -H raw.vcf.gz | wc -l)
[[ $n -ge 3 ]] || fail "only $n records"
# GQ: the raw GQ g is round(phred), so the calibrated one lies in [round(f(g-0.5)), round(f(g+0.5))]
# with f the map (linear between knots, slope 1 after the last, capped at 99).
paste <(bcftools query -f '[%GQ]\n' raw.vcf.gz) <(bcftools query -f '[%GQ]\n' cal.vcf.gz) | awk -v map="$MAP" '
    function f(x,   i, t) {
        if (x <= R[1]) return 0
        if (x >= R[K]) return C[K] + x - R[K]
        for (i = 2; x > R[i]; i++);
        t = (x - R[i-1]) / (R[i] - R[i-1]); return C[i-1] + t * (C[i] - C[i-1])
    }
    function rnd(x) { x = int(x + 0.5); return x > 99 ? 99 : x }
    BEGIN { K = split(map, kn, ","); for (i = 1; i <= K; i++) { split(kn[i], p, ":"); R[i] = p[1]; C[i] = p[2] } }
    { lo = rnd(f($1 - 0.5 < 0 ? 0 : $1 - 0.5)); hi = rnd(f($1 + 0.5)); seen[$1 != $2] = 1
      if ($2 < lo || $2 > hi) { print "raw " $1 " -> " $2 ", expected " lo ".." hi; bad = 1 } }
    END { if (!seen[1]) { print "no GQ changed"; bad = 1 } exit bad }' || fail "calibrated GQ off the map"
# A malformed map: refused by `calla model` (usage) and, written by hand, by `calla call`.
"$CALLA" model m.st --meta "gq_calibration=5:1,4:2" -o bad.st >/dev/null 2>log; rc=$?
[[ $rc -eq 2 ]] || fail "a decreasing map: exit $rc, expected 2"
grep -q 'gq_calibration: knot 2 (4:2) does not increase' log || fail "message: $(head -1 log)"
[[ -e bad.st ]] && fail "bad.st written"
"$CALLA_TOOLS/mkmodel" bad2.st clair3-pileup gq_calibration=junk || fail "mkmodel bad2"
expect_fail 1 'bad2.st.*bad gq_calibration' "$CALLA" call -b r.bam -f ref.fa -m bad2.st -o x.vcf.gz
[[ -e x.vcf.gz ]] && fail "x.vcf.gz written"
done_test
