#!/usr/bin/env bash
# calla train over MPI (docs/distributed.md), on synthetic tensors (tests/tools/mksynth):
#  1. equivalence: the plain trainer and 2, 3 (Clair3) or 2, 4 (Clairvoyante) ranks with the same
#     global batch and seed (dropout off, and Clair3 with dropout on) give the same parameters after one epoch within the
#     stated tolerance (relative L2 difference < 1e-3, largest element difference < 2 x lr x
#     steps, Adam's bound for a gradient whose sign is decided by rounding; docs/distributed.md)
#     and the same validation metrics (accuracy, precision, recall, F1 within two validation
#     samples' worth, 2/n_val; validation loss within 1% relative), for Clair3 (mean loss: rank
#     gradients weighted by their share; 3 ranks split 40 rows 13/13/14) and Clairvoyante (sum
#     loss); a run with another seed is far outside the tolerance (the comparison can fail);
#  2. --batch-per-rank N on 2 ranks = --global-batch 2N; rank 0 alone writes the log;
#  3. failures: a rank that meets bad data, is killed, or hangs stops the whole job within a bound
#     with a message naming the rank, and the last checkpoint stays byte-identical;
#  4. resume with another rank count (2 -> 4 and 2 -> 1) ends where a 1-rank run does.
source "$(dirname "$0")/lib.sh"
need mpirun
$CALLA --version | grep -q '^mpi: yes' || skip "calla built without MPI"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1
MPIRUN=(mpirun --oversubscribe --allow-run-as-root)
# Open MPI refuses to start when no slots/host can be found in some containers: probe once.
"${MPIRUN[@]}" -np 2 true >/dev/null 2>&1 || skip "mpirun -np 2 cannot start here"
T=$CALLA_TOOLS
cd "$TMP" || exit 1
"$T/mksynth" c3.ctf clair3-pileup 300 7 || fail "mksynth clair3"
"$T/mksynth" cv.ctf clairvoyante 600 5 || fail "mksynth clairvoyante"

# train NP ARCH INPUT OUT [extra...]: one epoch, global batch 40 in chunks of 10, 1 thread/rank;
# dropout off unless DROP is emptied.
DROP=--no-dropout
train() {
    local np=$1 arch=$2 in=$3 out=$4 launch=("${MPIRUN[@]}" -np "$1"); shift 4
    [[ $np == 1 ]] && launch=()  # one rank: the plain single-process trainer
    "${launch[@]}" "$CALLA" train -i "$in" --model "$arch" --chunk 10 --epochs 1 \
        $DROP -@ 1 -o "$out.safetensors" --log "$out.jsonl" "$@" 2>"$out.err" ||
        { fail "train -np $np $arch $*: $(tail -n 3 "$out.err")"; return 1; }
}
key() { grep -o "\"$2\":[^,}]*" "$1" | tail -n 1 | cut -d: -f2; }
# within A B: parameters of two model files within the tolerance (steps x lr for one element).
within() {
    local r; r=$("$T/stdiff" "$1" "$2" -optim.) || { fail "stdiff $1 $2"; return; }
    awk -v r="$r" -v lim="$3" 'BEGIN { split(r, f, /[ =]/); # max_abs, max_rel, rel_l2
        if (!(f[6] < 1e-3 && f[2] < lim)) exit 1 }' || fail "$1 vs $2 outside tolerance: $r"
    echo "$1 vs $2: $r"
}
# same_val LOG1 LOG2 N_VAL
same_val() {
    local k
    [[ $(key "$1" step) == "$(key "$2" step)" ]] || fail "step differs: $1 vs $2"
    # every head's accuracy too (Clairvoyante's variant F1 can be 0 after one epoch on both
    # sides; its head accuracies are not)
    for k in val_f1 val_genotype_f1 val_precision val_recall val_acc_zygosity val_acc_gt21 \
        val_acc_base_change val_acc_variant_type val_acc_indel_length; do
        [[ $k == val_acc_* && -z $(key "$1" $k) ]] && continue  # head absent from this model
        awk -v a="$(key "$1" $k)" -v b="$(key "$2" $k)" -v n="$3" \
            'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && d <= 2.0 / n) }' ||
            fail "$k differs: $1 $(key "$1" $k) vs $2 $(key "$2" $k)"
    done
    awk -v a="$(key "$1" val_loss)" -v b="$(key "$2" val_loss)" \
        'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && d <= 1e-2 * (a < 0 ? -a : a)) }' ||
        fail "val_loss $1 $(key "$1" val_loss) vs $2 $(key "$2" val_loss)"
    echo "$1 vs $2: val_f1 $(key "$1" val_f1) / $(key "$2" val_f1), val_loss $(key "$1" val_loss) / $(key "$2" val_loss), acc_variant_type $(key "$1" val_acc_variant_type) / $(key "$2" val_acc_variant_type)"
}

