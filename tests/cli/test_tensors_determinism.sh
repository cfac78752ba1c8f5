# `calla tensors` output is byte-identical for -@ 1 and -@ 2 (calling and seeded training mode);
# training mode keeps exactly the truth variants inside the confident regions (positions checked
# against bcftools) plus at most R non-variants per variant.
source "$(dirname "$0")/lib.sh"
need_shared hg001_illumina_grch37_chr20_10.0-10.1Mb
need bcftools
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
# The records (everything after header_bytes) must be byte-identical; `calla view` shows them too.
recs() {  # FILE OUT: OUT = FILE's record bytes, after checking size = header_bytes + n * record_bytes
    local hb n rb
    "$CALLA" view -H "$1" >"$2.hdr" || return 1
    hb=$(sed -n 's/^header_bytes: //p' "$2.hdr"); n=$(sed -n 's/^records: //p' "$2.hdr")
    rb=$(sed -n 's/^record_bytes: //p' "$2.hdr")
    [[ -n $hb && -n $n && -n $rb && $(stat -c %s "$1") -eq $((hb + n * rb)) ]] || return 1
    tail -c +$((hb + 1)) "$1" >"$2" && "$CALLA" view "$1" >"$2.txt" && [[ $(wc -l <"$2.txt") -eq $n ]]
}
if recs "$TMP/call1.ctf" "$TMP/r1" && recs "$TMP/callc.ctf" "$TMP/rc"; then
    n=$(sed -n 's/^records: //p' "$TMP/r1.hdr")
    echo "$n records, chunk 7000 vs 3000"
    { [[ $n -gt 100 ]] && cmp -s "$TMP/r1" "$TMP/rc" && cmp -s "$TMP/r1.txt" "$TMP/rc.txt"; } ||
        fail "calling records depend on the chunk size"
else
    fail "cannot read the records of call1.ctf / callc.ctf"
fi
bcftools query -f '%POS\n' -T "$C" "$V" | sort -n >"$TMP/truth.pos"
# Every record is labelled; variants (zygosity label != 0, 0 = hom-ref) are exactly the truth
# positions, in order; 0 < non-variants <= 5 x variants.
"$CALLA" view "$TMP/train1.ctf" >"$TMP/train1.txt" || fail "calla view train1.ctf"
[[ $(wc -l <"$TMP/train1.txt") -eq $("$CALLA" view -H "$TMP/train1.ctf" | sed -n 's/^records: //p') ]] ||
    fail "calla view: line count differs from the header's record count"
awk -F'\t' -v truth="$TMP/truth.pos" '
BEGIN { while ((getline t < truth) > 0) T[++nt] = t + 0 }
{
    if ($4 == "." || split($4, l, ",") != 4) bad = 1
    if (l[2] + 0 != 0) { V[++nv] = $2 + 0 } else nonvar++
}
END {
    same = nv == nt
    for (i = 1; same && i <= nt; i++) same = V[i] == T[i]
    print nv + 0, "variants,", nonvar + 0, "non-variants,", nt + 0, "truth"
    exit (!bad && same && nonvar > 0 && nonvar <= 5 * nv) ? 0 : 1
}' "$TMP/train1.txt" || fail "training records"
done_test
