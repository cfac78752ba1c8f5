#!/usr/bin/env bash
# models/recipe.sh — how the models shipped in models/ were made (run by `make model-ilmn`,
# `make model-hifi`, `make model-ont`, `make model-clairvoyante`; the full-alignment models by
# `make model-ilmn-fa`, `model-hifi-fa`, `model-ont-fa`: the FA stage below).
#
#   1. simulate HG002's two haplotypes of GRCh38 chr20:1-10,000,000 (real sequence, real GIAB
#      v4.2.1 truth) and reads for the platform                       calla simulate --truth
#   2. training regions: the GIAB confident regions of chr20:1-10 Mb MINUS the two evaluation
#      windows chr20:4,900,000-5,200,000 and 8,900,000-9,200,000, each padded by 100 kb, so no
#      read that touches a window can feed a training or validation tensor        (awk below)
#   3. labelled tensors: the first part at full depth, the second from a down-sampled copy of
#      the BAM, so the model sees two depths; with LOW_FRAC (Illumina, ONT default) the first part
#      again from a further down-sampled copy (~20x); with CHR21 (ONT default) two pieces of
#      chr21 with planted variants                                     calla tensors --truth
#      + a check that no tensor lies within the padded windows                    (calla view)
#   4. train on CPU (validation = a chunked 10% split of the tensors)   calla train
#   5. curves                                                           calla plot
#   6. simulated evaluation: call the two windows (never trained on) and compare with the
#      HG002 truth inside the confident regions                         calla call, calla eval
#   7. install: models/<name>.safetensors (fp16 storage) + models/<name>.json (metadata)
#   8. GQ calibration map fitted on held-out chr21 data (models/calibrate.sh; CALIBRATE=0 skips)
#
# FA stage (NAME = PLATFORM-fa, Clair3's full-alignment model, clair3.md §6.1):
#   1-2 as above (the pileup recipe's simulated reads are reused when model-work/PLATFORM/sim
#      exists)
#   3a. haplotag the reads from the truth's het SNPs, as Clair3 trains on reads phased from the
#      truth                                                           calla haplotag
#   3b. labelled clair3-fa tensors of the tagged reads (non-variant : variant 1 : 1), and of the
#      evaluation windows both clair3-fa and clair3-pileup tensors of the same candidates
#                                                                      calla tensors
#   4. train clair3-fa on CPU (AdamW 1e-3, wd 1e-7, warm-up; each record also as its unphased
#      copy, Clair3's --add_no_phasing_data_training; NOPHASE=0 turns it off)    calla train
#   6. held-out comparison: the FA model on the windows' FA tensors and the shipped pileup
#      model on the same candidates' pileup tensors, per stratum, and the FA model's gt21
#      confusion of the truth variants                                build/tools/evalctf -c
#      (`calla call` runs the cascade elsewhere; this stage scores the candidates)
#   7. install models/PLATFORM-fa.safetensors (fp16), curves, log and evaluation
#
# Usage: bash models/recipe.sh NAME [WORKDIR]
#   NAME: ilmn | hifi | ont (Clair3 pileup model) | clairvoyante-ilmn (Clairvoyante, Illumina) |
#         ilmn-fa | hifi-fa | ont-fa (Clair3 full-alignment model)
#   WORKDIR: where the simulated data and logs go [model-work/NAME]
# Environment: CALLA (binary) [build/calla], SHARED [../shared], THREADS [2],
#   EPOCHS, LR, BATCH, DEPTH, SEED, SCHED (--schedule), EARLY_STOP: override the recipe
#   (recorded in the metadata),
#   HARD_RATE=F: also plant hard cases (calla simulate --hard-rate F: repeat indels, 1/2 sites,
#   long indels, clusters; the evaluation windows get them too), UNIFY=1: label the tensors with
#   representation unification (calla tensors --unify); both off in the shipped models' recipe,
#   LOW_FRAC=F: a third tensor set, the first part's regions again from a copy of the reads
#   down-sampled to F (ilmn/ont 0.4 -> ~20x, hifi 0.5 -> ~15x), so the model also sees the low
#   end of the depths users run (issue #13: Illumina 20-60x, HiFi 15-40x, ONT 20-80x)
#   [ilmn and ont 0.4, as the shipped models were trained since rounds 5 and 6; hifi off; 0
#   turns it off],
#   CHR21=1: add the real chr21 sequence outside the calibration region (chr21:5.01-5.9 Mb at
#   full depth, 9.1-10 Mb down-sampled to FRAC) with planted variants, HG002's truth being
#   chr20-only (Clair3 pileup models) [ont 1, as the shipped ONT model since round 6; the others
#   0],
#   INSTALL=0: leave models/ alone (train into WORKDIR only),
#   RESUME=1: continue the last training from its checkpoint up to EPOCHS (exact resume: the same
#   result as training EPOCHS from the start), then evaluate and install.
#   FA stage only: FA_FRAC=F: the share of the training regions that make FA tensors (the first
#   F of each part's intervals by length; 1 = all, the way to scale up on a bigger host) [0.25],
#   FA_ROWS (--fa-rows) [the platform's], NOPHASE=0|1 (the unphased copy) [1],
#   MPI_NP=N: train on N MPI ranks (mpirun -np N; THREADS per rank).
#   INIT=MODEL: FA stage: start from MODEL's parameters (calla train --init: fine-tuning), e.g.
#   another platform's shipped full-alignment model [none: a fresh initialisation],
#   DEVICE=cuda (or cuda:N): train on a GPU (calla train --device; docs/cuda.md). The shipped
#   ilmn-fa model was trained so, on an H200 (docs/models.md).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
NAME=${1:?usage: bash models/recipe.sh ilmn|hifi|ont|clairvoyante-ilmn|ilmn-fa|hifi-fa|ont-fa [WORKDIR]}
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
    SCHED=${SCHED:-warmup-cosine} EARLY=${EARLY_STOP:-0} LOW_FRAC=${LOW_FRAC-0.4} ;;
