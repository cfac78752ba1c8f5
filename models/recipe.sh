#!/usr/bin/env bash
# models/recipe.sh — how the models shipped in models/ were made (run by `make model-ilmn`,
# `make model-hifi`, `make model-ont`, `make model-clairvoyante`).
#
#   1. simulate HG002's two haplotypes of GRCh38 chr20:1-10,000,000 (real sequence, real GIAB
#      v4.2.1 truth) and reads for the platform                       calla simulate --truth
#   2. training regions: the GIAB confident regions of chr20:1-10 Mb MINUS the two evaluation
#      windows chr20:4,900,000-5,200,000 and 8,900,000-9,200,000, each padded by 100 kb, so no
#      read that touches a window can feed a training or validation tensor        (awk below)
#   3. labelled tensors: the first part at full depth, the second from a down-sampled copy of
#      the BAM, so the model sees two depths                           calla tensors --truth
#      + a check that no tensor lies within the padded windows                    (calla view)
#   4. train on CPU (validation = a chunked 10% split of the tensors)   calla train
#   5. curves                                                           calla plot
#   6. simulated evaluation: call the two windows (never trained on) and compare with the
#      HG002 truth inside the confident regions                         calla call, calla eval
#   7. install: models/<name>.safetensors (fp16 storage) + models/<name>.json (metadata)
#   8. GQ calibration map fitted on held-out chr21 data (models/calibrate.sh; CALIBRATE=0 skips)
#
# Usage: bash models/recipe.sh NAME [WORKDIR]
#   NAME: ilmn | hifi | ont (Clair3 pileup model) | clairvoyante-ilmn (Clairvoyante, Illumina)
#   WORKDIR: where the simulated data and logs go [model-work/NAME]
# Environment: CALLA (binary) [build/calla], SHARED [../shared], THREADS [2],
#   EPOCHS, LR, BATCH, DEPTH, SEED, SCHED (--schedule), EARLY_STOP: override the recipe
#   (recorded in the metadata),
#   HARD_RATE=F: also plant hard cases (calla simulate --hard-rate F: repeat indels, 1/2 sites,
#   long indels, clusters; the evaluation windows get them too), UNIFY=1: label the tensors with
#   representation unification (calla tensors --unify); both off in the shipped models' recipe,
#   INSTALL=0: leave models/ alone (train into WORKDIR only),
#   RESUME=1: continue the last training from its checkpoint up to EPOCHS (exact resume: the same
#   result as training EPOCHS from the start), then evaluate and install.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
NAME=${1:?usage: bash models/recipe.sh ilmn|hifi|ont|clairvoyante-ilmn [WORKDIR]}
W=${2:-$root/model-work/$NAME}
CALLA=${CALLA:-$root/build/calla}
SHARED=${SHARED:-$root/../shared}
THREADS=${THREADS:-2}
SEED=${SEED:-1}
INSTALL=${INSTALL:-1}
D=$SHARED/data/grch38_chr20_10Mb_hg002_truth
FA=$D/grch38.chr20_and_21_10M.fa.gz
TRUTH=$D/HG002_GRCh38_1_22_v4.2.1_benchmark.chr20.vcf.gz
CONF=$D/HG002_GRCh38_1_22_v4.2.1_benchmark.chr20.bed
T0=$(date +%s)
die() { echo "recipe: $*" >&2; exit 1; }
say() { printf '\n=== [%ds] %s: %s\n' $(($(date +%s) - T0)) "$NAME" "$*" >&2; }

# The recipe per model. DEPTH: simulated depth; SPLIT: the first training part (chr20 < SPLIT)
# uses the full depth, the rest a copy down-sampled to FRAC. Illumina and ONT at ~50x because the
# real GIAB slices we evaluate on are 52x and 54x; FRAC puts the second part at ~25-30x.
ARCH=clair3-pileup FEAT=clair3-pileup PLAT=$NAME SCHED=${SCHED:-} EARLY=${EARLY_STOP:-4}
case $NAME in
ilmn) DEPTH=${DEPTH:-50} FRAC=0.5 EPOCHS=${EPOCHS:-16} LR=${LR:-1e-3} BATCH=${BATCH:-200}
    SCHED=${SCHED:-warmup-cosine} EARLY=${EARLY_STOP:-0} ;;
hifi) DEPTH=${DEPTH:-30} FRAC=0.6 EPOCHS=${EPOCHS:-12} LR=${LR:-1e-3} BATCH=${BATCH:-200} ;;
ont) DEPTH=${DEPTH:-50} FRAC=0.6 EPOCHS=${EPOCHS:-12} LR=${LR:-1e-3} BATCH=${BATCH:-200} ;;
clairvoyante-ilmn)
    ARCH=clairvoyante FEAT=clairvoyante PLAT=ilmn
    DEPTH=${DEPTH:-50} FRAC=0.5 EPOCHS=${EPOCHS:-30} LR=${LR:-1e-3} BATCH=${BATCH:-500} ;;
