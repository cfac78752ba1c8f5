#!/usr/bin/env bash
# bench/soak.sh — soak test of `calla call` (issue #15): calls the same simulated region again and
# again for N minutes; every round's VCF must equal round 1's (records and header, less the
# lines that carry a date or the command line), no temporary file may be left behind, and peak
# RSS and open files per round must stay flat (the last half of the rounds against the first).
# Exit status: 0 all rounds identical and flat; 1 a difference, a failed round, a leftover
# temporary file or growth; 2 usage.
#
# Usage: bench/soak.sh [options]
#   --minutes M        how long to loop [30]; a round that starts before the end is finished
#   --short            a short run: --minutes 3
#   --threads "2"      thread counts, used in turn round after round [2]; with several, the
#                      rounds also check that the output does not depend on -@
#   --bam BAM --ref REF --bed BED   the data to call; without them, the simulated data of
#                      bench/genome.sh (simulated once and cached), chosen by:
#   --platform P --depth D --regions LIST | --length N --seed S --cache DIR
#                      as in bench/genome.sh [ilmn, 30, --length 2000000, 1, OUT/sim]
#   --out DIR          [bench-out/soak]
#   --calla BIN        [build/calla]
#   --model M          [the shipped model of the platform]
#   --interval S       RSS / open-file sampling interval within a round [0.5]
#   env: SHARED=/path/to/shared [../shared]
# Needs /usr/bin/time, bcftools, pgrep. Not part of `make test`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/genome_lib.sh
. "$root/bench/genome_lib.sh"

MIN=30 THREADS=2 BAM="" REF="" BED="" PLAT=ilmn OUT=bench-out/soak CALLA=$root/build/calla
MODEL="" IV=0.5 gargs=()
usage() { sed -n '2,/^# Needs/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while (($#)); do
    case $1 in
        --minutes) MIN=$2; shift ;;
        --short) MIN=3 ;;
        --threads) THREADS=$2; shift ;;
        --bam) BAM=$2; shift ;;
        --ref) REF=$2; shift ;;
        --bed) BED=$2; shift ;;
        --platform) PLAT=$2; gargs+=("$1" "$2"); shift ;;
        --depth | --regions | --length | --seed | --cache) gargs+=("$1" "$2"); shift ;;
        --out) OUT=$2; shift ;;
        --calla) CALLA=$2; shift ;;
        --model) MODEL=$2; shift ;;
        --interval) IV=$2; shift ;;
        -h | --help) usage ;;
        *) echo "[soak.sh] unknown option \"$1\" (see --help)" >&2; exit 2 ;;
    esac
    shift
