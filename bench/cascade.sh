#!/usr/bin/env bash
# bench/cascade.sh — calling time of the pileup -> full-alignment cascade per Mbp next to
# pileup-only, in one run on one simulated region (docs/calling.md "The cascade"): simulates
# reads (`calla simulate`, synthetic genome), writes an untrained clair3-fa model (speed does not
# depend on the weights) unless --fa-model, and times `calla call --pileup-only` and `calla call
# --fa-model` at each thread count; prints a markdown table (wall s/Mbp, peak RSS, calls through
# the full-alignment model).
# Usage: bench/cascade.sh [--platform hifi] [--size 1m] [--depth 30] [--threads "1 2"]
#                         [--fa-model FILE] [--out DIR] [--calla BIN]
# Needs /usr/bin/time and minimap2 (hifi, ont) or bwa (ilmn). Not part of `make test`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
platform=hifi size=1m depth=30 threads="1 2" fa="" out=bench-out/cascade calla=$root/build/calla
while [[ $# -gt 0 ]]; do
    case $1 in
        --platform) platform=$2; shift 2 ;;
        --size) size=$2; shift 2 ;;
        --depth) depth=$2; shift 2 ;;
        --threads) threads=$2; shift 2 ;;
        --fa-model) fa=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --calla) calla=$2; shift 2 ;;
        *) echo "bench/cascade.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
mkdir -p "$out"
if [[ ! -s $out/sim/reads.bam ]]; then
    "$calla" simulate -o "$out/sim" --genome-size "$size" --platform "$platform" --depth "$depth" \
        --snp-rate 0.001 --indel-rate 0.0002 --seed 5 2>"$out/sim.log"
fi
if [[ -z $fa ]]; then
    fa=$out/fa-untrained.safetensors
    "$calla" model create --arch clair3-fa --platform "$platform" --seed 1 -o "$fa" 2>/dev/null
fi
mbp=$(awk '{ s += $2 } END { printf "%.4f", s / 1e6 }' "$out/sim/ref.fa.fai")
echo "| run | -@ | wall s | s/Mbp | peak RSS MB | candidates | through FA |"
echo "|---|---|---|---|---|---|---|"
for t in $threads; do
    for mode in pileup-only cascade; do
        args=(--pileup-only)
        [[ $mode == cascade ]] && args=(--fa-model "$fa")
        /usr/bin/time -f '%e %M' -o "$out/time" "$calla" call -b "$out/sim/reads.bam" \
            -f "$out/sim/ref.fa" --platform "$platform" "${args[@]}" -@ "$t" \
            -o "$out/$mode.$t.vcf.gz" 2>"$out/$mode.$t.log"
        read -r wall rss <"$out/time"
        cand=$(grep -o '[0-9]* candidates' "$out/$mode.$t.log" | head -1 | cut -d' ' -f1)
        nfa=$(grep -o '[0-9]* calls through' "$out/$mode.$t.log" | cut -d' ' -f1 || true)
        awk -v m="$mode" -v t="$t" -v w="$wall" -v r="$rss" -v mb="$mbp" -v c="$cand" -v f="${nfa:--}" \
            'BEGIN { printf "| %s | %s | %.2f | %.2f | %.0f | %s | %s |\n", m, t, w, w / mb, r / 1024, c, f }'
    done
done