# --- 1. equivalence -------------------------------------------------------------------------
for np in 1 2 3; do train $np clair3-pileup c3.ctf c3_$np --batch 40; done
steps=$(key c3_1.jsonl step)
[[ $steps -ge 5 ]] || fail "clair3 epoch has $steps steps"
lim=$(awk -v s="$steps" 'BEGIN { print 2 * s * 1e-3 }')
# 300 rows, chunk 10: 29 chunks, 22 train, 4 buffer, rows 260..299 validate (40)
for np in 2 3; do within c3_1.safetensors c3_$np.safetensors "$lim"; same_val c3_1.jsonl c3_$np.jsonl 40; done
grep -q '3 ranks x 14 rows of each global batch of 40' c3_3.err || fail "3-rank split message: $(cat c3_3.err)"
for np in 1 2 4; do train $np clairvoyante cv.ctf cv_$np --batch 40; done
lim=$(awk -v s="$(key cv_1.jsonl step)" 'BEGIN { print 2 * s * 1e-3 }')
# 600 rows: 59 chunks, 49 train, 4 buffer, rows 530..599 validate (70)
for np in 2 4; do within cv_1.safetensors cv_$np.safetensors "$lim"; same_val cv_1.jsonl cv_$np.jsonl 70; done
# With dropout on: masks are drawn per row from (step seed, layer, row of the global batch), so
# each rank draws the masks the one-process run draws for the same rows; same tolerance.
DROP=
for np in 1 2; do train $np clair3-pileup c3.ctf c3d_$np --batch 40; done
lim=$(awk -v s="$(key c3d_1.jsonl step)" 'BEGIN { print 2 * s * 1e-3 }')
within c3d_1.safetensors c3d_2.safetensors "$lim"; same_val c3d_1.jsonl c3d_2.jsonl 40
# (and dropout does change the result: the dropout-off run is elsewhere)
r=$("$T/stdiff" c3_1.safetensors c3d_1.safetensors -optim.)
awk -v r="$r" 'BEGIN { split(r, f, /[ =]/); exit !(f[6] > 1e-4) }' || fail "dropout had no effect: $r"
DROP=--no-dropout
# The comparison discriminates: another seed is far away.
train 1 clairvoyante cv.ctf cv_seed --batch 40 --seed 9
r=$("$T/stdiff" cv_1.safetensors cv_seed.safetensors -optim.)
awk -v r="$r" 'BEGIN { split(r, f, /[ =]/); exit !(f[6] > 1e-2) }' || fail "other seed within tolerance: $r"

# --- 2. --batch-per-rank; only rank 0 logs --------------------------------------------------
train 2 clairvoyante cv.ctf cv_bpr --batch-per-rank 20
within cv_2.safetensors cv_bpr.safetensors 1e-9
[[ $(grep -c "^{\"epoch\"" cv_bpr.jsonl) -eq 1 && $(wc -l <cv_bpr.jsonl) -eq 2 ]] || fail "log has $(wc -l <cv_bpr.jsonl) lines, want header + 1 epoch (ranks writing twice?)"
[[ $(grep -c 'rank 1/2' cv_bpr.err) -eq 0 ]] || fail "rank 1 printed progress: $(cat cv_bpr.err)"
"$CALLA" train -i cv.ctf --model clairvoyante -o x.st --batch 40 --batch-per-rank 20 2>x.err
[[ $? -eq 2 ]] && grep -q 'exclude each other' x.err || fail "--batch with --batch-per-rank: $(head -n 1 x.err)"

# --- 3. failures ----------------------------------------------------------------------------
cp cv_2.safetensors.ckpt good.ckpt
for mode in error kill hang; do
    cp good.ckpt f.ckpt
    t0=$SECONDS
    CALLA_TEST_FAIL_RANK=1 CALLA_TEST_FAIL_AT_STEP=$(($(key cv_1.jsonl step) + 3)) \
        CALLA_TEST_FAIL_MODE=$mode timeout 90 "${MPIRUN[@]}" -np 2 "$CALLA" train -i cv.ctf \
        --resume f.ckpt --checkpoint f.ckpt --epochs 2 -@ 1 -o f.safetensors --mpi-timeout 2 \
        2>f_$mode.err
    rc=$? dt=$((SECONDS - t0))
    [[ $rc -ne 0 && $rc -ne 124 ]] || fail "$mode: exit $rc"
    [[ $dt -lt 60 ]] || fail "$mode: took $dt s"
    cmp -s good.ckpt f.ckpt || fail "$mode: checkpoint changed"
    "$T/stdiff" good.ckpt f.ckpt >/dev/null || fail "$mode: checkpoint unreadable"
    echo "$mode: exit $rc after $dt s"
done
grep -q 'calla train rank 1/2\] bad training record at step' f_error.err || fail "error: $(cat f_error.err)"
grep -q 'aborting all 2 ranks' f_error.err || fail "error: no abort line"
grep -Eq 'rank 1 .*(exited on signal 9|Killed)' f_kill.err || fail "kill: $(cat f_kill.err)"
grep -q 'rank 0/2\] .*no answer from the other ranks after 2 s' f_hang.err || fail "hang: $(cat f_hang.err)"

# --- 4. resume with another number of ranks -------------------------------------------------
train 1 clairvoyante cv.ctf cv_e2 --batch 40 --epochs 2
lim=$(awk -v s="$(key cv_e2.jsonl step)" 'BEGIN { print 2 * s * 1e-3 }')
for np in 4 1; do
    cp good.ckpt r$np.ckpt
    launch=("${MPIRUN[@]}" -np $np); [[ $np == 1 ]] && launch=()
    "${launch[@]}" "$CALLA" train -i cv.ctf --resume r$np.ckpt --checkpoint r$np.ckpt \
        --epochs 2 -@ 1 --no-dropout -o r$np.safetensors --log r$np.jsonl 2>r$np.err ||
        fail "resume -np $np: $(tail -n 3 r$np.err)"
    [[ $(key r$np.jsonl epoch) == 2 ]] || fail "resume -np $np did not reach epoch 2"
    within r$np.ckpt cv_e2.safetensors.ckpt "$lim"
    same_val cv_e2.jsonl r$np.jsonl 70
done
done_test
