#!/usr/bin/env bash
# run.sh — runs every libFuzzer harness ($BUILD/fuzz/fuzz_NAME, built by `make fuzz`) for FUZZ_S
# seconds, starting from the committed seeds (fuzz/corpus/NAME) and the regression inputs
# (fuzz/regress/NAME). New corpus entries go to $BUILD/fuzz/corpus-NAME (not the source tree),
# crashes to $BUILD/fuzz/crash-NAME-*. Usage: FUZZ_S=N [FUZZ_SEED=S] [BUILD=build-fuzz] fuzz/run.sh [NAME...]
# Ends with "fuzz: N harnesses, N crashed" and exits non-zero when any crashed.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build-fuzz}
secs=${FUZZ_S:-60}
seed=${FUZZ_SEED:-0}  # libFuzzer's -seed: 0 = random; CI fixes it so its run is reproducible
out="$root/$BUILD/fuzz"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
names=("$@")
if [[ ${#names[@]} -eq 0 ]]; then
    for f in "$root"/fuzz/fuzz_*.c; do
        n=$(basename "$f" .c); n=${n#fuzz_}
        [[ $n == common ]] || names+=("$n")
    done
fi
crashed=0 failed=()
for n in "${names[@]}"; do
    bin="$out/fuzz_$n"
    [[ -x $bin ]] || { echo "fuzz: $bin not built (make fuzz)"; crashed=$((crashed + 1)); failed+=("$n"); continue; }
    mkdir -p "$out/corpus-$n"
    dirs=("$out/corpus-$n")
    [[ -d $root/fuzz/corpus/$n ]] && dirs+=("$root/fuzz/corpus/$n")
    [[ -d $root/fuzz/regress/$n ]] && dirs+=("$root/fuzz/regress/$n")
    log="$out/fuzz-$n.log"
    echo "=== fuzz_$n: ${secs}s"
    "$bin" -seed="$seed" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
        -max_len=65536 -close_fd_mask=2 -print_final_stats=1 \
        -artifact_prefix="$out/crash-$n-" "${dirs[@]}" >"$log" 2>&1
    rc=$?
    grep -E '^#[0-9]+ *DONE|stat::number_of_executed_units|stat::new_units_added' "$log" | tr '\n' ' '
    echo
    if [[ $rc -ne 0 ]]; then
        crashed=$((crashed + 1)); failed+=("$n")
        echo "fuzz_$n: CRASH (exit $rc); log $log"
        grep -E 'ERROR|SUMMARY|contract violated|Test unit written' "$log" | head -n 8 | sed 's/^/    /'
    fi
done
echo "fuzz: ${#names[@]} harnesses, $crashed crashed${failed:+ (${failed[*]})}"
[[ $crashed -eq 0 ]]
