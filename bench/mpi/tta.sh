#!/usr/bin/env bash
# bench/mpi/tta.sh — time to accuracy of data-parallel `calla train` (docs/experiments.md): on a
# fixed synthetic training set (tests/tools/mksynth, chunked 90/10 split), the wall time until the
# validation variant F1 first reaches TARGET, for 1, 2 and 4 ranks with a fixed per-rank batch (so
# the global batch grows with the ranks), without and with linear learning-rate scaling plus a
# gradual warm-up of one epoch (Goyal et al. 2017). Threads per rank: CORES / ranks (at least 1).
# Prints a markdown table and writes the curves with `calla plot` (validation F1 against wall time).
#   bash bench/mpi/tta.sh [OUTDIR]
# Env: BUILD (build), MODEL (clairvoyante), ROWS (6000), BPR (per-rank batch, 50), EPOCHS (8),
# TARGET (0.99), METRIC (val_f1; or val_genotype_f1), NPS ("1 2 4"), CORES (nproc), LR (1e-3).
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
MODEL=${MODEL:-clairvoyante}
ROWS=${ROWS:-6000}
BPR=${BPR:-50}
EPOCHS=${EPOCHS:-8}
TARGET=${TARGET:-0.99}
METRIC=${METRIC:-val_f1}
NPS=${NPS:-"1 2 4"}
CORES=${CORES:-$(nproc)}
LR=${LR:-1e-3}
OUT=${1:-tta-out}
mkdir -p "$OUT"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_mpi_yield_when_idle=1 OPENBLAS_NUM_THREADS=1
make -s BUILD="$BUILD" -j2 "$BUILD/calla" "$BUILD/tools/mksynth" >&2
"$BUILD/tools/mksynth" "$OUT/train.ctf" "$MODEL" "$ROWS" 11
echo "| ranks | global batch | lr scaling | threads/rank | updates/epoch | epochs to $METRIC >= $TARGET | wall s to $METRIC >= $TARGET | best $METRIC | wall s/epoch |"
echo "|---|---|---|---|---|---|---|---|---|"
logs=()
for np in $NPS; do
    th=$(( CORES / np )); [[ $th -ge 1 ]] || th=1
    for sc in none linear; do
        [[ $np == 1 && $sc == linear ]] && continue  # the same run as without scaling
        name=np${np}_$sc
        # warm-up: one epoch of updates at this global batch (chunked split: 90% of the rows train)
        upe=$(( ROWS * 9 / 10 / (BPR * np) ))
        extra=(); [[ $sc == linear ]] && extra=(--lr-scaling linear --lr-scale-warmup "$upe")
        mpirun --oversubscribe --bind-to none -np "$np" "$BUILD/calla" train -i "$OUT/train.ctf" \
            --model "$MODEL" --batch-per-rank "$BPR" --chunk "$BPR" --epochs "$EPOCHS" \
            --early-stop 0 --lr "$LR" -@ "$th" "${extra[@]}" -o "$OUT/$name.st" \
            --log "$OUT/$name.jsonl" 2>"$OUT/$name.err" || { tail -n 3 "$OUT/$name.err" >&2; exit 1; }
        logs+=("$OUT/$name.jsonl")
        /usr/bin/python3 - "$OUT/$name.jsonl" "$np" "$((BPR * np))" "$sc" "$th" "$TARGET" "$METRIC" <<'PY'
import json, sys
path, np_, gb, sc, th, target, metric = sys.argv[1:8]
rows = [r for r in map(json.loads, open(path)) if "header" not in r]  # epochs, not the header
hit = next((r for r in rows if r.get(metric, 0) >= float(target)), None)
upe = rows[0]["step"]
best = max(r.get(metric, 0) for r in rows)
per_epoch = rows[-1]["wall_s"] / rows[-1]["epoch"]
print(f"| {np_} | {gb} | {sc} | {th} | {upe} | {hit['epoch'] if hit else '-'} | "
      f"{hit['wall_s']:.1f} |" if hit else f"| {np_} | {gb} | {sc} | {th} | {upe} | - | not reached |",
      f" {best:.4f} | {per_epoch:.1f} |")
PY
    done
done
"$BUILD/calla" plot "${logs[@]}" -o "$OUT/tta.svg" --x both --title "time to accuracy, $MODEL" >&2
echo
echo "$MODEL, $ROWS rows (90% train), per-rank batch $BPR, lr $LR, $(nproc) cores; curves: $OUT/tta.svg"