hifi) DEPTH=${DEPTH:-30} FRAC=0.6 EPOCHS=${EPOCHS:-12} LR=${LR:-1e-3} BATCH=${BATCH:-200} ;;
ont) DEPTH=${DEPTH:-50} FRAC=0.6 EPOCHS=${EPOCHS:-12} LR=${LR:-1e-3} BATCH=${BATCH:-200}
    LOW_FRAC=${LOW_FRAC-0.4} CHR21=${CHR21-1} ;;
clairvoyante-ilmn)
    ARCH=clairvoyante FEAT=clairvoyante PLAT=ilmn
    DEPTH=${DEPTH:-50} FRAC=0.5 EPOCHS=${EPOCHS:-30} LR=${LR:-1e-3} BATCH=${BATCH:-500} ;;
# Full alignment (sizes for a 2-core box: docs/models.md "Full-alignment models"): depths and
# down-sampling as the pileup model of the platform; warm-up then a constant lr (calla train's
# clair3-fa default); batch 100 in chunks of 50.
ilmn-fa|hifi-fa|ont-fa)
    ARCH=clair3-fa FEAT=clair3-fa PLAT=${NAME%-fa}
    case $PLAT in ilmn) DEPTH=${DEPTH:-50} FRAC=0.5 ;; hifi) DEPTH=${DEPTH:-30} FRAC=0.6 ;;
        ont) DEPTH=${DEPTH:-50} FRAC=0.6 ;; esac
    EPOCHS=${EPOCHS:-8} LR=${LR:-1e-3} BATCH=${BATCH:-100} SCHED=${SCHED:-warmup-linear}
    EARLY=${EARLY_STOP:-0} ;;
*) die "unknown model \"$NAME\" (ilmn, hifi, ont, clairvoyante-ilmn, ilmn-fa, hifi-fa, ont-fa)" ;;
esac
SPLIT=5300000
UNIFY_OPT=()
[[ ${UNIFY:-0} == 1 ]] && UNIFY_OPT=(--unify)
[[ ${LOW_FRAC:-0} == 0 ]] && LOW_FRAC=
SIM_REGION=${SIM_REGION:-chr20:1-10000000}   # a smaller region for a smoke test
[[ -x $CALLA ]] || die "no calla binary at $CALLA (make)"
[[ -f $FA && -f $TRUTH && -f $CONF ]] || die "missing $D (the shared GRCh38 chr20 + HG002 data)"
for t in samtools bcftools; do command -v $t >/dev/null || die "$t not in PATH"; done
mkdir -p "$W"
W=$(cd "$W" && pwd)