*) die "unknown model \"$NAME\" (ilmn, hifi, ont, clairvoyante-ilmn)" ;;
esac
SPLIT=5300000
UNIFY_OPT=()
[[ ${UNIFY:-0} == 1 ]] && UNIFY_OPT=(--unify)
SIM_REGION=${SIM_REGION:-chr20:1-10000000}   # a smaller region for a smoke test
[[ -x $CALLA ]] || die "no calla binary at $CALLA (make)"
[[ -f $FA && -f $TRUTH && -f $CONF ]] || die "missing $D (the shared GRCh38 chr20 + HG002 data)"
for t in samtools bcftools; do command -v $t >/dev/null || die "$t not in PATH"; done
mkdir -p "$W"
W=$(cd "$W" && pwd)

# --- 1. reads. The Clairvoyante model reuses the Illumina simulation when it exists.
SIM=$W/sim
[[ $NAME == clairvoyante-ilmn && -s $root/model-work/ilmn/sim/reads.bam ]] && SIM=$root/model-work/ilmn/sim
if [[ ! -s $SIM/reads.bam ]]; then
    say "simulate HG002 $SIM_REGION, $PLAT, ${DEPTH}x"
    "$CALLA" simulate -o "$SIM" -f "$FA" --truth "$TRUTH" --sample HG002 -r "$SIM_REGION" \
        --platform "$PLAT" --depth "$DEPTH" --seed "$SEED" -@ "$THREADS" \
        ${HARD_RATE:+--hard-rate "$HARD_RATE"}
fi

# --- 2. regions. Windows are 0-based half-open here (BED): [4899999, 5200000) etc.
say "training and evaluation regions"
cat >"$W/eval_windows.bed" <<'EOF'
chr20	4899999	5200000
chr20	8899999	9200000
EOF
awk -v OFS='\t' '{print $1, $2 - 100000, $3 + 100000}' "$W/eval_windows.bed" >"$W/excluded.bed"
# confident ∩ chr20:[0,10M) minus excluded (two sorted, disjoint intervals)
awk -v OFS='\t' 'NR == FNR { xb[NR] = $2; xe[NR] = $3; nx = NR; next }
    $1 != "chr20" { next }
    { b = $2; e = ($3 > 10000000 ? 10000000 : $3); if (b >= e) next
      for (i = 1; i <= nx && b < e; i++) {
          if (xe[i] <= b || xb[i] >= e) continue
          if (xb[i] > b) print $1, b, xb[i]
          b = xe[i] }
      if (b < e) print $1, b, e }' "$W/excluded.bed" "$CONF" >"$W/train.bed"
awk -v s=$SPLIT -v OFS='\t' '$3 <= s' "$W/train.bed" >"$W/train_a.bed"
awk -v s=$SPLIT -v OFS='\t' '$2 >= s' "$W/train.bed" >"$W/train_b.bed"
# evaluation regions: confident ∩ windows
awk -v OFS='\t' 'NR == FNR { xb[NR] = $2; xe[NR] = $3; nx = NR; next }
    { for (i = 1; i <= nx; i++) { b = ($2 > xb[i] ? $2 : xb[i]); e = ($3 < xe[i] ? $3 : xe[i])
      if (b < e) print $1, b, e } }' "$W/eval_windows.bed" "$CONF" >"$W/eval.bed"
awk 'FNR == NR {s += $3 - $2; next} {e += $3 - $2} END {printf "training regions %.2f Mbp, evaluation regions %.0f kbp\n", s / 1e6, e / 1e3}' "$W/train.bed" "$W/eval.bed" >&2
# the split must not cut a training interval in two (SPLIT lies in the excluded padding)
[[ $(($(wc -l <"$W/train_a.bed") + $(wc -l <"$W/train_b.bed"))) -eq $(wc -l <"$W/train.bed") ]] ||
    die "split $SPLIT cuts a training interval"

# --- 3. tensors
if [[ ! -s $SIM/reads.ds.bam ]]; then
    say "down-sample to $FRAC for the second training part"
    samtools view -@ "$THREADS" -b -s "$SEED$(printf '%s' "$FRAC" | sed 's/^0//')" -o "$SIM/reads.ds.bam.tmp" "$SIM/reads.bam"
    mv "$SIM/reads.ds.bam.tmp" "$SIM/reads.ds.bam"
    samtools index "$SIM/reads.ds.bam"
fi
say "labelled $FEAT tensors"
"$CALLA" tensors -b "$SIM/reads.bam" -f "$SIM/ref.fa" --platform "$PLAT" --features "$FEAT" \
    -R "$W/train_a.bed" --truth "$SIM/truth.vcf.gz" --confident "$W/train_a.bed" --seed "$SEED" \
    "${UNIFY_OPT[@]}" -@ "$THREADS" -o "$W/train_a.ctf"
