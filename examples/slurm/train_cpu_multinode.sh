#!/usr/bin/env bash
# examples/slurm/train_cpu_multinode.sh — data-parallel `calla train` on CPU nodes: one MPI rank
# per socket, the socket's cores as OpenMP/BLAS threads of that rank (-@), gradients averaged with
# MPI all-reduce (docs/distributed.md). Submit from the calla checkout:
#   sbatch examples/slurm/train_cpu_multinode.sh train1.ctf train2.ctf ...
# Needs calla built with MPI (`make`; `build/calla --version` says "mpi: yes"), the same Open MPI
# on all nodes, and the tensor files and output directory on a file system all nodes share (each
# rank memory-maps the inputs; rank 0 writes the log, the model and the checkpoints).
#SBATCH --job-name=calla-train
#SBATCH --nodes=4
#SBATCH --ntasks-per-node=2          # one rank per socket
#SBATCH --cpus-per-task=16           # cores per socket
#SBATCH --mem=0
#SBATCH --time=24:00:00
#SBATCH --output=calla-train-%j.log
set -euo pipefail
CALLA=${CALLA:-build/calla}
OUT=${OUT:-runs/$SLURM_JOB_ID}
mkdir -p "$OUT"
export OMP_NUM_THREADS=$SLURM_CPUS_PER_TASK OMP_PROC_BIND=close OMP_PLACES=cores
export OPENBLAS_NUM_THREADS=1
RANKS=$((SLURM_NNODES * SLURM_NTASKS_PER_NODE))
# Clair3 recipe with a fixed per-rank batch of 2000 (global batch 2000 x RANKS), the learning
# rate scaled linearly with the global batch and warmed up over the first 1000 updates (Goyal et
# al. 2017). For results identical to a one-process run, use --global-batch 2000 instead and
# drop the scaling options.
# srun starts the ranks through PMIx; with a Slurm built without PMIx use
#   mpirun -np $RANKS --map-by ppr:1:socket:PE=$SLURM_CPUS_PER_TASK --bind-to core ...
ARGS=(train -i "$@" --model clair3-pileup --batch-per-rank 2000 --lr-scaling linear
      --lr-base-batch 2000 --lr-scale-warmup 1000 -@ "$SLURM_CPUS_PER_TASK"
      -o "$OUT/model.safetensors" --log "$OUT/train.jsonl" --mpi-timeout 900)
# Resume after a failure or a time limit, with any number of ranks: the checkpoint holds the
# global batch, the data order and the optimizer state.
[[ -f $OUT/model.safetensors.ckpt ]] && ARGS+=(--resume "$OUT/model.safetensors.ckpt")
srun --mpi=pmix --cpu-bind=cores "$CALLA" "${ARGS[@]}"