# --- 1. reads. The Clairvoyante model reuses the Illumina simulation when it exists.
SIM=$W/sim
[[ $NAME == clairvoyante-ilmn && -s $root/model-work/ilmn/sim/reads.bam ]] && SIM=$root/model-work/ilmn/sim
[[ $ARCH == clair3-fa && ! -s $SIM/reads.bam && -s $root/model-work/$PLAT/sim/reads.bam ]] &&
    SIM=$root/model-work/$PLAT/sim  # the pileup recipe's reads
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

# --- FA stage (NAME = PLATFORM-fa): 3a-7, then exit
fa_stage() {
    local NOPHASE=${NOPHASE:-1} FA_FRAC=${FA_FRAC:-0.25} RATIO=${FA_NONVARIANT_RATIO:-1}
    local rows_opt=() nophase_opt=() launch=()
    [[ -n ${FA_ROWS:-} ]] && rows_opt=(--fa-rows "$FA_ROWS")
    [[ $NOPHASE == 1 ]] && nophase_opt=(--add-no-phasing-copy)
    [[ -n ${MPI_NP:-} ]] && launch=(mpirun -np "$MPI_NP")
    # 3a. reads phased from the truth's het SNPs (both depths)
    for b in reads reads.ds; do
        if [[ ! -s $SIM/$b.hp.bam ]]; then
            say "haplotag $b.bam from the truth's het SNPs"
            "$CALLA" haplotag -f "$SIM/ref.fa" -v "$SIM/truth.vcf.gz" --write-index -@ "$THREADS" \
                --quiet -o "$SIM/$b.hp.bam" "$SIM/$b.bam"
        fi
    done
    # 3b. FA tensors of the first FA_FRAC of each training part
    for part in train_a train_b; do
        awk -v f="$FA_FRAC" -v OFS='\t' 'NR == FNR { L += $3 - $2; next }
            FNR == 1 { left = f * L } left > 0 { e = $2 + left; if (e > $3) e = $3
            print $1, $2, int(e); left -= e - $2 }' "$W/$part.bed" "$W/$part.bed" >"$W/fa_$part.bed"
    done
    say "labelled clair3-fa tensors (non-variant ratio $RATIO, FA_FRAC $FA_FRAC)"
    "$CALLA" tensors -b "$SIM/reads.hp.bam" -f "$SIM/ref.fa" --platform "$PLAT" --features clair3-fa \
        "${rows_opt[@]}" -R "$W/fa_train_a.bed" --truth "$SIM/truth.vcf.gz" --confident "$W/fa_train_a.bed" \
        --nonvariant-ratio "$RATIO" --seed "$SEED" "${UNIFY_OPT[@]}" -@ "$THREADS" -o "$W/train_a.ctf"
    "$CALLA" tensors -b "$SIM/reads.ds.hp.bam" -f "$SIM/ref.fa" --platform "$PLAT" --features clair3-fa \
        "${rows_opt[@]}" -R "$W/fa_train_b.bed" --truth "$SIM/truth.vcf.gz" --confident "$W/fa_train_b.bed" \
        --nonvariant-ratio "$RATIO" --seed "$SEED" "${UNIFY_OPT[@]}" -@ "$THREADS" -o "$W/train_b.ctf"
    for f in train_a train_b; do
        n=$("$CALLA" view "$W/$f.ctf" | awk -F'\t' '$2 > 4800000 && $2 <= 5300000 || $2 > 8800000 && $2 <= 9300000' | wc -l)
        [[ $n -eq 0 ]] || die "$n tensors of $f.ctf lie within the excluded windows"
    done
    # the held-out candidates: FA and pileup tensors of the same records (same options and seed)
    say "held-out tensors of the evaluation windows (clair3-fa and clair3-pileup)"
    for k in clair3-fa clair3-pileup; do
        "$CALLA" tensors -b "$SIM/reads.hp.bam" -f "$SIM/ref.fa" --platform "$PLAT" --features $k \
            $([[ $k == clair3-fa ]] && echo "${rows_opt[@]}") -R "$W/eval.bed" --truth "$SIM/truth.vcf.gz" \
            --confident "$W/eval.bed" --nonvariant-ratio "$RATIO" --seed "$SEED" "${UNIFY_OPT[@]}" \
            -@ "$THREADS" -o "$W/eval_$k.ctf"
    done
    cmp -s <("$CALLA" view "$W/eval_clair3-fa.ctf" | cut -f1-4) <("$CALLA" view "$W/eval_clair3-pileup.ctf" | cut -f1-4) ||
        die "the held-out FA and pileup tensors are not the same candidates"
    echo "FA tensors: $("$CALLA" view -H "$W/train_a.ctf" | awk '/^records:/{print $2}') (full depth) +" \
        "$("$CALLA" view -H "$W/train_b.ctf" | awk '/^records:/{print $2}') (down-sampled);" \
        "held out: $("$CALLA" view -H "$W/eval_clair3-fa.ctf" | awk '/^records:/{print $2}')" >&2
    # 4. training
    if [[ ${RESUME:-0} == 1 && -s $W/model.safetensors.ckpt ]]; then
        say "resume training up to $EPOCHS epochs"
        "${launch[@]}" "$CALLA" train -i "$W/train_a.ctf" "$W/train_b.ctf" --resume "$W/model.safetensors.ckpt" \
            --epochs "$EPOCHS" -@ "$THREADS" --log "$W/train.jsonl" -o "$W/model.safetensors"
    else
        say "train clair3-fa on ${DEVICE:-CPU}: $EPOCHS epochs, batch $BATCH, lr $LR, $THREADS threads${MPI_NP:+ x $MPI_NP ranks}"
        rm -f "$W/train.jsonl" "$W/model.safetensors.ckpt"
        "${launch[@]}" "$CALLA" train -i "$W/train_a.ctf" "$W/train_b.ctf" --arch clair3-fa --platform "$PLAT" \
            --epochs "$EPOCHS" --batch "$BATCH" --chunk 50 --lr "$LR" --seed "$SEED" --early-stop "$EARLY" \
            --schedule "$SCHED" "${nophase_opt[@]}" ${DEVICE:+--device "$DEVICE"} ${INIT:+--init "$INIT"} \
            -@ "$THREADS" --log "$W/train.jsonl" -o "$W/model.safetensors"
    fi
    "$CALLA" plot "$W/train.jsonl" -o "$W/curves.svg" --title "calla $NAME model (clair3-fa)"
    # 6. held-out comparison with the shipped pileup model
    say "held-out candidates: FA model vs the pileup model"
    local ev=$root/build/tools/evalctf
    [[ -x $ev ]] || make -C "$root" build/tools/evalctf >/dev/null
    { echo "# held-out candidates of the evaluation windows (calla tensors -R eval.bed, truth labels)"
      "$ev" -c "$W/model.safetensors" "$W/eval_clair3-fa.ctf"
      "$ev" "$root/models/$PLAT.safetensors" "$W/eval_clair3-pileup.ctf"; } | tee "$W/eval.txt" >&2
    # 7. install
    if [[ $INSTALL == 1 ]]; then
        say "install into models/"
        local commit fa_sum
        commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
        fa_sum=$(awk '/arch=clair3-fa/ {on = 1; next} /^model=/ {on = 0} on && /^stratum/ {printf "%s%s", n++ ? "; " : "", $0}' "$W/eval.txt")
        "$CALLA" model --store f16 -o "$root/models/$NAME.safetensors" \
            --meta recipe="models/recipe.sh $NAME (calla commit $commit)" \
            --meta training.data="calla simulate: GRCh38 $SIM_REGION + HG002 GIAB v4.2.1, $PLAT ${DEPTH}x (second part down-sampled to $FRAC), reads haplotagged from the truth's het SNPs; FA_FRAC $FA_FRAC of the training regions; evaluation windows chr20:4.9-5.2 Mb and 8.9-9.2 Mb +-100 kb excluded" \
            --meta training.inputs="train_a.ctf train_b.ctf" \
            --meta training.recipe="clair3-fa, epochs $EPOCHS, batch $BATCH, lr $LR $SCHED, seed $SEED, early stop $EARLY, no-phasing copy $NOPHASE, device ${DEVICE:-cpu}${INIT:+, fine-tuned from $(basename "$INIT")}" \
            --meta eval.heldout_candidates="$fa_sum" \
            "$W/model.safetensors" >/dev/null
        cp "$W/curves.svg" "$root/models/$NAME.curves.svg"
        cp "$W/train.jsonl" "$root/models/$NAME.train.jsonl"
        cp "$W/eval.txt" "$root/models/$NAME.eval.txt"
    fi
    say "done in $(($(date +%s) - T0)) s"
}
if [[ $ARCH == clair3-fa ]]; then
    if [[ ! -s $SIM/reads.ds.bam ]]; then
        say "down-sample to $FRAC for the second training part"
        samtools view -@ "$THREADS" -b -s "$SEED$(printf '%s' "$FRAC" | sed 's/^0//')" -o "$SIM/reads.ds.bam.tmp" "$SIM/reads.bam"
        mv "$SIM/reads.ds.bam.tmp" "$SIM/reads.ds.bam"
        samtools index "$SIM/reads.ds.bam"
    fi
    fa_stage
    exit 0
