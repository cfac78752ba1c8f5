#!/usr/bin/env bash
# calla train: --help on stdout with exit 0; usage errors exit 2 with the usage on stderr.
source "$(dirname "$0")/lib.sh"
out=$($CALLA train --help) || fail "--help exit"
grep -q 'Usage: calla train' <<<"$out" || fail "--help text"
for o in --optimizer --schedule --resume --log --val-fraction --max-steps; do
    grep -q -- "$o" <<<"$out" || fail "--help lacks $o"
done
err=$($CALLA train --bogus 2>&1 >/dev/null); rc=$?
[[ $rc -eq 2 ]] || fail "unknown option: exit $rc"
grep -q 'Usage: calla train' <<<"$err" || fail "no usage on stderr"
$CALLA train -i x.ctf --model clair3-pileup -o m.st --lr -1 2>/dev/null; [[ $? -eq 2 ]] || fail "--lr -1"
$CALLA train -i x.ctf --model clair3-pileup -o m.st --val-fraction 1.5 2>/dev/null; [[ $? -eq 2 ]] || fail "--val-fraction 1.5"
$CALLA train -i x.ctf --model clair3-pileup -o m.st --schedule step 2>/dev/null; [[ $? -eq 2 ]] || fail "--schedule step"
expect_fail 1 'x.ctf' $CALLA train -i "$TMP/x.ctf" --model clair3-pileup -o "$TMP/m.st"
done_test
