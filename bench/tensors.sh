#!/usr/bin/env bash
# bench/tensors.sh — throughput and peak RSS of `calla tensors` on the real slices, against
# `samtools mpileup` over the same region with the same read filters. Prints a markdown table.
# Usage: bench/tensors.sh [CALLA_BINARY] [REPEATS]   (SHARED=/path/to/shared overrides the data root)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
CALLA=${1:-$root/build/calla}
REPS=${2:-3}
SHARED=${SHARED:-$root/../shared}
[[ -x /usr/bin/time ]] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

source "$(dirname "$0")/lib.sh"  # measure

echo "| slice | features | tool | threads | positions | candidates | seconds | positions/s | candidates/s | peak RSS MiB |"
echo "|---|---|---|---|---|---|---|---|---|---|"
run_slice() {  # name dir bam ref region platform
    local name=$1 d=$SHARED/data/$2 bam=$3 ref=$4 reg=$5 plat=$6
    [[ -d $d ]] || { echo "| $name | (data absent) |||||||||"; return; }
    local beg=${reg#*:}; beg=${beg%-*}; local end=${reg#*-}
    local npos=$((end - beg + 1))
    for feat in clair3-pileup clairvoyante; do
        for t in 1 2; do
            read -r s rss < <(measure "$CALLA" tensors -b "$d/$bam" -f "$d/$ref" -r "$reg" --platform "$plat" \
                --features "$feat" -@ "$t" -o "$tmp/out.ctf")
            local nc
            nc=$(python3 -c "import struct,sys; b=open(sys.argv[1],'rb').read(32); print(struct.unpack_from('<Q',b,16)[0])" "$tmp/out.ctf")
            awk -v n="$name" -v f="$feat" -v t="$t" -v p="$npos" -v c="$nc" -v s="$s" -v r="$rss" \
                'BEGIN{printf "| %s | %s | calla tensors | %d | %d | %d | %.2f | %.0f | %.0f | %.1f |\n", n, f, t, p, c, s, p/(s>0?s:0.01), c/(s>0?s:0.01), r/1024}'
        done
    done
    for t in 1; do  # samtools mpileup has no -@
        read -r s rss < <(measure samtools mpileup -A -B -x -Q 0 -q 5 \
            --ff UNMAP,SECONDARY,QCFAIL,DUP,SUPPLEMENTARY -d 0 -f "$d/$ref" -r "$reg" -o /dev/null "$d/$bam")
        awk -v n="$name" -v t="$t" -v p="$npos" -v s="$s" -v r="$rss" \
            'BEGIN{printf "| %s | - | samtools mpileup | %d | %d | - | %.2f | %.0f | - | %.1f |\n", n, t, p, s, p/(s>0?s:0.01), r/1024}'
    done
}
run_slice "HG001 Illumina 52x" hg001_illumina_grch37_chr20_10.0-10.1Mb NA12878_S1.chr20.10_10p1mb.bam \
    ucsc.hg19.chr20.unittest.fasta.gz chr20:10000001-10100000 ilmn
run_slice "HG002 ONT R10.4.1 54x" hg002_ont_r1041_grch38_chr20_5.050-5.075Mb HG002_R10_chr20_5050000_5075000.bam \
    grch38.chr20_5050000_5075000.masked.fa.gz chr20:5050001-5075000 ont
