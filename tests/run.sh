#!/usr/bin/env bash
# Runs the unit test binaries ($BUILD/tests/test_*) and the command-line tests (tests/cli/test_*.sh).
# A test passes with exit 0, is skipped with exit 77, and fails otherwise.
# Usage: tests/run.sh [PATTERN]   (only tests whose name contains PATTERN)
# Ends with the line "N passed, N failed, N skipped".
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
BUILD=${BUILD:-build}
export CALLA="$root/$BUILD/calla"
export CALLA_TOOLS="$root/$BUILD/tools"
export CALLA_ROOT="$root"
export CALLA_SHARED="${CALLA_SHARED:-$root/../shared}"
pattern=${1:-}
pass=0 fail=0 skip=0 failed=()
logdir="$root/$BUILD/test-logs"
mkdir -p "$logdir"
run_one() {
    local name=$1; shift
    [[ -n $pattern && $name != *"$pattern"* ]] && return
    local log="$logdir/$name.log" t0=$SECONDS rc
    "$@" >"$log" 2>&1
    rc=$?
    local dt=$((SECONDS - t0))
    if [[ $rc -eq 0 ]]; then
        pass=$((pass + 1)); printf 'PASS  %-40s %4ss\n' "$name" "$dt"
    elif [[ $rc -eq 77 ]]; then
        skip=$((skip + 1)); printf 'SKIP  %-40s %s\n' "$name" "$(tail -n 1 "$log")"
    else
        fail=$((fail + 1)); failed+=("$name"); printf 'FAIL  %-40s %4ss (exit %d)\n' "$name" "$dt" "$rc"
        sed 's/^/      | /' "$log" | tail -n 25
    fi
}
for t in "$root/$BUILD"/tests/test_*; do
    [[ -x $t && ! -d $t ]] || continue
    run_one "$(basename "$t")" "$t"
done
for t in "$here"/cli/test_*.sh; do
    [[ -f $t ]] || continue
    run_one "$(basename "$t" .sh)" bash "$t"
done
[[ ${#failed[@]} -gt 0 ]] && echo "failed: ${failed[*]}"
echo "$pass passed, $fail failed, $skip skipped"
[[ $fail -eq 0 ]]
