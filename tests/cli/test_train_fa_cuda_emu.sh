#!/usr/bin/env bash
# test_train_fa_cuda_emu.sh — `calla train --device cuda` of clair3-fa (full-alignment) models,
# through calla-cudaemu (calla linked with the emulated device: the src/cuda code run on the host,
# docs/cuda.md), on synthetic tensors (mksynth clair3-fa, 8 read rows, 400 rows, batch 40):
#  1. 2 epochs on the device against the same run on the CPU: the training loss of epoch 1
#     within relative 1e-4, of epoch 2 within 1e-2; the batch-norm running variances in the model
#     file and the checkpoint within relative L2 1e-3 of the CPU's, and > 1e-2 from their initial
#     values (so they were
#     brought back from the device; a file holding the initial statistics fails). The running
#     MEANS are not compared after several updates: the convolution biases in front of batch norm
#     get gradients that cancel to rounding noise, which Adam turns into lr-sized steps of either
#     sign, and the means follow those biases (the variances do not);
#  2. exact resume on the device: 1 epoch, then --resume for the second, ends with the
#     uninterrupted device run's parameters and statistics bit for bit;
#  3. 2 ranks under mpirun (one emulated GPU each, host-staged reduction): after one update the
#     first BN layer's running means equal the one-rank device run's within 1e-5 (the ranks'
#     statistics are averaged after each update); with CALLA_TEST_NO_BN_SYNC rank 0's own are
#     far from them (> 1e-3: the comparison can fail). Skipped without mpirun / an MPI build.
# CALLA_TEST_REAL_DEVICE=1 (bench/gpu/check.sh, which puts the CUDA calla in calla-cudaemu's
# place): part 1's bounds become those of a real GPU, whose cuBLAS sums in another order than the
# CPU. Near-ties at ReLUs and SPP maxima then resolve differently (test_cuda_fa_checks.h), Adam
# turns the differing gradients into lr-sized steps, and the two runs drift apart: on an H200 the
# epoch losses differed by 2.8e-4 and 1.9e-2 relative and the running variances by up to 8.8e-4.
# There the losses must agree within 5e-2 and the variances within 1e-2 (and still be > 1e-2 from
# their initial values); parts 2 and 3 (exact resume, averaged statistics) keep their bounds.
# The emulation's own bounds were 1e-4 for both epochs and 1e-5 for the variances, which hold on
# AMD Zen 3; on a Xeon with AVX-512 (Sapphire Rapids, OpenBLAS 0.3.21) the same drift shows in
# emulation: epoch losses 6e-5 and 4e-4 apart, variances up to 4.1e-4 (2026-12-04).
source "$(dirname "$0")/lib.sh"
LOSS_TOL=1e-4 LOSS_TOL2=1e-2 VAR_TOL=1e-3
[[ ${CALLA_TEST_REAL_DEVICE:-0} == 1 ]] && LOSS_TOL=5e-2 LOSS_TOL2=5e-2 VAR_TOL=1e-2
T=$CALLA_TOOLS
EMU=$T/calla-cudaemu
[[ -x $EMU ]] || skip "no $EMU (make test builds it)"
cd "$TMP" || exit 1
"$T/mksynth" fa.ctf clair3-fa 400 3 || fail "mksynth clair3-fa"
"$CALLA" model create --arch clair3-fa --rows 8 -o init.st 2>/dev/null || fail "model create"
args=(-i fa.ctf --arch clair3-fa --batch 40 --chunk 10 --seed 4 -@ 1)
rel_l2() { "$T/stdiff" "$1" "$2" "$3" | sed 's/.*rel_l2=\([^ ]*\).*/\1/'; }
lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a + 0 < b + 0) }'; }
gt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a + 0 > b + 0) }'; }

# --- 1. device against CPU ------------------------------------------------------------------
"$CALLA" train "${args[@]}" --epochs 2 -o cpu.st --log cpu.jsonl 2>cpu.err ||
    fail "CPU training: $(tail -n 2 cpu.err)"
