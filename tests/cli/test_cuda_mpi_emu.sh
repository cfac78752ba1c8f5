#!/usr/bin/env bash
# test_cuda_mpi_emu.sh — `mpirun -np N calla train --device cuda` (one GPU per rank, docs/cuda.md
# "Several GPUs") run through calla-cudaemu, calla linked with the emulated device: the device
# gradient buffer is reduced by the host-staged MPI backend (DIST_STAGED) with the CUDA
# backend's copy hooks (memcpy in emulation; cudaMemcpy on the model's stream on a GPU), buckets
# started from the device backward's finished ranges. Clair3, global batch 40 in chunks of 10,
# 6 updates per epoch (300 rows: 26 training chunks), --bucket-size 300000 (7 buckets), 1 thread per rank.
#  1. equivalence: device on 1 (plain and under mpirun -np 1) and 2 ranks, with --zero 1 on 2
#     and 3 ranks (3 ranks: 13/13/14 rows, uneven shards), CPU on 1 and 2 ranks. Tolerance = test_train_mpi.sh's (docs/distributed.md): parameters within relative
#     L2 1e-3 and largest element 2 x lr x updates (rank partial sums and the device's LSTM/GEMM
#     summation order change the last bits of a gradient; Adam's first updates are lr x sign(g),
#     so a near-cancelling gradient whose sign rounding decides moves one element by 2 x lr);
#     validation F1/precision/recall/accuracies within 2/n_val, validation loss within 1%; and the
#     checkpoints' Adam moments within relative L2 1e-3 of the CPU run's (m is linear in the
#     gradient, so a gradient not weighted by the rank's share or not reduced shows there).
#     Exact where the arithmetic is the same: mpirun -np 1 = the plain device run (bit for
#     bit), and --zero 1 on 2 ranks = the unsharded 2-rank device run (a + b = b + a; the shard's
#     optimizer is element-wise), checkpoint with optimizer state included.
#  2. dropout on: 2 device ranks draw the one-process CPU run's masks (rows keyed by their place
#     in the global batch), so they stay within the same tolerance of it; the 2-rank run without
#     dropout is far outside it (relative L2 > 1e-2: the comparison can fail);
#  3. checkpoints: a 2-rank ZeRO-1 device run stopped mid-epoch 2 (--max-steps 7) and resumed on
#     2 device ranks unsharded ends bit-identical to the uninterrupted 2-rank device run; the
#     same checkpoint resumed by the CPU trainer on 3 ranks, and on 3 device ranks with ZeRO-1,
#     ends within the tolerance of it;
#  4. rank 0 alone logs; --device cuda:1 on 2 ranks is refused with one line.
# Skips (77) without mpirun, an MPI build or calla-cudaemu.
source "$(dirname "$0")/lib.sh"
need mpirun
$CALLA --version | grep -q '^mpi: yes' || skip "calla built without MPI"
# CALLA_CUDA_BIN=build/calla runs the same checks on real GPUs (one per rank; backend nccl or,
# with CALLA_DIST_BACKEND=staged, mpi-staged).
EMU=${CALLA_CUDA_BIN:-$CALLA_TOOLS/calla-cudaemu}
BACKEND=mpi-staged
[[ -n ${CALLA_CUDA_BIN:-} ]] && BACKEND='(mpi-staged|nccl)'
[[ -x $EMU ]] || skip "no $EMU (make test builds it)"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1
[[ -z ${CALLA_CUDA_BIN:-} ]] && unset CALLA_DIST_BACKEND
MPIRUN=(mpirun --oversubscribe --allow-run-as-root)
"${MPIRUN[@]}" -np 2 true >/dev/null 2>&1 || skip "mpirun -np 2 cannot start here"
T=$CALLA_TOOLS
cd "$TMP" || exit 1
"$T/mksynth" c3.ctf clair3-pileup 300 7 || fail "mksynth clair3"

# run BIN NP OUT [extra...]: NP 0 = no mpirun at all
DROP=--no-dropout
run() {
    local bin=$1 np=$2 out=$3 launch=("${MPIRUN[@]}" -np "$2"); shift 3
    [[ $np == 0 ]] && launch=()
    "${launch[@]}" "$bin" train -i c3.ctf --model clair3-pileup --chunk 10 --batch 40 --epochs 1 \
        $DROP -@ 1 --bucket-size 300000 -o "$out.st" --log "$out.jsonl" "$@" 2>"$out.err" ||
        { fail "train $out (-np $np $*): $(tail -n 3 "$out.err")"; return 1; }
}
key() { grep -o "\"$2\":[^,}]*" "$1" | tail -n 1 | cut -d: -f2; }
within() {  # A B LIMIT: parameters (not optimizer state) within the tolerance
    local r; r=$("$T/stdiff" "$1" "$2" -optim.) || { fail "stdiff $1 $2"; return; }
    awk -v r="$r" -v lim="$3" 'BEGIN { split(r, f, /[ =]/); if (!(f[6] < 1e-3 && f[2] < lim)) exit 1 }' ||
        fail "$1 vs $2 outside tolerance: $r"
    echo "$1 vs $2: ${r%% worst*}"
}
same() {  # A B: every tensor bit-identical
    local r; r=$("$T/stdiff" "$1" "$2") || { fail "stdiff $1 $2"; return; }
    [[ $r == max_abs=0\ * ]] || fail "$1 vs $2 not identical: $r"
    echo "$1 vs $2: identical"
}
moments() {  # CKPT1 CKPT2: Adam's moments within relative L2 1e-3 (m is linear in the gradient:
    # a mis-scaled or unreduced gradient shows here, where Adam's scale-free update hides it)
    local r; r=$("$T/stdiff" "$1" "$2" optim.) || { fail "stdiff $1 $2 optim."; return; }
    awk -v r="$r" 'BEGIN { split(r, f, /[ =]/); if (!(f[6] < 1e-3)) exit 1 }' ||
        fail "$1 vs $2: optimizer moments differ: $r"
    echo "$1 vs $2 moments: ${r%% worst*}"
}
same_val() {  # LOG1 LOG2 N_VAL
    local k
    [[ -n $(key "$1" step) && $(key "$1" step) == "$(key "$2" step)" ]] || fail "step: $1 vs $2"
    for k in val_f1 val_genotype_f1 val_precision val_recall val_acc_gt21 val_acc_zygosity; do
        awk -v a="$(key "$1" $k)" -v b="$(key "$2" $k)" -v n="$3" \
            'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && d <= 2.0 / n) }' ||
            fail "$k: $1 $(key "$1" $k) vs $2 $(key "$2" $k)"
    done
    awk -v a="$(key "$1" val_loss)" -v b="$(key "$2" val_loss)" \
        'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && d <= 1e-2 * (a < 0 ? -a : a)) }' ||
        fail "val_loss: $1 $(key "$1" val_loss) vs $2 $(key "$2" val_loss)"
}

