#!/usr/bin/env bash
# calla view: records and header of a tensor file written by the unit-test helper
# (test_tensorfile --write; fixture described at the top of tests/unit/test_tensorfile.c).
source "$(dirname "$0")/lib.sh"
W="$(dirname "$CALLA")/tests/test_tensorfile"
[[ -x $W ]] || skip "fixture writer $W not built"

"$CALLA" view --help | grep -q "Usage: calla view" || fail "--help"
"$CALLA" view 2>/dev/null; [[ $? -eq 2 ]] || fail "no file: exit 2"
"$CALLA" view --bogus x 2>"$TMP/err"; [[ $? -eq 2 ]] || fail "bad option: exit 2"
grep -q "Usage: calla view" "$TMP/err" || fail "usage on stderr for a bad option"
"$W" --write "$TMP/c3.ctf" clair3-pileup || fail "fixture writer"
"$W" --write "$TMP/cv.ctf" clairvoyante || fail "fixture writer (clairvoyante)"

# Expected features computed independently: (i*7 + p*3 + c) % 201 - 100, position-major.
feats() { awk -v i="$1" -v nc="$2" 'BEGIN { s = ""; for (p = 0; p < 33; p++) for (c = 0; c < nc; c++)
    s = s (s == "" ? "" : ",") ((i * 7 + p * 3 + c) % 201 - 100); print s }'; }
"$CALLA" view "$TMP/c3.ctf" > "$TMP/c3.txt" || fail "view exit status"
{
    printf 'chr1\t6\tA\t2,2,14,16\t%s\n' "$(feats 0 18)"
    printf 'chrX\t16\tC\t.\t%s\n' "$(feats 1 18)"
    printf 'chr1\t26\tG\t4,2,14,18\t%s\n' "$(feats 2 18)"
} > "$TMP/c3.want"
cmp -s "$TMP/c3.txt" "$TMP/c3.want" || fail "clair3 records differ: $(diff "$TMP/c3.txt" "$TMP/c3.want" | cut -c1-200 | head -4)"
[[ $(awk -F'\t' '{ print NF; exit }' "$TMP/c3.txt") == 5 ]] || fail "five columns"
[[ $(head -1 "$TMP/c3.txt" | cut -f5 | tr , '\n' | wc -l) == $((33 * 18)) ]] || fail "33x18 features"

"$CALLA" view "$TMP/cv.ctf" > "$TMP/cv.txt" || fail "view clairvoyante"
want=$(printf 'chr1\t6\tA\t0.5,0,0.5,0,1,0,0,1,0,0,1,0,0,0,0,0\t%s' "$(feats 0 16)")
[[ $(head -1 "$TMP/cv.txt") == "$want" ]] || fail "clairvoyante record 0: $(head -1 "$TMP/cv.txt" | cut -c1-80)"

# Header.
"$CALLA" view -H "$TMP/c3.ctf" > "$TMP/h.txt" || fail "view -H"
for kv in "magic: CALLATNS" "version: 1" "feature_kind: clair3-pileup" "shape: 33 x 18" \
          "dtype: int16" "n_labels: 4" "records: 3" "platform: ilmn" "contigs: 2" \
          "contig: chr1 1000" "contig: chrX 500" "command: calla tensors -b x.bam -f ref.fa"; do
    grep -qxF "$kv" "$TMP/h.txt" || fail "header lacks '$kv'"
done
grep -qxF "shape: 33 x 16" <("$CALLA" view -H "$TMP/cv.ctf") || fail "clairvoyante shape"

# Region filter.
[[ $("$CALLA" view -r chr1 "$TMP/c3.ctf" | cut -f1,2 | tr '\t\n' ':;') == "chr1:6;chr1:26;" ]] || fail "-r chr1"
[[ $("$CALLA" view -r chr1:1-10 "$TMP/c3.ctf" | cut -f2) == 6 ]] || fail "-r chr1:1-10"
[[ $("$CALLA" view -r chr1:26 "$TMP/c3.ctf" | cut -f2) == 26 ]] || fail "-r chr1:26"
[[ -z $("$CALLA" view -r chrX:1-15 "$TMP/c3.ctf") ]] || fail "-r chrX:1-15 should be empty"
expect_fail 1 'chrZ' "$CALLA" view -r chrZ "$TMP/c3.ctf"
expect_fail 2 'bad region' "$CALLA" view -r chr1:x-3 "$TMP/c3.ctf"

# Broken files: one-line errors, exit 1.
size=$(stat -c %s "$TMP/c3.ctf")
head -c $((size - 10)) "$TMP/c3.ctf" > "$TMP/trunc.ctf"
expect_fail 1 'trunc\.ctf.*truncated' "$CALLA" view "$TMP/trunc.ctf"
{ printf 'NOTATNSR'; tail -c +9 "$TMP/c3.ctf"; } > "$TMP/magic.ctf"
expect_fail 1 'magic\.ctf.*bad magic' "$CALLA" view "$TMP/magic.ctf"
{ head -c 8 "$TMP/c3.ctf"; printf '\x07\x00\x00\x00'; tail -c +13 "$TMP/c3.ctf"; } > "$TMP/ver.ctf"
expect_fail 1 'ver\.ctf.*version 7' "$CALLA" view -H "$TMP/ver.ctf"
expect_fail 1 'nope\.ctf' "$CALLA" view "$TMP/nope.ctf"
done_test
