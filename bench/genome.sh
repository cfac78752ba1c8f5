#!/usr/bin/env bash
# bench/genome.sh — genome-scale calling benchmark (issue #15): simulates reads from the real GRCh38
# sequence in ../shared (HG002 variants on chr20), calls them with `calla call` at each thread
# count and with `bcftools mpileup | bcftools call -mv`, and prints a markdown table: wall, CPU
# (user+sys), peak RSS, RSS per thread, candidates/s, Mbp/s, RSS sampled over time (first half
# against second half of the run) and open files, calla/bcftools ratios from the same run, and
# the projection to a 30x human genome (3,100 Mbp) on 2, 16 and 64 cores.
#
# Usage: bench/genome.sh [options]
#   --platform P       ilmn or ont, or both comma-separated [ilmn]
#   --depth D          simulated depth [30]
#   --regions LIST     comma-separated regions to simulate and call
#                      [chr20:60001-10000000,chr21:5010001-10000000: all real sequence in ../shared]
#   --length N         instead of --regions: chr20:2000001-(2000000+N), e.g. --length 2000000
#   --threads "1 2"    calla thread counts [1 2]
#   --out DIR          results (VCFs, samples.tsv, results.md) [bench-out/genome]
#   --cache DIR        simulated data, reused between runs [OUT/sim]
#   --calla BIN        [build/calla]
#   --model M          model for calla call [the shipped model of the platform]
#   --seed S           simulation seed [1]
#   --sim-threads N    threads for `calla simulate` (aligner, sort) [nproc]
#   --interval S       RSS / open-file sampling interval in seconds [0.5]
#   --no-bcftools      skip the bcftools rows
#   --simulate-only    simulate (or find in the cache), print "BAM REF BED" and exit
#   env: SHARED=/path/to/shared [../shared]
# Needs /usr/bin/time (Debian package `time`), samtools, bcftools, pgrep; bwa (ilmn) or
# minimap2 (ont) for the simulation. Not part of `make test`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/genome_lib.sh
. "$root/bench/genome_lib.sh"

PLATFORMS=ilmn DEPTH=30 REGIONS="" LENGTH="" THREADS="1 2" OUT=bench-out/genome CACHE=""
CALLA=$root/build/calla MODEL="" SEED=1 SIMT=$(nproc) IV=0.5 BCF=1 SIMONLY=0
SHARED=${SHARED:-$root/../shared}
usage() { sed -n '2,/^# Needs/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while (($#)); do
    case $1 in
        --platform) PLATFORMS=$2; shift ;;
        --depth) DEPTH=$2; shift ;;
        --regions) REGIONS=$2; shift ;;
        --length) LENGTH=$2; shift ;;
        --threads) THREADS=$2; shift ;;
        --out) OUT=$2; shift ;;
        --cache) CACHE=$2; shift ;;
        --calla) CALLA=$2; shift ;;
        --model) MODEL=$2; shift ;;
        --seed) SEED=$2; shift ;;
        --sim-threads) SIMT=$2; shift ;;
        --interval) IV=$2; shift ;;
        --no-bcftools) BCF=0 ;;
        --simulate-only) SIMONLY=1 ;;
        -h | --help) usage ;;
        *) echo "[genome.sh] unknown option \"$1\" (see --help)" >&2; exit 2 ;;
    esac
    shift