"$EMU" train "${args[@]}" --epochs 2 --device cuda -o dev.st --log dev.jsonl 2>dev.err ||
    fail "device training: $(tail -n 2 dev.err)"
[[ $(grep -c '^{"epoch"' dev.jsonl) -eq 2 ]] || fail "device log: $(cat dev.jsonl)"
a=$(grep -o '"train_loss":[-0-9.e]*' cpu.jsonl | cut -d: -f2 | tr '\n' ' ')
b=$(grep -o '"train_loss":[-0-9.e]*' dev.jsonl | cut -d: -f2 | tr '\n' ' ')
awk -v a="$a" -v b="$b" -v tol1="$LOSS_TOL" -v tol2="$LOSS_TOL2" 'BEGIN { n = split(a, x, " "); m = split(b, y, " "); if (n != 2 || m != 2) exit 1;
    for (i = 1; i <= n; i++) { d = x[i] - y[i]; if (d < 0) d = -d; if (d > (i == 1 ? tol1 : tol2) * x[i]) exit 1 } }' ||
    fail "train_loss: CPU $a, device $b"
for t in conv1.bn.moving_variance res1.bn1.moving_variance res3.bn2.moving_variance; do
    for f in st st.ckpt; do
        d=$(rel_l2 cpu.$f dev.$f $t) i=$(rel_l2 init.st dev.$f $t)
        lt "$d" "$VAR_TOL" || fail "$t in dev.$f: relative L2 $d from the CPU run's"
        gt "$i" 1e-2 || fail "$t in dev.$f: relative L2 $i from the initial statistics (not brought back?)"
    done
done

# --- 2. exact resume on the device ----------------------------------------------------------
"$EMU" train "${args[@]}" --epochs 1 --device cuda -o r.st --checkpoint r.ckpt 2>r1.err ||
    fail "device epoch 1: $(tail -n 2 r1.err)"
"$EMU" train -i fa.ctf --resume r.ckpt --checkpoint r.ckpt --epochs 2 --device cuda -@ 1 -o r.st \
    2>r2.err || fail "device resume: $(tail -n 2 r2.err)"
s=$("$T/stdiff" dev.st.ckpt r.ckpt)
[[ $s == max_abs=0\ * ]] || fail "resumed device run differs from the uninterrupted one: $s"

# --- 3. two ranks ---------------------------------------------------------------------------
if command -v mpirun >/dev/null && "$CALLA" --version | grep -q '^mpi: yes'; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1
    unset CALLA_DIST_BACKEND
    MPIRUN=(mpirun --oversubscribe --allow-run-as-root)
    if "${MPIRUN[@]}" -np 2 true >/dev/null 2>&1; then
        one=("${args[@]}" --epochs 1 --max-steps 1 --device cuda)
        "$EMU" train "${one[@]}" -o m1.st --checkpoint m1.ckpt 2>m1.err || fail "1 rank: $(tail -n 2 m1.err)"
        "${MPIRUN[@]}" -np 2 "$EMU" train "${one[@]}" -o m2.st --checkpoint m2.ckpt 2>m2.err ||
            fail "2 device ranks: $(tail -n 2 m2.err)"
        CALLA_TEST_NO_BN_SYNC=1 "${MPIRUN[@]}" -np 2 "$EMU" train "${one[@]}" -o m3.st \
            --checkpoint m3.ckpt 2>m3.err || fail "2 device ranks, no sync: $(tail -n 2 m3.err)"
        d2=$(rel_l2 m1.ckpt m2.ckpt conv1.bn.moving_mean) d3=$(rel_l2 m1.ckpt m3.ckpt conv1.bn.moving_mean)
        echo "conv1.bn.moving_mean vs 1 device rank: averaged $d2, rank 0's own $d3"
        lt "$d2" 1e-5 || fail "2 device ranks: averaged running means differ by $d2"
        gt "$d3" 1e-3 || fail "2 device ranks: rank 0's own running means as close ($d3)"
    else
        echo "mpirun -np 2 cannot start here: part 3 skipped"
    fi
else
    echo "no mpirun or no MPI build: part 3 skipped"
fi
done_test
