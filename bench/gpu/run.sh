#!/usr/bin/env bash
# bench/gpu/run.sh — run ON THE GPU MACHINE (H100/H200, CUDA 13, PyTorch 2.x), from the
# repository root, with a bundle made by bench/gpu/pack.sh. One prepared script, < 10 minutes:
#   1. correctness first: test_cuda_layers, test_cuda_model, test_cuda_train, test_cuda_graphs,
#      test_cuda_fa
#      (every kernel, the models and a short training run against the CPU reference, graph
#      replay against eager launches; exit 0 pass, 77 skip);
#   2. calla's GPU throughput (bench/gpu/bench_gpu.c): train step (forward + backward + optimizer;
#      plain, through the input pipeline, and replayed from CUDA graphs) and batched inference,
#      both models, fp32 / tf32 / bf16 GEMMs, batch 256 and 2000;
#   3. PyTorch on the same card, same architectures and steps (bench/gpu/torch_gpu.py);
#   4. results.md: a markdown table of samples/s and the calla / PyTorch ratio.
#   bash bench/gpu/run.sh BUNDLE       # results under $OUT (the device tool's folder) or bench-out/gpu
# Env: STEPS (timed steps per measurement, 10), BATCHES ("256 2000"), PRECS ("fp32 tf32 bf16"),
#      PY (python3), SKIP_TESTS=1, SKIP_TORCH=1, MODELS ("clair3-pileup clairvoyante"; add
#      clair3-fa with SKIP_TORCH=1: torch_gpu.py has no full-alignment model).
set -uo pipefail
cd "$(dirname "$0")/../.."
BUNDLE=${1:?usage: bench/gpu/run.sh BUNDLE}
O=${OUT:-bench-out/gpu}
STEPS=${STEPS:-10}
BATCHES=${BATCHES:-"256 2000"}
PRECS=${PRECS:-"fp32 tf32 bf16"}
PY=${PY:-python3}
MODELS=${MODELS:-"clair3-pileup clairvoyante"}  # bench_gpu also takes clair3-fa (no PyTorch twin here)
mkdir -p "$O"
RAW="$O/raw.txt"
: >"$RAW"
t_start=$SECONDS
log() { echo "[$((SECONDS - t_start))s] $*" | tee -a "$O/log.txt"; }

{ nvidia-smi || true; nproc; } >"$O/machine.txt" 2>&1
log "card: $(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null | head -1)"
"$BUNDLE/w/calla" --version >>"$O/machine.txt" 2>&1 || log "calla --version failed"

if [[ ${SKIP_TESTS:-0} != 1 ]]; then
    for t in test_cuda_layers test_cuda_model test_cuda_train test_cuda_graphs test_cuda_fa; do
        timeout 240 "$BUNDLE/w/$t" >"$O/$t.log" 2>&1
        rc=$?
        log "$t: exit $rc ($( [[ $rc == 0 ]] && echo pass || { [[ $rc == 77 ]] && echo skipped || echo FAIL; }))"
        echo "test $t $rc" >>"$RAW"
    done
fi

for m in $MODELS; do
    for p in $PRECS; do
        for b in $BATCHES; do
            timeout 120 "$BUNDLE/w/bench_gpu" "$m" "$p" "$b" "$STEPS" >>"$RAW" 2>>"$O/bench_gpu.err" ||
                log "bench_gpu $m $p $b failed (exit $?; see bench_gpu.err)"
            if [[ ${SKIP_TORCH:-0} != 1 ]]; then
                timeout 120 "$PY" bench/gpu/torch_gpu.py "$m" "$p" "$b" "$STEPS" >>"$RAW" 2>>"$O/torch.err" ||
                    log "torch $m $p $b failed (exit $?; see torch.err)"
            fi
        done
        log "$m $p done"
    done
done

"$PY" - "$RAW" >"$O/results.md" <<'PYEOF'
import sys
res, tests = {}, []
for line in open(sys.argv[1]):
    f = line.split()
    if f[0] == "test":
        tests.append((f[1], int(f[2])))
    elif f[0] in ("calla", "torch"):
        res[(f[0], f[1], f[2], f[3], int(f[4]))] = (float(f[5]), float(f[6]))
print("## Correctness on the card\n")
for t, rc in tests:
    print(f"- {t}: {'pass' if rc == 0 else 'skipped' if rc == 77 else f'FAIL (exit {rc})'}")
print("\n## Throughput (samples/s; ms per step in parentheses)\n")
print("| model | mode | precision | batch | calla | PyTorch | calla / PyTorch |")
print("|---|---|---|---|---|---|---|")
keys = sorted({k[1:] for k in res})
for (m, mode, p, b) in keys:
    # every calla training mode is compared with PyTorch's training step
    c, t = res.get(("calla", m, mode, p, b)), res.get(("torch", m, mode.split("-")[0], p, b))
    cs = f"{c[0]:.0f} ({c[1]:.2f})" if c else "-"
    ts = f"{t[0]:.0f} ({t[1]:.2f})" if t else "-"
    r = f"{c[0] / t[0]:.2f}" if c and t else "-"
    print(f"| {m} | {mode} | {p} | {b} | {cs} | {ts} | {r} |")
PYEOF
cat "$O/results.md"
log "done in $((SECONDS - t_start)) s; results in $O"
