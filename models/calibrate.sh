#!/usr/bin/env bash
# models/calibrate.sh — fits the GQ calibration map of a shipped model on held-out simulated data
# and installs it as the model's metadata `gq_calibration` (docs/calling.md, "GQ and its
# calibration"; run by models/recipe.sh after training, or alone on models/NAME.safetensors).
#
#   1. fit data: GRCh38 chr21:6,000,001-9,000,000 (never used for training: chr20, and with CHR21=1 chr21 outside
#      5.9-9.1 Mb) with planted SNPs and indels (4 + 1 per kb, both haplotypes), reads at the recipe's
#      depth                                                                calla simulate
#   2. call it with the model without a map, fit the map                   calla call, calla eval
#      --fit-calibration
#   3. before/after check on the two evaluation windows of chr20 (planted variants, seeds as in
#      bench/accuracy): the calibration table without and with the map      calla eval --calibration
#   4. install: the model with the map (fp16 storage, other metadata kept) + NAME.calibration.txt
#
# Usage: bash models/calibrate.sh NAME [WORKDIR]     NAME: ilmn | hifi | ont
#   WORKDIR [model-work/NAME/calibration]; env: CALLA [build/calla], SHARED [../shared],
#   THREADS [2], DEPTH [ilmn 50, hifi 30, ont 50], INSTALL=0: leave models/ alone.
# Simulated data already in WORKDIR (fit/, ev-w1/, ev-w2/) is reused.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
NAME=${1:?usage: bash models/calibrate.sh ilmn|hifi|ont [WORKDIR]}
W=${2:-$root/model-work/$NAME/calibration}
CALLA=${CALLA:-$root/build/calla}
SHARED=${SHARED:-$root/../shared}
THREADS=${THREADS:-2}
INSTALL=${INSTALL:-1}
FA=$SHARED/data/grch38_chr20_10Mb_hg002_truth/grch38.chr20_and_21_10M.fa.gz
case $NAME in
ilmn | ont) DEPTH=${DEPTH:-50} ;;
hifi) DEPTH=${DEPTH:-30} ;;
*) echo "calibrate: unknown model \"$NAME\" (ilmn, hifi, ont)" >&2; exit 1 ;;
esac
MODEL=$root/models/$NAME.safetensors
[[ -x $CALLA && -s $MODEL && -s $FA ]] || { echo "calibrate: needs $CALLA, $MODEL and $FA" >&2; exit 1; }
mkdir -p "$W"
say() { printf '=== calibrate %s: %s\n' "$NAME" "$*" >&2; }
sim() {  # DIR REGION SEED
    [[ -s $1/reads.bam ]] && return 0
    say "simulate $2, ${DEPTH}x"
    "$CALLA" simulate -o "$1" -f "$FA" -r "$2" --platform "$NAME" --depth "$DEPTH" \
        --snp-rate 0.004 --indel-rate 0.001 --seed "$3" -@ "$THREADS" 2>"$1.log"
}
sim "$W/fit" chr21:6000001-9000000 2002
sim "$W/ev-w1" chr20:4900001-5200000 1001
sim "$W/ev-w2" chr20:8900001-9200000 1002
E=$W/ev
if [[ ! -s $E/reads.bam ]]; then
    mkdir -p "$E"
    samtools merge -f -o "$E/reads.bam" "$W/ev-w1/reads.bam" "$W/ev-w2/reads.bam" && samtools index "$E/reads.bam"
    bcftools concat -Oz -o "$E/truth.vcf.gz" "$W/ev-w1/truth.vcf.gz" "$W/ev-w2/truth.vcf.gz" 2>/dev/null
    bcftools index -f -t "$E/truth.vcf.gz"
    cp "$W/ev-w1/ref.fa" "$W/ev-w1/ref.fa.fai" "$E/"
    # scored: each window less 20 kb at both ends (full depth), as bench/accuracy
    cat "$W/ev-w1/confident.bed" "$W/ev-w2/confident.bed" |
        awk -v OFS='\t' '{b = $2 + 19000; e = $3 - 19000; if (b < e) print $1, b, e}' >"$E/score.bed"
fi

say "fit the map on chr21 calls of the model without one"
"$CALLA" model "$MODEL" --store f16 --meta gq_calibration= -o "$W/raw.safetensors" >/dev/null
"$CALLA" call -b "$W/fit/reads.bam" -f "$W/fit/ref.fa" -m "$W/raw.safetensors" -R "$W/fit/confident.bed" \
    -@ "$THREADS" --quiet -o "$W/fit.vcf.gz"
"$CALLA" eval -t "$W/fit/truth.vcf.gz" -q "$W/fit.vcf.gz" -f "$W/fit/ref.fa" -R "$W/fit/confident.bed" \
    --no-strata --fit-calibration "$W/map.txt" >"$W/fit.eval.txt"
map=$(cat "$W/map.txt")
"$CALLA" model "$W/raw.safetensors" --store f16 --meta "gq_calibration=$map" \
    --meta "calibration.data=calla simulate: GRCh38 chr21:6,000,001-9,000,000, planted variants (seed 2002), $NAME ${DEPTH}x; models/calibrate.sh" \
    -o "$W/calibrated.safetensors" >/dev/null

say "before/after on the chr20 evaluation windows"
for m in raw calibrated; do
    "$CALLA" call -b "$E/reads.bam" -f "$E/ref.fa" -m "$W/$m.safetensors" -R "$E/score.bed" \
        -@ "$THREADS" --quiet -o "$W/ev.$m.vcf.gz"
    "$CALLA" eval -t "$E/truth.vcf.gz" -q "$W/ev.$m.vcf.gz" -f "$E/ref.fa" -R "$E/score.bed" --no-strata \
        --calibration "$W/ev.$m.svg" >"$W/ev.$m.txt" 2>/dev/null
done
{
    echo "# GQ calibration of models/$NAME.safetensors (models/calibrate.sh)"
    echo "# map (raw GQ:calibrated GQ): $map"
    echo "# held-out chr20 windows, without the map:"
    sed -n '/^GQ/,$p' "$W/ev.raw.txt"
    echo "# with the map:"
    sed -n '/^GQ/,$p' "$W/ev.calibrated.txt"
} >"$W/calibration.txt"
cat "$W/calibration.txt" >&2
if [[ $INSTALL == 1 ]]; then
    cp "$W/calibrated.safetensors" "$MODEL"
    cp "$W/calibration.txt" "$root/models/$NAME.calibration.txt"
    cp "$W/ev.calibrated.svg" "$root/models/$NAME.calibration.svg"
    say "installed $MODEL"
fi
