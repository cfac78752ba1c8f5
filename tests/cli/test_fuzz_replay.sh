# Replays every fuzz harness (fuzz/fuzz_NAME.c, linked with fuzz/replay_main.c into
# $CALLA_TOOLS/fuzz_NAME) over its seed corpus (fuzz/corpus/NAME) and every input a fuzzer has
# crashed on so far (fuzz/regress/NAME; docs/reliability.md). Each input must run to the end:
# no crash, no sanitizer report under SAN=1, no broken parser contract (the harnesses check what
# the parsers return against their documented invariants).
source "$(dirname "$0")/lib.sh"
n=0
for src in "$CALLA_ROOT"/fuzz/fuzz_*.c; do
    name=$(basename "$src" .c); name=${name#fuzz_}
    [[ $name == common ]] && continue
    bin=$CALLA_TOOLS/fuzz_$name
    [[ -x $bin ]] || { fail "no $bin (make builds it)"; continue; }
    out=$("$bin" "$CALLA_ROOT/fuzz/corpus/$name" "$CALLA_ROOT/fuzz/regress/$name" 2>"$TMP/$name.err")
    rc=$?
    [[ $rc -eq 0 ]] || { fail "fuzz_$name: exit $rc: $(grep -E 'replay:|ERROR|runtime error|contract' "$TMP/$name.err" | tail -n 3)"; continue; }
    # The count printed must be the number of files given (a replay that skipped inputs proves nothing).
    want=$(find "$CALLA_ROOT/fuzz/corpus/$name" "$CALLA_ROOT/fuzz/regress/$name" -type f 2>/dev/null | wc -l)
    got=$(sed -n 's/.*: \([0-9]*\) inputs replayed/\1/p' <<<"$out")
    [[ $got == "$want" && $want -gt 0 ]] || fail "fuzz_$name: replayed '$got' of $want inputs"
    n=$((n + want))
done
echo "$n inputs replayed"
done_test
