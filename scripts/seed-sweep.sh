#!/usr/bin/env bash
# seed-sweep.sh — runs the randomized device-vs-CPU tests (test_cudaemu_*, and test_cuda_* where
# a GPU is present) over many seeds, to re-measure the bounds in tests/unit/test_cuda*_checks.h.
# The tests use one fixed seed in `make test`; this is how the bounds were chosen.
# Usage: BUILD=build bash scripts/seed-sweep.sh [N seeds, default 50] [test names...]
set -uo pipefail
build=${BUILD:-build}
n=${1:-50}; shift || true
tests=("$@")
[[ ${#tests[@]} -gt 0 ]] || tests=(test_cudaemu_layers test_cudaemu_model)
fail=0
for t in "${tests[@]}"; do
    bin=$build/tests/$t
    [[ -x $bin ]] || { echo "seed-sweep: $bin: not built (make $bin)" >&2; exit 2; }
    bad=0 skipped=0
    for s in $(seq 1 "$n"); do
        out=$(CALLA_TEST_SEED=$s "$bin" 2>&1)
        rc=$?
        [[ $rc -eq 77 ]] && { echo "$t: skipped ($(tail -n 1 <<<"$out"))"; skipped=1; break; }
        if [[ $rc -ne 0 ]]; then
            bad=$((bad + 1))
            echo "$t seed $s FAILED:"; grep -v '^  \|^seed' <<<"$out" | head -n 6 | sed 's/^/    /'
        fi
    done
    [[ $skipped -eq 1 ]] || echo "$t: $n seeds, $bad failed"
    fail=$((fail + bad))
done
[[ $fail -eq 0 ]]