"$CALLA" tensors -b "$SIM/reads.ds.bam" -f "$SIM/ref.fa" --platform "$PLAT" --features "$FEAT" \
    -R "$W/train_b.bed" --truth "$SIM/truth.vcf.gz" --confident "$W/train_b.bed" --seed "$SEED" \
    "${UNIFY_OPT[@]}" -@ "$THREADS" -o "$W/train_b.ctf"
# the exclusion, checked on the tensors themselves
for f in train_a train_b; do
    n=$("$CALLA" view "$W/$f.ctf" | awk -F'\t' '$2 > 4800000 && $2 <= 5300000 || $2 > 8800000 && $2 <= 9300000' | wc -l)
    [[ $n -eq 0 ]] || die "$n tensors of $f.ctf lie within the excluded windows"
done
echo "tensors: $("$CALLA" view -H "$W/train_a.ctf" | awk '/^records:/{print $2}') (full depth) +" \
    "$("$CALLA" view -H "$W/train_b.ctf" | awk '/^records:/{print $2}') (down-sampled); none within 100 kb of an evaluation window" >&2

# --- 4. training
if [[ ${RESUME:-0} == 1 && -s $W/model.safetensors.ckpt ]]; then
    say "resume training up to $EPOCHS epochs"
    "$CALLA" train -i "$W/train_a.ctf" "$W/train_b.ctf" --resume "$W/model.safetensors.ckpt" --epochs "$EPOCHS" -@ "$THREADS" \
        --log "$W/train.jsonl" -o "$W/model.safetensors"
else
say "train $ARCH on CPU: $EPOCHS epochs, batch $BATCH, lr $LR, $THREADS threads"
rm -f "$W/train.jsonl" "$W/model.safetensors.ckpt"
"$CALLA" train -i "$W/train_a.ctf" "$W/train_b.ctf" --model "$ARCH" --platform "$PLAT" \
    --epochs "$EPOCHS" --batch "$BATCH" --chunk 100 --lr "$LR" --seed "$SEED" --early-stop "$EARLY" \
    ${SCHED:+--schedule "$SCHED"} \
    -@ "$THREADS" --log "$W/train.jsonl" -o "$W/model.safetensors"
fi
"$CALLA" plot "$W/train.jsonl" -o "$W/curves.svg" --title "calla $NAME model ($ARCH)"

# --- 6. simulated evaluation on the windows
say "call and evaluate the held-out windows"
"$CALLA" call -b "$SIM/reads.bam" -f "$SIM/ref.fa" -m "$W/model.safetensors" -R "$W/eval.bed" \
    -@ "$THREADS" -o "$W/eval_calls.vcf.gz"
"$CALLA" eval -t "$SIM/truth.vcf.gz" -q "$W/eval_calls.vcf.gz" -f "$SIM/ref.fa" -R "$W/eval.bed" \
    --json "$W/eval.json" | tee "$W/eval.txt" >&2

# --- 7. install
if [[ $INSTALL == 1 ]]; then
    say "install into models/"
    commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
    evalsum=$(awk '$2 == "allele" || $2 == "genotype" {printf "%s%s %s F1 %s", n++ ? "; " : "", $1, $2, $NF}' "$W/eval.txt")
    "$CALLA" model --store f16 -o "$root/models/$NAME.safetensors" \
        --meta recipe="models/recipe.sh $NAME (calla commit $commit)" \
        --meta training.data="calla simulate: GRCh38 chr20:1-10,000,000 + HG002 GIAB v4.2.1${HARD_RATE:+ + hard cases at $HARD_RATE/bp}, $PLAT ${DEPTH}x (second part down-sampled to $FRAC); evaluation windows chr20:4.9-5.2 Mb and 8.9-9.2 Mb +-100 kb excluded${UNIFY_OPT:+; labels unified (tensors --unify)}" \
        --meta training.inputs="train_a.ctf train_b.ctf" \
        --meta training.recipe="$ARCH, epochs $EPOCHS, batch $BATCH, lr $LR${SCHED:+ $SCHED}, seed $SEED, early stop $EARLY" \
        --meta eval.sim_windows="$evalsum" \
        "$W/model.safetensors" >/dev/null
    cp "$W/curves.svg" "$root/models/$NAME.curves.svg"
    cp "$W/train.jsonl" "$root/models/$NAME.train.jsonl"
    cp "$W/eval.txt" "$root/models/$NAME.eval.txt"
    # GQ calibration on held-out chr21 data (Clair3 pileup models; CALIBRATE=0 skips it)
    if [[ $ARCH == clair3-pileup && ${CALIBRATE:-1} == 1 ]]; then
        say "GQ calibration"
        CALLA=$CALLA SHARED=$SHARED THREADS=$THREADS bash "$root/models/calibrate.sh" "$NAME" "$W/calibration"
    fi
fi
say "done in $(($(date +%s) - T0)) s"
