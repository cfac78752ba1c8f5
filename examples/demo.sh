#!/usr/bin/env bash
# examples/demo.sh — calla end to end on a synthetic genome, on CPU (run by `make demo`).
#
#   simulate genome + planted variants + Illumina reads (bwa mem)   calla simulate
#   labelled pileup tensors on contig sim1 (training part)          calla tensors --truth
#   train the Clair3 pileup network on CPU                          calla train
#   training curves                                                 calla plot (+ rsvg-convert)
#   call contig sim2, never seen in training                        calla call
#   precision / recall / F1 against the planted truth               calla eval
#
# Usage: bash examples/demo.sh [OUTDIR]        (default demo-out/ under the current directory)
# Environment:
#   DEMO_SIZE=full|small   full: 2 Mb genome, 30x, 12 epochs, ~5-10 min on 2 cores (docs/demo.md);
#                          small: 200 kb, 4 epochs, ~15-30 s (CI, tests/cli/test_demo_short.sh)
#   DEMO_THREADS=N         threads for simulate, tensors and call [2]
#   DEMO_TRAIN_THREADS=N   threads for training [1]
#   DEMO_SEED=S            seed of the genome, variants, reads and training [1]
#   CALLA=path             use this binary: no dependency install, no build
#   BUILD=dir              build directory when CALLA is unset [build]
#   DEMO_EPOCHS, DEMO_LR, DEMO_BATCH   override the training recipe of the chosen size
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-${DEMO_OUT:-demo-out}}
SIZE=${DEMO_SIZE:-full}
THREADS=${DEMO_THREADS:-2}
# Batches of 50 are too small to split across threads: on the 2-core development machine -@ 2
# was hardly faster than -@ 1 and used 1.7x the CPU (docs/demo.md), so training uses one thread.
TRAIN_THREADS=${DEMO_TRAIN_THREADS:-1}
SEED=${DEMO_SEED:-1}
T0=$(date +%s)

# Parameters per size. The training contig sim1 is two thirds of the genome (contig lengths are
# in the ratio 2:1), the held-out contig sim2 one third.
case $SIZE in
full)
    GENOME=2000k DEPTH=30 SNP_RATE=0.003 INDEL_RATE=0.0006
    EPOCHS=${DEMO_EPOCHS:-12} LR=${DEMO_LR:-1e-3} BATCH=${DEMO_BATCH:-50} ;;
small)
    GENOME=200k DEPTH=25 SNP_RATE=0.005 INDEL_RATE=0.001
    EPOCHS=${DEMO_EPOCHS:-4} LR=${DEMO_LR:-1e-3} BATCH=${DEMO_BATCH:-50} ;;
*)
    echo "demo: DEMO_SIZE must be full or small, not \"$SIZE\"" >&2; exit 2 ;;
esac

elapsed() { local s=$(($(date +%s) - T0)); printf '%d:%02d' $((s / 60)) $((s % 60)); }
n_step=0
step() {
    n_step=$((n_step + 1))
    local b="" e=""
    [[ -t 2 ]] && b=$'\033[1m' e=$'\033[0m'   # bold on a terminal only
    printf '\n%s=== [%s] step %d/8: %s%s\n' "$b" "$(elapsed)" "$n_step" "$*" "$e" >&2
}
die() { echo "demo: $*" >&2; exit 1; }

