#!/usr/bin/env bash
# bench/mpi/run.sh — data-parallel training throughput of `calla train` under MPI against PyTorch
# DDP (gloo) training the same architecture with the same global batch, on the same machine, in
# one run. Strong scaling: the global batch is fixed, each rank takes GLOBAL/N rows of it.
# For each N in NPS: calla with `mpirun -np N ... -@ T` and torch-ddp with N processes of T
# threads (T = THREADS, default 1 thread per rank), then one row with a single process using all
# CORES threads (what the machine gives without ranks).
# Prints a markdown table: samples/s and scaling efficiency S(N) / (N x S(1)) for each, and for
# calla also "independent": N separate one-process trainers run at the same time, each on GLOBAL/N
# rows per update (the same work per process, no communication); S(N ranks) / S(independent) is
# the efficiency of the MPI layer itself, which stays meaningful on a machine shared with other
# load, where S(1) x N is not available.
#   bash bench/mpi/run.sh                                  # this 2-core machine: NPS="1 2"
#   CORES=16 NPS="1 2 4 8 16" bash bench/mpi/run.sh        # the 16-core host
# Env: BUILD (build), MODELS ("clairvoyante clair3-pileup"), GLOBAL (256), STEPS (6 timed
# updates), THREADS (1), CORES (nproc), REPS (best of 2 runs per cell: the figures are maxima, to
# damp other load on a shared machine), PY (/usr/bin/python3 with Debian's python3-torch).
# calla's figure is the `samples_per_s` of its JSONL log: the epoch's training throughput
# (updates only, validation off), which includes the first update; torch-ddp times STEPS updates
# after 2 warm-up updates. Not part of `make test`.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
MODELS=${MODELS:-"clairvoyante clair3-pileup"}
GLOBAL=${GLOBAL:-256}
STEPS=${STEPS:-6}
THREADS=${THREADS:-1}
CORES=${CORES:-$(nproc)}
NPS=${NPS:-"1 2"}
REPS=${REPS:-2}
PY=${PY:-/usr/bin/python3}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OPENBLAS_NUM_THREADS=1
make -s BUILD="$BUILD" -j2 "$BUILD/calla" "$BUILD/tools/mksynth" >&2
"$BUILD/calla" --version | grep -q '^mpi: yes' || { echo "calla built without MPI" >&2; exit 1; }
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
CHUNK=16
# rows for exactly STEPS+1 batches of GLOBAL in one epoch (no validation; one chunk held back)
ROWS=$(( (STEPS + 1) * GLOBAL + 2 * CHUNK ))

best() {  # FN ARGS...: the largest of REPS measurements
    local b=0 v
    for ((i = 0; i < REPS; i++)); do
        v=$("$@") || return 1
        b=$(awk -v a="$b" -v v="$v" 'BEGIN { print (v > a ? v : a) }')
    done
    echo "$b"
}
calla_sps() {  # MODEL NP THREADS
    local launch=(mpirun --oversubscribe -np "$2" --bind-to none)
    "${launch[@]}" "$BUILD/calla" train -i "$W/$1.ctf" --model "$1" --global-batch "$GLOBAL" \
        --chunk "$CHUNK" --val-fraction 0 --epochs 1 -@ "$3" -o "$W/m.st" --log "$W/log.jsonl" \
        2>"$W/err" || { cat "$W/err" >&2; return 1; }
    grep -o '"samples_per_s":[0-9.]*' "$W/log.jsonl" | tail -n 1 | cut -d: -f2
}
calla_indep() {  # MODEL NP THREADS: summed samples/s of NP concurrent one-process runs
    local pids=() i tot=0
    [[ -f $W/$1.$2.ctf ]] || "$BUILD/tools/mksynth" "$W/$1.$2.ctf" "$1" $(( (STEPS + 1) * GLOBAL / $2 + 2 * CHUNK )) 3
    for ((i = 0; i < $2; i++)); do
        "$BUILD/calla" train -i "$W/$1.$2.ctf" --model "$1" --global-batch $((GLOBAL / $2)) \
            --chunk "$CHUNK" --val-fraction 0 --epochs 1 -@ "$3" -o "$W/i$i.st" --log "$W/i$i.jsonl" \
            2>"$W/i$i.err" &
        pids+=($!)
    done
    for i in "${pids[@]}"; do wait "$i" || return 1; done
    for ((i = 0; i < $2; i++)); do
        tot=$(awk -v t="$tot" -v v="$(grep -o '"samples_per_s":[0-9.]*' "$W/i$i.jsonl" | cut -d: -f2)" 'BEGIN { print t + v }')
    done
    echo "$tot"
}
torch_sps() {  # MODEL NP THREADS
    OMP_NUM_THREADS=$3 "$PY" bench/mpi/ddp_train.py "$1" "$2" "$3" "$GLOBAL" "$STEPS" \
        $((29500 + RANDOM % 400)) 2>"$W/terr" | awk '{print $6}' || { cat "$W/terr" >&2; return 1; }
}

echo "| model | ranks x threads | calla samples/s | calla efficiency | calla independent samples/s | calla MPI efficiency | torch-ddp samples/s | torch-ddp efficiency | calla / torch |"
echo "|---|---|---|---|---|---|---|---|---|"
for m in $MODELS; do
    "$BUILD/tools/mksynth" "$W/$m.ctf" "$m" "$ROWS" 3
    c1= t1=
    for np in $NPS; do
        c=$(best calla_sps "$m" "$np" "$THREADS")
        t=$(best torch_sps "$m" "$np" "$THREADS")
        ind=$c; [[ $np -gt 1 ]] && ind=$(best calla_indep "$m" "$np" "$THREADS")
        [[ -z $c1 ]] && c1=$c t1=$t
        awk -v m="$m" -v n="$np" -v th="$THREADS" -v c="$c" -v t="$t" -v c1="$c1" -v t1="$t1" -v ind="$ind" \
            'BEGIN { printf "| %s | %d x %d | %.1f | %.2f | %.1f | %.2f | %.1f | %.2f | %.2f |\n", m, n, th, c,
                     c / (n * c1), ind, c / ind, t, t / (n * t1), c / t }'
    done
    if [[ $CORES -gt $THREADS ]]; then
        c=$(best calla_sps "$m" 1 "$CORES")
        t=$(best torch_sps "$m" 1 "$CORES")
        awk -v m="$m" -v th="$CORES" -v c="$c" -v t="$t" \
            'BEGIN { printf "| %s | 1 x %d | %.1f | | | | %.1f | | %.2f |\n", m, th, c, t, c / t }'
    fi
done
echo
echo "global batch $GLOBAL, $STEPS timed updates, best of $REPS; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%d)"
