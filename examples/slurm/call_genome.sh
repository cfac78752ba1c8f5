#!/usr/bin/env bash
# examples/slurm/call_genome.sh — `calla call` on a whole genome across nodes: the chunk list of
# all regions is split into contiguous shares, one per MPI rank, each rank calls its share on
# -@ threads, and rank 0 merges the shares into one sorted, bgzipped, tabix-indexed VCF that is
# byte-identical to a one-process run (docs/distributed.md).
#   sbatch examples/slurm/call_genome.sh sample.bam GRCh38.fa model.safetensors calls.vcf.gz
# BAM, reference, model and output directory must be on a file system all nodes share. Ranks
# other than 0 hold their calls in memory until the end (about 100 bytes per record).
#SBATCH --job-name=calla-call
#SBATCH --nodes=4
#SBATCH --ntasks-per-node=1
#SBATCH --cpus-per-task=32
#SBATCH --mem=64G
#SBATCH --time=06:00:00
#SBATCH --output=calla-call-%j.log
set -euo pipefail
[[ $# -eq 4 ]] || { echo "usage: sbatch $0 BAM REF MODEL OUT.vcf.gz" >&2; exit 2; }
CALLA=${CALLA:-build/calla}
export OPENBLAS_NUM_THREADS=1
# Primary assembly only (a BED of chr1-22, X, Y); drop -R to call every contig of the reference.
BED=${BED:-}
srun --mpi=pmix --cpu-bind=cores "$CALLA" call -b "$1" -f "$2" -m "$3" -o "$4" \
    -@ "$SLURM_CPUS_PER_TASK" ${BED:+-R "$BED"}
