#!/usr/bin/env bash
# examples/slurm/train_gpu.sh — data-parallel `calla train` on GPU nodes: one MPI rank per GPU
# (the CUDA backend of the GPU issues picks the GPU from the node-local rank,
# OMPI_COMM_WORLD_LOCAL_RANK / SLURM_LOCALID), a few CPU cores per rank for data loading (-@).
# The MPI part is the same as on CPUs (docs/distributed.md); this script is ready for the GPU
# build (`make` with nvcc present; `calla --version` says "cuda: yes") and was not run here.
#   sbatch examples/slurm/train_gpu.sh train1.ctf train2.ctf ...
#SBATCH --job-name=calla-train-gpu
#SBATCH --nodes=2
#SBATCH --ntasks-per-node=4
#SBATCH --gpus-per-node=4
#SBATCH --cpus-per-task=4
#SBATCH --mem=0
#SBATCH --time=12:00:00
#SBATCH --output=calla-train-gpu-%j.log
set -euo pipefail
CALLA=${CALLA:-build/calla}
OUT=${OUT:-runs/$SLURM_JOB_ID}
mkdir -p "$OUT"
export OMP_NUM_THREADS=$SLURM_CPUS_PER_TASK
# srun --gpus-per-task=1 --gpu-bind=single:1 shows each rank only its own GPU.
ARGS=(train -i "$@" --model clair3-pileup --batch-per-rank 2000 --lr-scaling linear
      --lr-base-batch 2000 --lr-scale-warmup 1000 -@ "$SLURM_CPUS_PER_TASK"
      -o "$OUT/model.safetensors" --log "$OUT/train.jsonl")
[[ -f $OUT/model.safetensors.ckpt ]] && ARGS+=(--resume "$OUT/model.safetensors.ckpt")
srun --mpi=pmix --gpus-per-task=1 --gpu-bind=single:1 "$CALLA" "${ARGS[@]}"
