#!/usr/bin/env bash
# bench/call.sh — calling throughput of `calla call` against `bcftools mpileup | bcftools call -mv`
# and `freebayes` on the same real slices, in one run. Prints a markdown table (wall seconds,
# peak RSS from /usr/bin/time -v, candidates/s, Mbp/s) and the extrapolation of calla's wall time
# to a 30x human genome.
#
# Usage: bench/call.sh MODEL.safetensors [CALLA_BINARY] [THREADS]
#   MODEL     a clair3-pileup model (e.g. demo-out/model.safetensors from examples/demo.sh)
#   env: SHARED=/path/to/shared (data root, default ../shared), FB_TIMEOUT=seconds for freebayes
#        per slice [600 Illumina, 300 ONT], REPS=N best-of-N for calla and bcftools [3]
# Needs /usr/bin/time, bcftools, samtools; freebayes is optional (row says "not installed").
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
MODEL=${1:?usage: bench/call.sh MODEL.safetensors [CALLA_BINARY] [THREADS]}
CALLA=${2:-$root/build/calla}
THREADS=${3:-2}
REPS=${REPS:-3}
SHARED=${SHARED:-$root/../shared}
[[ -x /usr/bin/time ]] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
[[ -f $MODEL ]] || { echo "no model \"$MODEL\" (run examples/demo.sh first)" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# The ONT slice needs a model whose platform is "ont" (`calla call` refuses a platform mismatch and
# takes the candidate thresholds from it). Throughput does not depend on the weights, so the bench
# uses the same weights with the metadata's platform rewritten: its ONT calls are not meant to be
# accurate (no ONT model is trained here), only timed.
relabel() {  # in out platform
    python3 - "$1" "$2" "$3" <<'PY'
import json, struct, sys
src, dst, plat = sys.argv[1:4]
b = open(src, "rb").read()
n = struct.unpack_from("<Q", b, 0)[0]
h = json.loads(b[8:8 + n])
h["__metadata__"]["platform"] = plat
t = json.dumps(h, separators=(",", ":")).encode()
t += b" " * (-len(t) % 8)
open(dst, "wb").write(struct.pack("<Q", len(t)) + t + b[8 + n:])
PY
}
relabel "$MODEL" "$tmp/model_ilmn.safetensors" ilmn
relabel "$MODEL" "$tmp/model_ont.safetensors" ont

# measure OUT_VCF cmd...: best-of-REPS wall seconds, the largest peak RSS (KiB) and the exit
# status of the last run ("124" when `timeout` stopped it). Output: "seconds rss status".
measure() {
    local reps=$1; shift
    local best="" rss=0 t r st=0
    for _ in $(seq "$reps"); do
        st=0
        /usr/bin/time -v -o "$tmp/time" "$@" >/dev/null 2>"$tmp/err" || st=$?
        t=$(awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$tmp/time")
        r=$(awk -F': ' '/Maximum resident set size/{print $2}' "$tmp/time")
        if [[ -z $best ]] || awk -v a="$t" -v b="$best" 'BEGIN{exit !(a<b)}'; then best=$t; fi
        (( r > rss )) && rss=$r
        [[ $st -ne 0 ]] && break
    done
    echo "$best $rss $st"
}
row() {  # slice tool threads bp candidates seconds rss records f1 note
    awk -v n="$1" -v tool="$2" -v t="$3" -v bp="$4" -v c="$5" -v s="$6" -v r="$7" -v rec="$8" -v f1="$9" -v note="${10}" 'BEGIN{
        cs = (c == "-") ? "-" : sprintf("%.0f", c / (s > 0 ? s : 0.01));
        printf "| %s | %s | %s | %.2f | %s | %s | %.3f | %.1f | %s | %s | %s |\n",
               n, tool, t, s, c, cs, bp / 1e6 / (s > 0 ? s : 0.01), r / 1024, rec, f1, note }'
}
# genotype-level F1 "SNP / INDEL" of a call set inside the slice's eval.bed (calla eval)
f1() {  # vcf
    [[ -s $1 ]] || { echo "-"; return; }
    "$CALLA" eval -t "$tmp/truth.vcf.gz" -q "$1" -f "$REF" -R "$EVALBED" --json "$tmp/ev.json" >/dev/null 2>&1 ||
        { echo "eval failed"; return; }
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print('%.3f / %.3f' % (d['SNP']['genotype']['f1'], d['INDEL']['genotype']['f1']))" "$tmp/ev.json"
}
nrec() { if [[ -s $1 ]]; then bcftools view -H "$1" 2>/dev/null | wc -l; else echo 0; fi; }

echo "| slice | tool | threads | wall s | candidates | candidates/s | Mbp/s | peak RSS MiB | records | GT F1 SNP / INDEL | note |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
declare -A CALLA_MBPS
run_slice() {  # key name dir bam ref region platform truth fb_timeout
    local key=$1 name=$2 d=$SHARED/data/$3 bam=$4 ref=$5 reg=$6 plat=$7 fbt=$9
    [[ -d $d ]] || { echo "| $name | (data absent) ||||||||||"; return; }
    REF=$d/$ref EVALBED=$d/eval.bed
    bcftools view -R "$EVALBED" -Oz -o "$tmp/truth.vcf.gz" "$d/$8"
    local beg=${reg#*:}; beg=${beg%-*}; local end=${reg#*-}; local bp=$((end - beg + 1))
    # candidates: the sites `calla call` sends through the network (calla tensors, same defaults)
    "$CALLA" tensors -b "$d/$bam" -f "$d/$ref" -r "$reg" --platform "$plat" -o "$tmp/c.ctf" 2>/dev/null
    local nc; nc=$("$CALLA" view -H "$tmp/c.ctf" | awk '/^records:/{print $2}')
    local s rss st t
    # scan-only time (calla tensors), to split the call time into scanning and network
    read -r s rss st < <(measure "$REPS" "$CALLA" tensors -b "$d/$bam" -f "$d/$ref" -r "$reg" --platform "$plat" \
        -@ "$THREADS" -o "$tmp/c.ctf")
    row "$name" "calla tensors (scan only)" "$THREADS" "$bp" "$nc" "$s" "$rss" - - ""
    local scan=$s
    # start-up alone (index, reference and model loading): the same commands on the slice's
    # first 100 bp, which hold no candidate
    local tiny="${reg%%:*}:$beg-$((beg + 99))" scan0 call0
    read -r scan0 rss st < <(measure "$REPS" "$CALLA" tensors -b "$d/$bam" -f "$d/$ref" -r "$tiny" --platform "$plat" \
        -@ "$THREADS" -o "$tmp/c0.ctf")
    read -r call0 rss st < <(measure "$REPS" "$CALLA" call -b "$d/$bam" -f "$d/$ref" -m "$tmp/model_$plat.safetensors" \
        -r "$tiny" -@ "$THREADS" -o "$tmp/c0.vcf.gz")
    row "$name" "calla call, first 100 bp (start-up)" "$THREADS" 100 - "$call0" "$rss" "$(nrec "$tmp/c0.vcf.gz")" - ""
    for t in 1 "$THREADS"; do
        read -r s rss st < <(measure "$REPS" "$CALLA" call -b "$d/$bam" -f "$d/$ref" -m "$tmp/model_$plat.safetensors" \
            -r "$reg" -@ "$t" -o "$tmp/calla.vcf.gz")
        [[ $st -eq 0 ]] || { echo "calla call failed on $name: $(tail -n 1 "$tmp/err")" >&2; }
        # the candidates calla call itself reports ("done: ... N candidates, ...")
        local ncc; ncc=$(grep -o '[0-9]* candidates' "$tmp/err" | tail -n 1 | cut -d' ' -f1)
        [[ -n $ncc ]] && nc=$ncc
        row "$name" "calla call" "$t" "$bp" "$nc" "$s" "$rss" "$(nrec "$tmp/calla.vcf.gz")" "$(f1 "$tmp/calla.vcf.gz")" ""
        [[ $t == "$THREADS" ]] && CALLA_MBPS[$key]="$s $scan $nc $bp $scan0 $call0"
        [[ $THREADS == 1 ]] && break
    done
    read -r s rss st < <(measure "$REPS" bash -c 'bcftools mpileup -f "$1" -r "$2" "$3" 2>/dev/null |
        bcftools call -mv -Oz -o "$4"' _ "$d/$ref" "$reg" "$d/$bam" "$tmp/bcf.vcf.gz")
    row "$name" "bcftools mpileup \| call -mv" 1 "$bp" - "$s" "$rss" "$(nrec "$tmp/bcf.vcf.gz")" "$(f1 "$tmp/bcf.vcf.gz")" ""
    if command -v freebayes >/dev/null; then
        # freebayes needs a plain FASTA: the slice's contig, extracted once (not timed)
        local ctg=${reg%%:*}
        samtools faidx "$d/$ref" "$ctg" >"$tmp/fb.fa" && samtools faidx "$tmp/fb.fa"
        rm -f "$tmp/fb.vcf"
        read -r s rss st < <(measure 1 timeout "$fbt" freebayes -f "$tmp/fb.fa" -r "$ctg:$((beg - 1))-$end" \
            -v "$tmp/fb.vcf" "$d/$bam")
        local note=""; [[ $st -eq 124 ]] && note="stopped by timeout after ${fbt} s"
        [[ $st -ne 0 && $st -ne 124 ]] && note="exit $st"
        row "$name" "freebayes" 1 "$bp" - "$s" "$rss" "$(nrec "$tmp/fb.vcf")" "$([[ $st -eq 0 ]] && f1 "$tmp/fb.vcf" || echo -)" "$note"
    else
        echo "| $name | freebayes | - | - | - | - | - | - | - | - | not installed |"
    fi
}
run_slice ilmn "HG001 Illumina 52x" hg001_illumina_grch37_chr20_10.0-10.1Mb NA12878_S1.chr20.10_10p1mb.bam \
    ucsc.hg19.chr20.unittest.fasta.gz chr20:10000001-10100000 ilmn test_nist.b37_chr20_100kbp_at_10mb.vcf.gz \
    "${FB_TIMEOUT:-600}"
run_slice ont "HG002 ONT R10.4.1 54x" hg002_ont_r1041_grch38_chr20_5.050-5.075Mb HG002_R10_chr20_5050000_5075000.bam \
    grch38.chr20_5050000_5075000.masked.fa.gz chr20:5050001-5075000 ont HG002_GRCh38_1_22_v4.2.1_benchmark.chr20.vcf.gz \
    "${FB_TIMEOUT:-300}"

# Extrapolation to a 30x human genome from the Illumina slice (52x). Start-up (measured on 100 bp
# without candidates) is paid once per run, so it is taken off both the call and the scan times;
# what remains is per-base work: scanning, which scales with depth (x 30/52), and inference, which
# scales with the candidate count (the slice's density; at 30x fewer low-frequency sites pass the
# AF thresholds, so this overestimates). Same machine, same threads.
if [[ -n ${CALLA_MBPS[ilmn]:-} ]]; then
    read -r s scan nc bp scan0 call0 <<<"${CALLA_MBPS[ilmn]}"
    awk -v s="$s" -v scan="$scan" -v bp="$bp" -v nc="$nc" -v t="$THREADS" -v scan0="$scan0" -v call0="$call0" 'BEGIN{
        sw = scan - scan0; if (sw < 0) sw = 0
        work = s - call0; if (work < sw) work = sw
        net = work - sw
        per_mbp = (sw * 30 / 52 + net) / (bp / 1e6)
        printf "\nExtrapolated 30x human genome (3,100 Mbp), %d threads: %.2f s per Mbp = (scan %.2f s x 30/52 + inference %.2f s) per %.0f kbp (%d candidates; start-up %.2f s excluded) -> %.1f h (%.3f Mbp/s)\n",
               t, per_mbp, sw, net, bp / 1e3, nc, call0, per_mbp * 3100 / 3600, 1 / per_mbp }'
fi