fi

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
PARTS=("$W/train_a.ctf" "$W/train_b.ctf")
if [[ -n $LOW_FRAC ]]; then
    if [[ ! -s $SIM/reads.low.bam ]]; then
        say "down-sample to $LOW_FRAC for the low-depth copy of the first part"
        samtools view -@ "$THREADS" -b -s "$((SEED + 1))$(printf '%s' "$LOW_FRAC" | sed 's/^0//')" \
            -o "$SIM/reads.low.bam.tmp" "$SIM/reads.bam"
        mv "$SIM/reads.low.bam.tmp" "$SIM/reads.low.bam"
        samtools index "$SIM/reads.low.bam"
    fi
    "$CALLA" tensors -b "$SIM/reads.low.bam" -f "$SIM/ref.fa" --platform "$PLAT" --features "$FEAT" \
        -R "$W/train_a.bed" --truth "$SIM/truth.vcf.gz" --confident "$W/train_a.bed" --seed "$SEED" \
        "${UNIFY_OPT[@]}" -@ "$THREADS" -o "$W/train_c.ctf"
    PARTS+=("$W/train_c.ctf")
fi
# CHR21=1: the real chr21 sequence too, outside the GQ calibration region (chr21:6.0-9.0 Mb,
# models/calibrate.sh) and 100 kb around it. HG002's truth covers chr20 only, so the variants are
# planted (3 SNPs + 1 indel per kb on both haplotypes, HARD_RATE as on chr20); the first piece at
# full depth, the second down-sampled to FRAC, as on chr20.
# A smaller SIM_REGION (a smoke test) shrinks each piece to a tenth of the SIM_REGION length, at
# least 50 kb, from the piece's start; such a piece is simulated into its own folder.
if [[ ${CHR21:-0} == 1 ]]; then
    i=0
    sim_len=$(awk -F'[:-]' '{print NF == 3 ? $3 - $2 + 1 : 10000000}' <<<"$SIM_REGION")
    for r in chr21:5010001-5900000 chr21:9100001-10000000; do
        i=$((i + 1)) S21=$W/sim-chr21-$i
        b=${r#*:} b=${b%-*} e=${r##*-} l=$((sim_len / 10))
        ((l < 50000)) && l=50000
        if ((l < e - b + 1)); then
            r=chr21:$b-$((b + l - 1)) S21=$W/sim-chr21-$i-${l}bp
        fi
        if [[ ! -s $S21/reads.bam ]]; then
            say "simulate $r with planted variants, $PLAT ${DEPTH}x"
            "$CALLA" simulate -o "$S21" -f "$FA" -r "$r" --platform "$PLAT" --depth "$DEPTH" \
                --snp-rate 0.003 --indel-rate 0.001 ${HARD_RATE:+--hard-rate "$HARD_RATE"} \
                --seed $((SEED + 3000 + i)) -@ "$THREADS"
        fi
        bam=$S21/reads.bam
        if [[ $i == 2 ]]; then
            if [[ ! -s $S21/reads.ds.bam ]]; then
                samtools view -@ "$THREADS" -b -s "$SEED$(printf '%s' "$FRAC" | sed 's/^0//')" \
                    -o "$S21/reads.ds.bam.tmp" "$bam"
                mv "$S21/reads.ds.bam.tmp" "$S21/reads.ds.bam"
                samtools index "$S21/reads.ds.bam"
            fi
            bam=$S21/reads.ds.bam
        fi
        "$CALLA" tensors -b "$bam" -f "$S21/ref.fa" --platform "$PLAT" --features "$FEAT" \
            -R "$S21/confident.bed" --truth "$S21/truth.vcf.gz" --confident "$S21/confident.bed" \
            --seed "$SEED" "${UNIFY_OPT[@]}" -@ "$THREADS" -o "$W/train_chr21_$i.ctf"
        PARTS+=("$W/train_chr21_$i.ctf")
    done
fi
n21=
[[ ${CHR21:-0} == 1 ]] && n21="+ $("$CALLA" view -H "$W/train_chr21_1.ctf" | awk '/^records:/{print $2}') + $("$CALLA" view -H "$W/train_chr21_2.ctf" | awk '/^records:/{print $2}')"
# the exclusion, checked on the tensors themselves
for f in "${PARTS[@]}"; do f=$(basename "$f" .ctf)
    n=$("$CALLA" view "$W/$f.ctf" | awk -F'\t' '$1 == "chr20" && ($2 > 4800000 && $2 <= 5300000 || $2 > 8800000 && $2 <= 9300000) || $1 == "chr21" && $2 > 5900000 && $2 <= 9100000' | wc -l)
    [[ $n -eq 0 ]] || die "$n tensors of $f.ctf lie within the excluded windows"
done
echo "tensors: $("$CALLA" view -H "$W/train_a.ctf" | awk '/^records:/{print $2}') (full depth) +" \
    "$("$CALLA" view -H "$W/train_b.ctf" | awk '/^records:/{print $2}') (down-sampled)" \
    "${LOW_FRAC:++ $("$CALLA" view -H "$W/train_c.ctf" | awk '/^records:/{print $2}') (low depth)}" \
    "${n21:+$n21 (chr21)}; none within 100 kb of an evaluation window" >&2

# --- 4. training
if [[ ${RESUME:-0} == 1 && -s $W/model.safetensors.ckpt ]]; then
    say "resume training up to $EPOCHS epochs"
    "$CALLA" train -i "${PARTS[@]}" --resume "$W/model.safetensors.ckpt" --epochs "$EPOCHS" -@ "$THREADS" \
        --log "$W/train.jsonl" -o "$W/model.safetensors"
else
say "train $ARCH on CPU: $EPOCHS epochs, batch $BATCH, lr $LR, $THREADS threads"
rm -f "$W/train.jsonl" "$W/model.safetensors.ckpt"
"$CALLA" train -i "${PARTS[@]}" --model "$ARCH" --platform "$PLAT" \
    --epochs "$EPOCHS" --batch "$BATCH" --chunk 100 --lr "$LR" --seed "$SEED" --early-stop "$EARLY" \
    ${SCHED:+--schedule "$SCHED"} ${DEVICE:+--device "$DEVICE"} \
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
        --meta training.data="calla simulate: GRCh38 chr20:1-10,000,000 + HG002 GIAB v4.2.1${HARD_RATE:+ + hard cases at $HARD_RATE/bp}$([[ ${CHR21:-0} == 1 ]] && echo "; GRCh38 chr21:5.01-5.9 Mb + 9.1-10 Mb, planted variants (3 SNPs + 1 indel per kb)"), $PLAT ${DEPTH}x (second part down-sampled to $FRAC${LOW_FRAC:+; first part again down-sampled to $LOW_FRAC}); evaluation windows chr20:4.9-5.2 Mb and 8.9-9.2 Mb +-100 kb excluded${UNIFY_OPT:+; labels unified (tensors --unify)}" \
        --meta training.inputs="$(for f in "${PARTS[@]}"; do basename "$f"; done | paste -sd' ')" \
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
