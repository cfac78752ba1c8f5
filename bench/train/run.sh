#!/usr/bin/env bash
# bench/train/run.sh — training and inference throughput of calla's models against the same
# architectures in PyTorch (bench/train/torch_models.py), batch 256, 1 and 2 threads, in one run.
# Prints a markdown table: samples/s by wall clock and per CPU-second (process CPU time: on a
# shared machine the wall clock also counts other jobs' time; per CPU-second is what fully used
# cores give), the calla/PyTorch ratios, GEMM GFLOP per CPU-second as a fraction of a large
# SGEMM's (GEMM FLOPs per sample counted from the layer shapes), peak RSS of each process.
# Each figure is the best of ROUNDS x REPEATS runs of STEPS steps.
#   bash bench/train/run.sh     # BUILD=build, STEPS=2, REPEATS=2, ROUNDS=4, THREADS="1 2",
#                               # MODELS="clair3-pileup clairvoyante clair3-fa"
# Needs Debian's python3-torch (run with /usr/bin/python3, not a pyenv python).
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
STEPS=${STEPS:-2}
REPEATS=${REPEATS:-2}
ROUNDS=${ROUNDS:-4}
THREADS=${THREADS:-"1 2"}
PY=${PY:-/usr/bin/python3}
MODELS=${MODELS:-"clair3-pileup clairvoyante clair3-fa"}

make -s BUILD="$BUILD" -j1 "$BUILD/libcalla.a" >&2
BIN="$BUILD/bench_model"
# shellcheck disable=SC2046
cc -O2 -std=c11 -D_GNU_SOURCE -fopenmp -Isrc $(pkg-config --cflags openblas 2>/dev/null) \
    -o "$BIN" bench/train/bench_model.c "$BUILD/libcalla.a" -fopenmp \
    $(pkg-config --libs openblas 2>/dev/null || echo -lopenblas) -lhts -lz -lm -lpthread

OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT
export OPENBLAS_NUM_THREADS=1  # calla partitions its GEMMs itself; OpenBLAS's pool stays idle
# Idle OpenMP threads sleep instead of spinning (both engines use libgomp): on a shared machine a
# spinning waiter steals the core its partner needs (measured: calla 2 threads, load ~5, 229 ->
# 261-287 samples/s). Override by setting OMP_WAIT_POLICY.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
# ROUNDS rounds, each running every (threads, model, engine) with REPEATS repeats, calla and
# PyTorch alternating: both see the same (varying) load from other jobs; best per cell is kept.
for r in $(seq "$ROUNDS"); do
    for t in $THREADS; do
        OMP_NUM_THREADS=$t "$BIN" sgemm "$t" "$REPEATS" >>"$OUT"
        for m in $MODELS; do
            OMP_NUM_THREADS=$t "$BIN" "$m" "$t" "$STEPS" "$REPEATS" >>"$OUT"
            OMP_NUM_THREADS=$t "$PY" bench/train/torch_models.py "$m" "$t" "$STEPS" "$REPEATS" >>"$OUT"
        done
    done
    echo "round $r of $ROUNDS done" >&2
done
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores;" \
    "load before/after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "torch $("$PY" -c 'import torch; print(torch.__version__)'), batch 256, steps $STEPS, best of $ROUNDS x $REPEATS," \
    "OMP_WAIT_POLICY=$OMP_WAIT_POLICY"
echo
"$PY" - "$OUT" <<'PYEOF'
import sys
rows = [l.split() for l in open(sys.argv[1])]
best = lambda a, b: tuple(max(x, y) for x, y in zip(a, b)) if a else b
peak, res = {}, {}
for r in rows:  # best of the rounds, field by field (peak RSS: the largest)
    if r[0] == "sgemm":
        peak[int(r[1])] = best(peak.get(int(r[1])), (float(r[2]), float(r[3])))
    elif r[0] in ("calla", "torch"):
        k = (r[0], r[1], r[2], int(r[3]))
        res[k] = best(res.get(k), (float(r[4]), float(r[5]), float(r[6])))
flops = {r[1]: (float(r[2]), float(r[3])) for r in rows if r[0] == "flops"}
nan = (float("nan"),) * 3
print("| model | mode | threads | calla samples/s | PyTorch samples/s | calla / PyTorch "
      "| calla samples/CPU-s | PyTorch samples/CPU-s | calla / PyTorch by CPU "
      "| calla, PyTorch GFLOP per CPU-s (% of SGEMM's) | peak RSS calla / PyTorch MiB |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
keys = sorted((k for k in res if k[0] == "calla"), key=lambda k: (k[1], k[2] != "train", k[3]))
for eng, model, mode, t in keys:
    sps, rss, spc = res[(eng, model, mode, t)]
    tsps, trss, tspc = res.get(("torch", model, mode, t), nan)
    mf = flops[model][0 if mode == "train" else 1]
    g, tg, pk = spc * mf / 1e3, tspc * mf / 1e3, peak[t][1]
    print(f"| {model} | {mode} | {t} | {sps:,.0f} | {tsps:,.0f} | {sps / tsps:.2f} "
          f"| {spc:,.0f} | {tspc:,.0f} | {spc / tspc:.2f} "
          f"| {g:.0f} ({100 * g / pk:.0f}%), {tg:.0f} ({100 * tg / pk:.0f}%) | {rss:.0f} / {trss:.0f} |")
print()
print("SGEMM 1536^3 through calla's gemm(): " + ", ".join(
    f"{t} thread{'s' if t > 1 else ''} {w:.1f} GFLOP/s wall, {c:.1f} GFLOP per CPU-s"
    for t, (w, c) in sorted(peak.items())))
print("GEMM MFLOP per sample (training = 3 x forward): " +
      ", ".join(f"{m} {f[0]:.1f} train / {f[1]:.1f} inference" for m, f in flops.items()))
PYEOF
