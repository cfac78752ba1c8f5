#!/usr/bin/env bash
# bench/tensors_scale.sh — thread scaling and memory against region length for `calla tensors`,
# on a larger simulated data set (Illumina 2x150, 30x, real GRCh38 chr20 sequence with the HG002
# truth applied by `calla simulate`), with `samtools mpileup` over the same regions as the
# per-thread baseline. Prints a markdown table.
# Usage: bench/tensors_scale.sh [CALLA_BINARY] [DATA_DIR] [REPEATS]
#   DATA_DIR holds ref.fa and reads.bam from
#   calla simulate -o DATA_DIR -f grch38.chr20_and_21_10M.fa.gz --truth HG002...vcf.gz \
#       -r chr20:2000001-4000000 --platform ilmn --depth 30 -@ 2 --seed 7
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
CALLA=${1:-$root/build/calla}
DATA=${2:?usage: bench/tensors_scale.sh CALLA DATA_DIR [REPEATS]}
REPS=${3:-3}
[[ -x /usr/bin/time ]] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/lib.sh"  # measure
echo "| region | tool | threads | seconds | positions/s | candidates/s | speed-up vs 1 thread | peak RSS MiB |"
echo "|---|---|---|---|---|---|---|---|"
for len in 500000 1000000 2000000; do
    reg="chr20:2000001-$((2000000 + len))"
    t1=""
    for t in 1 2; do
        read -r s rss < <(measure "$CALLA" tensors -b "$DATA/reads.bam" -f "$DATA/ref.fa" -r "$reg" \
            --platform ilmn -@ "$t" -o "$tmp/out.ctf")
        nc=$("$CALLA" view -H "$tmp/out.ctf" | awk -F': ' '$1 == "records" {print $2}')
        [[ -z $t1 ]] && t1=$s
        awk -v r="$reg" -v t="$t" -v p="$len" -v c="$nc" -v s="$s" -v m="$rss" -v t1="$t1" \
            'BEGIN{printf "| %s | calla tensors | %d | %.2f | %.0f | %.0f | %.2f | %.1f |\n", r, t, s, p/s, c/s, t1/s, m/1024}'
    done
    read -r s rss < <(measure samtools mpileup -A -B -x -Q 0 -q 5 \
        --ff UNMAP,SECONDARY,QCFAIL,DUP,SUPPLEMENTARY -d 0 -f "$DATA/ref.fa" -r "$reg" "$DATA/reads.bam")
    awk -v r="$reg" -v p="$len" -v s="$s" -v m="$rss" \
        'BEGIN{printf "| %s | samtools mpileup | 1 | %.2f | %.0f | - | - | %.1f |\n", r, s, p/s, m/1024}'
done