done
D=$SHARED/data/grch38_chr20_10Mb_hg002_truth
REF=$D/grch38.chr20_and_21_10M.fa.gz
TRUTH=$D/HG002_GRCh38_1_22_v4.2.1_benchmark.chr20.vcf.gz
[[ -f $REF && -f $TRUTH ]] || { echo "[genome.sh] no data in \"$D\" (set SHARED)" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "[genome.sh] needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
[[ -x $CALLA ]] || { echo "[genome.sh] no calla binary \"$CALLA\" (make, or --calla)" >&2; exit 1; }
if [[ -n $LENGTH ]]; then
    if ! [[ $LENGTH =~ ^[0-9]+$ ]] || ((LENGTH < 1 || LENGTH > 8000000)); then
        echo "[genome.sh] --length must be 1..8000000" >&2; exit 2
    fi
    REGIONS="chr20:2000001-$((2000000 + LENGTH))"
fi
REGIONS=${REGIONS:-chr20:60001-10000000,chr21:5010001-10000000}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
CACHE=${CACHE:-$OUT/sim}
mkdir -p "$CACHE"
IFS=, read -r -a REGS <<<"$REGIONS"
truth_contigs=" $(tabix -l "$TRUTH" | tr '\n' ' ') "

# regions as a BED file, and the bases of real (non-N) sequence in them
BED=$OUT/regions.bed
: >"$BED"
for r in "${REGS[@]}"; do
    [[ $r =~ ^([^:]+):([0-9]+)-([0-9]+)$ ]] || { echo "[genome.sh] region \"$r\" is not CHR:BEG-END" >&2; exit 2; }
    printf '%s\t%d\t%d\n' "${BASH_REMATCH[1]}" "$((BASH_REMATCH[2] - 1))" "${BASH_REMATCH[3]}" >>"$BED"
done
ACGT=$(for r in "${REGS[@]}"; do samtools faidx "$REF" "$r"; done | grep -v '^>' | tr -cd 'ACGTacgt' | wc -c)

# simulate PLATFORM: simulated reads of every region (cached), merged into one BAM; prints its path
simulate() {
    local plat=$1 key dir bams=() r rd args
    key=$plat-${DEPTH}x-seed$SEED
    dir=$CACHE/$key
    mkdir -p "$dir"
    for r in "${REGS[@]}"; do
        rd=$dir/${r//[:-]/_}
        if [[ ! -s $rd/reads.bam.bai ]]; then
            # HG002's real variants where the truth has the contig (chr20), else planted at human
            # rates (the truth set in ../shared is chr20 only)
            args=()
            [[ $truth_contigs == *" ${r%%:*} "* ]] && args=(--truth "$TRUTH")
            echo "[genome.sh] simulating $plat ${DEPTH}x over $r into $rd" >&2
            "$CALLA" simulate -o "$rd" -f "$REF" "${args[@]}" -r "$r" --platform "$plat" --depth "$DEPTH" \
                --seed "$SEED" -@ "$SIMT" 2>"$rd.simulate.log" ||
                { tail -n 3 "$rd.simulate.log" >&2; exit 1; }
        fi
        bams+=("$rd/reads.bam")
    done
    if ((${#bams[@]} == 1)); then
        echo "${bams[0]}"
        return
    fi
    local merged
    merged=$dir/merged-$(printf '%s\n' "${REGS[@]}" | md5sum | cut -c1-10).bam
    if [[ ! -s $merged.bai ]]; then
        samtools merge -f -@ "$SIMT" -o "$merged.tmp.bam" "${bams[@]}"
        mv "$merged.tmp.bam" "$merged"
        samtools index "$merged"
    fi
    echo "$merged"
}

if ((SIMONLY)); then
    for plat in ${PLATFORMS//,/ }; do echo "$(simulate "$plat") $REF $BED"; done
    exit 0
fi

TSV=$OUT/samples.tsv
RES=$OUT/results.md
printf 'run\tseconds\trss_kib\topen_fds\tthreads\n' >"$TSV"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
nrec() { bcftools view -H "$1" | wc -l; }

{
    echo "Regions: $REGIONS ($(awk -v b="$ACGT" 'BEGIN{printf "%.3f", b / 1e6}') Mbp of A/C/G/T); depth ${DEPTH}x; seed $SEED; $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
    echo "| platform | tool | threads | wall s | CPU s | CPU/wall | peak RSS MiB | RSS/thread MiB | candidates | candidates/s | Mbp/s | Mbp per CPU-s | records | RSS max 1st / 2nd half MiB (samples) | open files max 1st / 2nd | flat |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
} | tee "$RES"

declare -A RATE  # "platform tool threads" -> "wall cpu"
row() {  # platform tool threads label time_file candidates records
    local plat=$1 tool=$2 t=$3 label=$4 w c r n a b fa fb flat
    read -r w c r < <(time_field "$5")
    read -r n a b fa fb < <(flatness "$TSV" "$label")
    flat=yes
    { is_flat "$a" "$b" && ((fb <= fa)); } || flat=no
    ((n < 4)) && flat="(too short)"
    RATE["$plat $tool $t"]="$w $c"
    awk -v p="$plat" -v tool="$tool" -v t="$t" -v w="$w" -v c="$c" -v r="$r" -v nc="$6" -v rec="$7" \
        -v bp="$ACGT" -v n="$n" -v a="$a" -v b="$b" -v fa="$fa" -v fb="$fb" -v flat="$flat" 'BEGIN{
        w1 = (w > 0) ? w : 0.01; c1 = (c > 0) ? c : 0.01
        cs = (nc == "-") ? "-" : sprintf("%.0f", nc / w1)
        printf "| %s | %s | %s | %.1f | %.1f | %.2f | %.1f | %.1f | %s | %s | %.3f | %.3f | %s | %.1f / %.1f (%d) | %d / %d | %s |\n",
            p, tool, t, w, c, c / w1, r / 1024, r / 1024 / t, nc, cs, bp / 1e6 / w1, bp / 1e6 / c1, rec,
            a / 1024, b / 1024, n, fa, fb, flat }' | tee -a "$RES"
}

for plat in ${PLATFORMS//,/ }; do
    BAM=$(simulate "$plat")
    margs=(--platform "$plat")
    [[ -n $MODEL ]] && margs+=(-m "$MODEL")
    first=""
    for t in $THREADS; do
        label="calla-$plat-t$t"
        vcf=$OUT/$label.vcf.gz
        timed_sampled "$tmp/time" "$TSV" "$label" "$IV" "$tmp/err" \
            "$CALLA" call -b "$BAM" -f "$REF" "${margs[@]}" -R "$BED" -@ "$t" -o "$vcf" ||
            { echo "[genome.sh] calla call failed: $(tail -n 1 "$tmp/err")" >&2; exit 1; }
        cp "$tmp/err" "$OUT/$label.log"
        nc=$(grep 'done:' "$tmp/err" | grep -o '[0-9]* candidates' | cut -d' ' -f1)
        row "$plat" "calla call" "$t" "$label" "$tmp/time" "${nc:--}" "$(nrec "$vcf")"
        # the output does not depend on -@: check it on this data
        if [[ -z $first ]]; then
            first=$vcf
        elif ! cmp -s <(vcf_body "$first") <(vcf_body "$vcf"); then
            echo "[genome.sh] warning: $vcf differs from $first" >&2
        fi
    done
    if ((BCF)); then
        label="bcftools-$plat"
        vcf=$OUT/$label.vcf.gz
        # shellcheck disable=SC2016  # the inner script's positional parameters
        timed_sampled "$tmp/time" "$TSV" "$label" "$IV" "$tmp/err" bash -c \
            'set -o pipefail; bcftools mpileup -f "$1" -R "$2" "$3" 2>/dev/null | bcftools call -mv -Oz -o "$4"' \
            _ "$REF" "$BED" "$BAM" "$vcf" ||
            { echo "[genome.sh] bcftools failed: $(tail -n 1 "$tmp/err")" >&2; exit 1; }
        row "$plat" "bcftools mpileup \| call -mv" 1 "$label" "$tmp/time" - "$(nrec "$vcf")"
    fi
done

# ratios and the projection, from the rows above
{
    echo
    echo "calla / bcftools in this run (bcftools wall or CPU divided by calla's; above 1: calla faster):"
    echo
    echo "| platform | calla threads | wall ratio | CPU ratio |"
    echo "|---|---|---|---|"
    for plat in ${PLATFORMS//,/ }; do
        [[ -n ${RATE["$plat bcftools mpileup \| call -mv 1"]:-} ]] || continue
        read -r bw bc <<<"${RATE["$plat bcftools mpileup \| call -mv 1"]}"
        for t in $THREADS; do
            read -r w c <<<"${RATE["$plat calla call $t"]}"
            awk -v p="$plat" -v t="$t" -v w="$w" -v c="$c" -v bw="$bw" -v bc="$bc" \
                'BEGIN{printf "| %s | %s | %.2f | %.2f |\n", p, t, bw / (w > 0 ? w : 0.01), bc / (c > 0 ? c : 0.01)}'
        done
    done
    echo
    echo "Projection to a ${DEPTH}x human genome (3,100 Mbp), hours of wall time on C cores = 3100 / (Mbp per CPU-second of the run x C) / 3600."
    echo "Assumptions: the work is split into C shards (\`calla call --shard I/C\`, or bcftools by region) that run in parallel and scale linearly (no I/O or memory-bandwidth limit, one core per shard); the regions above have the genome's average density of candidates per Mbp; the per-core rate is that of this machine under its load during the run."
    echo
    echo "| platform | tool | measured at threads | Mbp per CPU-s | 2 cores h | 16 cores h | 64 cores h |"
    echo "|---|---|---|---|---|---|---|"
    for plat in ${PLATFORMS//,/ }; do
        for key in "${!RATE[@]}"; do
            [[ $key == "$plat "* ]] || continue
            read -r w c <<<"${RATE[$key]}"
            tool=${key#"$plat "}; t=${tool##* }; tool=${tool% *}
            awk -v p="$plat" -v tool="$tool" -v t="$t" -v c="$c" -v bp="$ACGT" 'BEGIN{
                r = bp / 1e6 / (c > 0 ? c : 0.01)
                printf "| %s | %s | %s | %.3f | %.1f | %.2f | %.2f |\n", p, tool, t, r,
                    3100 / (r * 2) / 3600, 3100 / (r * 16) / 3600, 3100 / (r * 64) / 3600 }'
        done | sort
    done
    echo
    echo "RSS and open files sampled every ${IV} s: $TSV (run, seconds, VmRSS KiB, open fds, threads, summed over the process tree)."
    echo "\"flat\": the second half's maximum RSS is within max(5%, 8 MiB) of the first half's, and open files do not grow."
} | tee -a "$RES"