done
[[ $MIN =~ ^[0-9]+([.][0-9]+)?$ ]] || { echo "[soak.sh] --minutes must be a number" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "[soak.sh] needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
if [[ -z $BAM ]]; then
    [[ " ${gargs[*]} " == *" --regions "* || " ${gargs[*]} " == *" --length "* ]] || gargs+=(--length 2000000)
    [[ " ${gargs[*]} " == *" --cache "* ]] || gargs+=(--cache "$OUT/sim")
    read -r BAM REF BED < <("$root/bench/genome.sh" --simulate-only --calla "$CALLA" --out "$OUT" "${gargs[@]}")
fi
for f in "$BAM" "$REF" "$BED"; do [[ -s $f ]] || { echo "[soak.sh] missing input \"$f\"" >&2; exit 1; }; done
margs=(--platform "$PLAT")
[[ -n $MODEL ]] && margs=(-m "$MODEL")

TSV=$OUT/soak-samples.tsv ROUNDS=$OUT/soak-rounds.tsv
printf 'run\tseconds\trss_kib\topen_fds\tthreads\n' >"$TSV"
printf 'round\tthreads\twall_s\tcpu_s\tpeak_rss_kib\tmax_open_fds\trecords\tidentical\n' >"$ROUNDS"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
read -r -a TL <<<"$THREADS"
end=$(awk -v m="$MIN" -v now="$(date +%s)" 'BEGIN{printf "%d", now + m * 60}')
echo "[soak.sh] calling $BAM over $BED for $MIN minutes (threads: $THREADS); rounds in $ROUNDS" >&2
i=0 bad=0
while (($(date +%s) < end)) || ((i == 0)); do
    i=$((i + 1))
    t=${TL[$(((i - 1) % ${#TL[@]}))]}
    vcf=$OUT/round.vcf.gz
    rm -f "$vcf" "$vcf.tbi"
    if ! timed_sampled "$tmp/time" "$TSV" "round$i" "$IV" "$tmp/err" \
        "$CALLA" call -b "$BAM" -f "$REF" "${margs[@]}" -R "$BED" -@ "$t" -o "$vcf"; then
        echo "[soak.sh] round $i failed: $(tail -n 1 "$tmp/err")" >&2
        exit 1
    fi
    read -r w c r < <(time_field "$tmp/time")
    fds=$(awk -F'\t' -v l="round$i" '$1 == l && $4 > m {m = $4} END {print m + 0}' "$TSV")
    vcf_body "$vcf" >"$tmp/body"
    nrec=$(grep -vc '^#' "$tmp/body") || nrec=0
    if ((i == 1)); then
        mv "$tmp/body" "$tmp/body1"
        cp "$vcf" "$OUT/round1.vcf.gz"
        same=yes
    elif cmp -s "$tmp/body1" "$tmp/body"; then
        same=yes
    else
        same=NO
        bad=1
        cp "$vcf" "$OUT/round$i.differs.vcf.gz"
        echo "[soak.sh] round $i (-@ $t) differs from round 1: kept $OUT/round$i.differs.vcf.gz" >&2
    fi
    left=$(find "$OUT" -maxdepth 1 -name '*.tmp.*' | wc -l)
    if ((left > 0)); then
        echo "[soak.sh] round $i left $left temporary file(s) in $OUT" >&2
        bad=1
    fi
    printf '%d\t%d\t%s\t%s\t%d\t%d\t%d\t%s\n' "$i" "$t" "$w" "$c" "$r" "$fds" \
        "$nrec" "$same" >>"$ROUNDS"
done

# flat: peak RSS and open files of the last half of the rounds against the first half, per thread
# count (rounds at different -@ differ in memory by design)
echo
echo "| threads | rounds | wall s min / max | peak RSS MiB first half max / second half max | open files first / second half max | identical to round 1 | flat |"
echo "|---|---|---|---|---|---|---|"
for t in "${TL[@]}"; do
    read -r n wmin wmax a b fa fb nsame < <(awk -F'\t' -v t="$t" 'NR > 1 && $2 == t {n++; w[n] = $3; r[n] = $5; f[n] = $6; s += ($8 == "yes")}
        END {
            h = int((n + 1) / 2); wmin = wmax = w[1]
            for (i = 1; i <= n; i++) {
                if (w[i] < wmin) wmin = w[i]; if (w[i] > wmax) wmax = w[i]
                if (i <= h) {if (r[i] > a) a = r[i]; if (f[i] > fa) fa = f[i]}
                else {if (r[i] > b) b = r[i]; if (f[i] > fb) fb = f[i]}
            }
            print n, wmin, wmax, a + 0, b + 0, fa + 0, fb + 0, s + 0
        }' "$ROUNDS")
    flat=yes
    if ((n >= 2)) && ! { is_flat "$a" "$b" && ((fb <= fa)); }; then flat=NO; bad=1; fi
    ((n < 2)) && flat="(one round)"
    awk -v t="$t" -v n="$n" -v w0="$wmin" -v w1="$wmax" -v a="$a" -v b="$b" -v fa="$fa" -v fb="$fb" \
        -v s="$nsame" -v flat="$flat" 'BEGIN{printf "| %s | %d | %.1f / %.1f | %.1f / %.1f | %d / %d | %d of %d | %s |\n",
        t, n, w0, w1, a / 1024, b / 1024, fa, fb, s, n, flat}'
done
echo
if ((bad)); then
    echo "[soak.sh] FAILED after $i rounds (see above and $ROUNDS)" >&2
    exit 1
fi
echo "[soak.sh] $i rounds in $MIN minutes: every output identical to round 1, RSS and open files flat" >&2
