# `calla tensors` output is byte-identical for -@ 1 and -@ 2 (calling and seeded training mode);
# training mode keeps exactly the truth variants inside the confident regions (positions checked
# against bcftools) plus at most R non-variants per variant.
source "$(dirname "$0")/lib.sh"
need_shared hg001_illumina_grch37_chr20_10.0-10.1Mb
need bcftools
need python3
D=$CALLA_SHARED/data/hg001_illumina_grch37_chr20_10.0-10.1Mb
B=$D/NA12878_S1.chr20.10_10p1mb.bam F=$D/ucsc.hg19.chr20.unittest.fasta.gz
V=$D/test_nist.b37_chr20_100kbp_at_10mb.vcf.gz C=$D/test_nist.b37_chr20_100kbp_at_10mb.bed
common=(-b "$B" -f "$F" -r chr20:10000001-10100000 --platform ilmn --chunk-size 7000)
# Same relative -o in two directories: the stored command line (which omits -@) is then identical.
for t in 1 2; do
    mkdir "$TMP/t$t"
    (cd "$TMP/t$t" &&
        "$CALLA" tensors "${common[@]}" -@ $t -o call.ctf 2>/dev/null || fail "calling -@ $t"
        "$CALLA" tensors "${common[@]}" -@ $t --truth "$V" --confident "$C" --seed 11 -o train.ctf \
            2>/dev/null || fail "training -@ $t"
        "$CALLA" tensors "${common[@]}" -@ $t --features clairvoyante --truth "$V" --confident "$C" \
            --seed 11 -o cvtrain.ctf 2>/dev/null || fail "clairvoyante training -@ $t"
        exit $fails)
    [[ $? -eq 0 ]] || fail "runs with -@ $t"
done
for f in call train cvtrain; do
    [[ -s $TMP/t1/$f.ctf ]] || fail "$f.ctf missing"
    cmp -s "$TMP/t1/$f.ctf" "$TMP/t2/$f.ctf" || fail "$f.ctf differs between -@ 1 and -@ 2"
done
cp "$TMP/t1/call.ctf" "$TMP/call1.ctf"; cp "$TMP/t1/train.ctf" "$TMP/train1.ctf"
# The -@ and -o in the stored command line differ, so compare the records only for the chunk size.
"$CALLA" tensors "${common[@]}" --chunk-size 3000 -@ 2 -o "$TMP/callc.ctf" 2>/dev/null || fail "chunk 3000"
python3 - "$TMP/call1.ctf" "$TMP/callc.ctf" <<'PY' || fail "calling records depend on the chunk size"
import struct, sys
def recs(p):
    b = open(p, 'rb').read()
    hb, n, rb = struct.unpack_from('<IQI', b, 12)
    return b[hb:hb + n * rb], n
a, na = recs(sys.argv[1]); c, nc = recs(sys.argv[2])
print(na, nc); sys.exit(0 if a == c and na > 100 else 1)
PY
bcftools query -f '%POS\n' -T "$C" "$V" | sort -n >"$TMP/truth.pos"
python3 - "$TMP/train1.ctf" "$TMP/truth.pos" <<'PY' || fail "training records"
import struct, sys
b = open(sys.argv[1], 'rb').read()
hb, n, rb = struct.unpack_from('<IQI', b, 12)
var, nonvar, ok = [], 0, True
for i in range(n):
    r = hb + i * rb
    ctg, pos, ref, lab = struct.unpack_from('<iicB', b, r)
    l = struct.unpack_from('<4f', b, r + 12)
    ok &= lab == 1
    if l[1] != 0: var.append(pos + 1)   # zygosity 0 = hom-ref (non-variant)
    else: nonvar += 1
truth = [int(x) for x in open(sys.argv[2])]
print(len(var), "variants,", nonvar, "non-variants,", len(truth), "truth")
sys.exit(0 if ok and var == truth and 0 < nonvar <= 5 * len(var) else 1)
PY
done_test
