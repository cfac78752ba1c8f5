#!/usr/bin/env bash
# examples/slurm/call_genome.sh — `calla call` on a whole genome across nodes, two ways
# (docs/distributed.md, "Calling across ranks" and "Shards"):
#
# 1. A job array of N independent shards and a dependent merge (no MPI needed; a failed shard
#    reruns alone). From the calla checkout, on the login node:
#      examples/slurm/call_genome.sh submit sample.bam GRCh38.fa MODEL calls.vcf.gz 64
#    submits `sbatch --array=1-64` (task I runs `calla call --shard I/64`, writing
#    calls.shards/I-of-64.vcf.gz atomically: a shard is there complete or not at all) and a merge
#    job with --dependency=afterok on the array (`calla merge-shards`, which checks that all 64
#    shards of the same command are present and writes calls.vcf.gz + .tbi). If a task fails, the
#    merge never starts (afterok); rerun that task alone, then the merge:
#      sbatch --array=17 examples/slurm/call_genome.sh shard sample.bam GRCh38.fa MODEL calls.vcf.gz 64
#      sbatch --dependency=afterok:<that job id> examples/slurm/call_genome.sh merge calls.vcf.gz 64
#    (or run `submit` again: tasks whose shard exists finish at once).
#    LOCAL=1 runs the same tasks one after the other on this machine (no SLURM), e.g. to check
#    the recipe on a small region: LOCAL=1 BED=small.bed CALLA=build/calla examples/slurm/... submit ...
# 2. One MPI job (calla built with MPI): rank r calls a contiguous share of the chunks and rank 0
#    writes the one VCF; a failed rank ends the whole job.
#      sbatch --nodes=4 --ntasks-per-node=1 examples/slurm/call_genome.sh mpi sample.bam GRCh38.fa MODEL calls.vcf.gz
#
# MODEL: a .safetensors file or a shipped model name (ilmn, hifi, ont). BAM, reference, model and
# output directory must be on a file system all nodes share. Both ways give the records of a
# one-process run (the merged header differs only in its ##calla_command line).
# Environment: CALLA (the binary) [build/calla]; BED (regions, e.g. chr1-22, X, Y) [every contig];
# GVCF=1 (array way only): each shard also writes a gVCF, merged into OUT's name with .g.vcf.gz.
#SBATCH --job-name=calla-call
#SBATCH --cpus-per-task=32
#SBATCH --mem=32G
#SBATCH --time=06:00:00
#SBATCH --output=calla-call-%A_%a.log
set -euo pipefail
CALLA=${CALLA:-build/calla}
export OPENBLAS_NUM_THREADS=1
SELF=${BASH_SOURCE[0]}
usage() {
    cat >&2 <<EOF
usage: $SELF submit BAM REF MODEL OUT.vcf.gz N    (job array of N shards + merge; LOCAL=1: run here)
       $SELF shard  BAM REF MODEL OUT.vcf.gz N    (one array task: shard \$SLURM_ARRAY_TASK_ID of N)
       $SELF merge  OUT.vcf.gz N                  (merge the N shards)
       $SELF mpi    BAM REF MODEL OUT.vcf.gz      (inside an sbatch allocation: srun over MPI ranks)
EOF
    exit 2
}
# shard_path OUT I N: where task I writes its shard
shard_path() { echo "${1%.vcf.gz}.shards/$2-of-$3.vcf.gz"; }
count_ok() { [[ $1 =~ ^[1-9][0-9]*$ ]] || { echo "bad shard count \"$1\"" >&2; exit 2; }; }
mode=${1:-}
[[ $# -gt 0 ]] && shift
case $mode in
submit)
    [[ $# -eq 5 ]] || usage
    count_ok "$5"
    if [[ ${LOCAL:-0} == 1 ]]; then
        for ((i = 1; i <= $5; i++)); do SLURM_ARRAY_TASK_ID=$i bash "$SELF" shard "$@"; done
        bash "$SELF" merge "$4" "$5"
    else
        jid=$(sbatch --parsable --array=1-"$5" "$SELF" shard "$@")
        mid=$(sbatch --parsable --dependency=afterok:"${jid%%;*}" --job-name=calla-merge \
            --cpus-per-task=1 --mem=4G --time=02:00:00 --output=calla-merge-%j.log \
            "$SELF" merge "$4" "$5")
        echo "submitted array job $jid (shards) and merge job $mid"
    fi
    ;;
shard)
    [[ $# -eq 5 ]] || usage
    count_ok "$5"
    I=${SLURM_ARRAY_TASK_ID:?shard mode runs as an array task (SLURM_ARRAY_TASK_ID)}
    S=$(shard_path "$4" "$I" "$5")
    G=${S%.vcf.gz}.g.vcf.gz
    if [[ -s $S && -s $S.tbi && ( -z ${GVCF:-} || -s $G.tbi ) ]]; then  # atomic: present = complete
        echo "shard $I/$5 already done: $S" >&2
        exit 0
    fi
    mkdir -p "$(dirname "$S")"
    exec "$CALLA" call -b "$1" -f "$2" -m "$3" -o "$S" --shard "$I/$5" \
        -@ "${SLURM_CPUS_PER_TASK:-1}" ${BED:+-R "$BED"} ${GVCF:+--gvcf "$G"}
    ;;
merge)
    [[ $# -eq 2 ]] || usage
    count_ok "$2"
    shards=() gshards=()
    for ((i = 1; i <= $2; i++)); do
        S=$(shard_path "$1" "$i" "$2")
        [[ -e $S ]] && shards+=("$S")  # a missing one: merge-shards names it
        [[ -e ${S%.vcf.gz}.g.vcf.gz ]] && gshards+=("${S%.vcf.gz}.g.vcf.gz")
    done
    [[ ${#shards[@]} -gt 0 ]] || { echo "no shards of \"$1\" found" >&2; exit 1; }
    if [[ -n ${GVCF:-} ]]; then
        "$CALLA" merge-shards -o "${1%.vcf.gz}.g.vcf.gz" "${gshards[@]}"
    fi
    exec "$CALLA" merge-shards -o "$1" "${shards[@]}"
    ;;
mpi)
    [[ $# -eq 4 ]] || usage
    # Ranks other than 0 hold their calls in memory until the end (about 100 bytes per record).
    exec srun --mpi=pmix --cpu-bind=cores "$CALLA" call -b "$1" -f "$2" -m "$3" -o "$4" \
        -@ "${SLURM_CPUS_PER_TASK:-1}" ${BED:+-R "$BED"}
    ;;
*) usage ;;
esac