step "dependencies and build"
if [[ -z ${CALLA:-} ]]; then
    bash "$root/scripts/install-deps.sh" || die "scripts/install-deps.sh failed (needs root or sudo for apt-get)"
    BUILD=${BUILD:-build}
    # make decides whether the binary is missing or stale.
    make -C "$root" BUILD="$BUILD" -j"$THREADS" "$BUILD/calla" >&2 || die "build failed"
    CALLA=$root/$BUILD/calla
    [[ $BUILD == /* ]] && CALLA=$BUILD/calla
fi
[[ -x $CALLA ]] || die "no calla binary at \"$CALLA\""
for tool in bwa samtools bcftools; do
    command -v "$tool" >/dev/null || die "$tool not found in PATH (bash scripts/install-deps.sh)"
done
echo "calla: $CALLA ($("$CALLA" --version 2>/dev/null | head -n 1)), size $SIZE, $THREADS threads, output $OUT" >&2
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
sim=$OUT/sim

step "simulate a $GENOME genome (2 contigs), planted SNPs/indels, ${DEPTH}x Illumina 2x150 reads, bwa mem"
rm -rf "$sim"
"$CALLA" simulate -o "$sim" --genome-size "$GENOME" --contigs 2 --platform ilmn --depth "$DEPTH" \
    --snp-rate "$SNP_RATE" --indel-rate "$INDEL_RATE" --seed "$SEED" -@ "$THREADS"
# confident regions split by contig: sim1 trains, sim2 is held out for calling and evaluation
awk '$1 == "sim1"' "$sim/confident.bed" >"$OUT/train.bed"
awk '$1 == "sim2"' "$sim/confident.bed" >"$OUT/heldout.bed"
[[ -s $OUT/train.bed && -s $OUT/heldout.bed ]] || die "confident.bed lacks sim1 or sim2"
read -r n_train n_held < <(bcftools view -H "$sim/truth.vcf.gz" |
    awk '$1=="sim1"{a++} $1=="sim2"{b++} END{print a+0, b+0}')
echo "truth: $n_train variants on sim1 (training), $n_held on sim2 (held out)" >&2

step "labelled clair3-pileup tensors on sim1 (training contig only)"
"$CALLA" tensors -b "$sim/reads.bam" -f "$sim/ref.fa" --platform ilmn -R "$OUT/train.bed" \
    --truth "$sim/truth.vcf.gz" --confident "$OUT/train.bed" --seed "$SEED" -@ "$THREADS" \
    -o "$OUT/train.ctf"

step "train the Clair3 pileup model on CPU ($EPOCHS epochs, batch $BATCH, AdamW lr $LR)"
rm -f "$OUT/train.jsonl" "$OUT/model.safetensors.ckpt"
"$CALLA" train -i "$OUT/train.ctf" --model clair3-pileup --platform ilmn \
    --epochs "$EPOCHS" --batch "$BATCH" --chunk "$BATCH" --lr "$LR" --seed "$SEED" \
    --early-stop 0 -@ "$TRAIN_THREADS" --log "$OUT/train.jsonl" -o "$OUT/model.safetensors"
rm -f "$OUT/model.safetensors.ckpt"

step "training curves"
"$CALLA" plot "$OUT/train.jsonl" -o "$OUT/curves.svg" --title "calla demo: Clair3 pileup, $SIZE"
if command -v rsvg-convert >/dev/null; then
    rsvg-convert -f png -o "$OUT/curves.png" "$OUT/curves.svg" || echo "rsvg-convert failed; SVG only" >&2
fi

step "call the held-out contig sim2"
"$CALLA" call -b "$sim/reads.bam" -f "$sim/ref.fa" -m "$OUT/model.safetensors" --platform ilmn \
    -r sim2 -@ "$THREADS" -o "$OUT/calls.vcf.gz"

step "evaluate against the planted truth (sim2 confident regions)"
"$CALLA" eval -t "$sim/truth.vcf.gz" -q "$OUT/calls.vcf.gz" -f "$sim/ref.fa" -R "$OUT/heldout.bed" \
    --json "$OUT/eval.json" | tee "$OUT/eval.txt"

step "done"
awk '$2 == "allele" || $2 == "genotype" {printf "held-out %s %s-level: precision %s recall %s F1 %s\n", $1, $2, $(NF-2), $(NF-1), $NF}' \
    "$OUT/eval.txt" >&2
echo "wall time $(elapsed) (m:ss). Files in $OUT:" >&2
while read -r f desc; do
    [[ -e $OUT/$f ]] && printf '  %-22s %s\n' "$f" "$desc" >&2
done <<'EOF_FILES'
sim/ref.fa             simulated genome (contigs sim1: training, sim2: held out)
sim/truth.vcf.gz       planted variants (the truth)
sim/reads.bam          simulated Illumina reads aligned with bwa mem
train.ctf              labelled training tensors (sim1)
model.safetensors      trained Clair3 pileup model (best validation loss)
train.jsonl            training log, one JSON line per epoch
curves.svg             training curves
curves.png             training curves (PNG, rsvg-convert)
calls.vcf.gz           calls on the held-out contig sim2 (+ .tbi)
eval.txt               precision / recall / F1 table (calla eval)
eval.json              the same counts as JSON
EOF_FILES
