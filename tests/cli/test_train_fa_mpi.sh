#!/usr/bin/env bash
# calla train of clair3-fa (full-alignment) models over MPI (docs/distributed.md, "Batch norm"),
# on synthetic tensors (tests/tools/mksynth clair3-fa, 8 read rows):
#  1. batch-norm running statistics are averaged over the ranks after every update: after one
#     update of a global batch of 40 the running means of the first BN layer (whose input does not
#     depend on the other ranks) equal the one-process run's (the mean of the two halves' means
#     is the mean of the batch), within float rounding; without the averaging
#     (CALLA_TEST_NO_BN_SYNC) rank 0's are far from them (the comparison can fail);
#  2. whole epochs on 2 ranks: parameters and BN statistics stay identical on both ranks (the
#     trainer compares their hash after every epoch and stops the job otherwise; without the
#     averaging it does stop it, naming the rank), the log has every epoch with validation metrics;
#  3. a 2-rank checkpoint resumes on 1 rank;
#  4. --device cuda without a GPU is a one-line error leaving no output (training clair3-fa on
#     the device: test_train_fa_cuda_emu.sh).
source "$(dirname "$0")/lib.sh"
T=$CALLA_TOOLS
cd "$TMP" || exit 1
"$T/mksynth" fa.ctf clair3-fa 400 3 || fail "mksynth clair3-fa"

# --- 4. --device cuda (no MPI needed) ---------------------------------------------------------
expect_fail 1 'cuda|CUDA|GPU' "$CALLA" train -i fa.ctf -o d.st --device cuda -@ 1
[[ ! -e d.st && ! -e d.st.ckpt ]] || fail "a refused --device cuda run left output"

need mpirun
$CALLA --version | grep -q '^mpi: yes' || skip "calla built without MPI"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1
MPIRUN=(mpirun --oversubscribe --allow-run-as-root)
"${MPIRUN[@]}" -np 2 true >/dev/null 2>&1 || skip "mpirun -np 2 cannot start here"

# train NP OUT [extra...]: global batch 40 in chunks of 10, 1 thread per rank
train() {
    local np=$1 out=$2 launch=("${MPIRUN[@]}" -np "$1"); shift 2
    [[ $np == 1 ]] && launch=()
    "${launch[@]}" "$CALLA" train -i fa.ctf --arch clair3-fa --batch 40 --chunk 10 -@ 1 \
        -o "$out.st" --checkpoint "$out.ckpt" --log "$out.jsonl" "$@" 2>"$out.err"
}
rel_l2() { "$T/stdiff" "$1" "$2" "$3" | sed 's/.*rel_l2=\([^ ]*\).*/\1/'; }

# --- 1. one update --------------------------------------------------------------------------
train 1 s1 --epochs 1 --max-steps 1 || fail "1 rank: $(tail -n 2 s1.err)"
train 2 s2 --epochs 1 --max-steps 1 || fail "2 ranks: $(tail -n 2 s2.err)"
CALLA_TEST_NO_BN_SYNC=1 train 2 s3 --epochs 1 --max-steps 1 || fail "2 ranks, no sync: $(tail -n 2 s3.err)"
d2=$(rel_l2 s1.ckpt s2.ckpt conv1.bn.moving_mean) d3=$(rel_l2 s1.ckpt s3.ckpt conv1.bn.moving_mean)
echo "conv1.bn.moving_mean vs 1 rank: averaged $d2, rank 0's own $d3"
awk -v a="$d2" 'BEGIN { exit !(a != "" && a < 1e-5) }' || fail "averaged running means differ: $d2"
awk -v a="$d3" 'BEGIN { exit !(a != "" && a > 1e-3) }' || fail "rank 0's own means as close: $d3"

# --- 2. whole epochs ------------------------------------------------------------------------
# 400 rows, chunk 10: 39 chunks, 35 train, 1 room, rows 360..399 validate (40); 8 updates/epoch
train 2 e2 --epochs 2 || fail "2 ranks, 2 epochs: $(tail -n 2 e2.err)"
[[ $(grep -c '^{"epoch"' e2.jsonl) -eq 2 ]] || fail "log: $(cat e2.jsonl)"
grep -q '"val_acc_zygosity":' e2.jsonl || fail "no validation metrics: $(tail -n 1 e2.jsonl)"
grep -q '2 ranks x 20 rows' e2.err || fail "split message: $(cat e2.err)"
CALLA_TEST_NO_BN_SYNC=1 train 2 n2 --epochs 1 && fail "ranks with their own BN statistics passed"
grep -q 'rank 1/2\] parameters after epoch 1 differ from rank 0' n2.err ||
    fail "no identity error: $(tail -n 3 n2.err)"

# --- 3. resume on 1 rank --------------------------------------------------------------------
cp s2.ckpt r.ckpt
"$CALLA" train -i fa.ctf --resume r.ckpt --checkpoint r.ckpt -@ 1 -o r.st --log r.jsonl 2>r.err ||
    fail "resume on 1 rank: $(tail -n 2 r.err)"
[[ $(grep -c '^{"epoch"' r.jsonl) -eq 1 ]] || fail "resume log: $(cat r.jsonl)"
done_test