# --- 1. equivalence -------------------------------------------------------------------------
run "$CALLA" 0 c1
run "$CALLA" 2 c2
run "$EMU" 0 d1 --device cuda
run "$EMU" 1 dm1 --device cuda
run "$EMU" 2 d2 --device cuda
run "$EMU" 2 z2 --device cuda --zero 1
run "$EMU" 3 z3 --device cuda --zero 1
for f in d2 z2 z3; do  # the device path and the staged reducer were used
    grep -Eq "GPU per rank, $BACKEND" $f.err || fail "$f: no 'GPU per rank, $BACKEND' line: $(head -n 3 $f.err)"
done
grep -q 'ZeRO-1: .* shard of 690752 parameters' z3.err || fail "3-rank shard message: $(cat z3.err)"
nval=$(sed -n 's/.* \([0-9]*\) validation rows.*/\1/p' c1.err | head -n 1)
[[ $nval -gt 0 ]] || fail "no validation row count in c1.err"
lim=$(awk -v s="$(key c1.jsonl step)" 'BEGIN { print 2 * s * 1e-3 }')
same d1.st dm1.st; same d1.st.ckpt dm1.st.ckpt
for x in d1 d2 z3; do within c1.st $x.st "$lim"; same_val c1.jsonl $x.jsonl "${nval:-40}"; done
within c2.st d2.st "$lim"; same_val c2.jsonl d2.jsonl "${nval:-40}"
for x in d2 z3; do moments c1.st.ckpt $x.st.ckpt; done
within d1.st d2.st "$lim"
same d2.st.ckpt z2.st.ckpt
[[ $(key d2.jsonl val_loss) == "$(key z2.jsonl val_loss)" ]] || fail "val_loss d2 vs z2"
for f in d2 z3; do [[ $(grep -c "\"epoch\"" $f.jsonl) -eq 1 ]] || fail "$f.jsonl: $(wc -l <$f.jsonl) lines"; done

# --- 2. dropout on --------------------------------------------------------------------------
DROP=
run "$CALLA" 0 cdrop
run "$EMU" 2 ddrop --device cuda
within cdrop.st ddrop.st "$lim"; same_val cdrop.jsonl ddrop.jsonl "${nval:-40}"
# the comparison can fail: the same run without dropout is far outside the tolerance
r=$("$T/stdiff" d2.st ddrop.st -optim.)
awk -v r="$r" 'BEGIN { split(r, f, /[ =]/); exit !(f[6] > 1e-2) }' || fail "dropout on vs off too close: $r"
DROP=--no-dropout

# --- 3. checkpoints -------------------------------------------------------------------------
run "$EMU" 2 e2 --device cuda --epochs 2
run "$EMU" 2 m --device cuda --epochs 2 --zero 1 --max-steps 7
[[ $(key m.jsonl step) == 6 ]] || fail "max-steps run: $(cat m.err)"  # epoch 1 = 6 updates
cp m.st.ckpt m0.ckpt; cp m.st.ckpt m1.ckpt
r=$("$T/stdiff" m0.ckpt e2.st.ckpt)
[[ $r != max_abs=0\ * ]] || fail "mid-epoch and final checkpoints identical: $r"
run "$EMU" 2 mres --device cuda --resume m.st.ckpt --checkpoint m.st.ckpt --epochs 2
same e2.st.ckpt m.st.ckpt
lim2=$(awk -v s="$(key e2.jsonl step)" 'BEGIN { print 2 * s * 1e-3 }')
run "$CALLA" 3 cres --resume m0.ckpt --checkpoint m0.ckpt --epochs 2
within e2.st.ckpt m0.ckpt "$lim2"
run "$EMU" 3 zres --device cuda --zero 1 --resume m1.ckpt --checkpoint m1.ckpt --epochs 2
within e2.st.ckpt m1.ckpt "$lim2"

# --- 4. usage -------------------------------------------------------------------------------
"${MPIRUN[@]}" -np 2 "$EMU" train -i c3.ctf --model clair3-pileup --batch 40 -o x.st \
    --device cuda:1 2>x.err && fail "--device cuda:1 on 2 ranks accepted"
# (a machine with one GPU, as the emulation, refuses cuda:1 before the ranks even start)
grep -Eq 'names one GPU|CUDA device 1 requested' x.err || fail "--device cuda:1 on 2 ranks: $(cat x.err)"
[[ ! -e x.st ]] || fail "x.st written"
done_test
