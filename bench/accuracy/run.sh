#!/usr/bin/env bash
# bench/accuracy/run.sh — accuracy of calla's shipped models against `bcftools mpileup | bcftools
# call -mv` and `freebayes`, in one run, on:
#   real:  HG001 Illumina 2x101 52x (GRCh37 chr20:10.0-10.1 Mb) and HG002 ONT R10.4.1 54x
#          (GRCh38 chr20:5.050-5.075 Mb), the slices in ../shared/data, scored inside eval.bed;
#   sim:   the two evaluation windows chr20:4,900,000-5,200,000 and 8,900,000-9,200,000 of GRCh38
#          (never used for training, models/recipe.sh), simulated per platform with planted
#          variants at 4 SNPs + 1 indel per kb on the real sequence (thousands of variants, so
#          small differences show), scored inside the windows less 20 kb at each end (full depth);
#   hg002: the same windows simulated with HG002's own GIAB v4.2.1 variants instead (real density
#          and repeat content: ~1 SNP per kb), called and scored as users run GIAB benchmarks, with
#          -R the v4.2.1 high-confidence BED inside the windows less 20 kb at each end (115
#          intervals of median 3 kb): data sets sim-hg002-P.
# Every call set is scored by `calla eval` (normalised, allele and genotype level), overall and per
# stratum (homopolymers, tandem repeats, low complexity, multi-allelic sites, indel length bins),
# and again with `--haplotypes` (genotype F1 when equivalent spellings count, as in hap.py).
# Writes OUTDIR/accuracy.md (the table) and OUTDIR/<dataset>/<caller>.{vcf.gz,json,time}.
#
# Usage: bench/accuracy/run.sh [OUTDIR]          (default bench-out/accuracy)
#   env: CALLA [build/calla], SHARED [../shared], THREADS [2] (calla; the peers are
#        single-threaded), FB_TIMEOUT seconds per freebayes run [900; ONT data sets 300: freebayes
#        is known to be very slow on ONT], SIM=0 skips the simulated sets, SIM_PLATFORMS
#        ["ilmn hifi ont"], SIM_DEPTH_ilmn/hifi/ont [50/30/50], LOW_PLATFORMS ["ilmn hifi ont": the
#        windows' reads down-sampled to ~20x / ~15x / ~21x too, data sets sim-windows-P-low; ""
#        skips them], CALLERS ["calla calla-pileup
#        bcftools freebayes"]: a later run with fewer callers keeps the other callers' earlier rows,
#        HG002_PLATFORMS ["ilmn hifi ont"; "" skips the sim-hg002 sets], REAL=0 skips the real
#        slices.
# calla runs as a user would (`--platform P`): the pileup -> full-alignment cascade where
# models/P-fa.safetensors ships (note "cascade"); calla-pileup adds --pileup-only and is run only
# for those platforms, so the cascade and the pileup model alone sit side by side.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-bench-out/accuracy}
CALLA=${CALLA:-$root/build/calla}
SHARED=${SHARED:-$root/../shared}
THREADS=${THREADS:-2}
FB_TIMEOUT=${FB_TIMEOUT:-900}
SIM=${SIM:-1}
SIM_PLATFORMS=${SIM_PLATFORMS-ilmn hifi ont}
LOW_PLATFORMS=${LOW_PLATFORMS-ilmn hifi ont}
HG002_PLATFORMS=${HG002_PLATFORMS-ilmn hifi ont}
REAL=${REAL:-1}
die() { echo "accuracy: $*" >&2; exit 1; }
[[ -x /usr/bin/time ]] || die "needs /usr/bin/time (apt-get install time)"
[[ -x $CALLA ]] || die "no calla binary at $CALLA (make)"
for t in samtools bcftools python3; do command -v $t >/dev/null || die "$t not in PATH"; done
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
CALLERS=${CALLERS:-calla calla-pileup bcftools freebayes}
want() { [[ " $CALLERS " == *" $1 "* ]]; }

# timed NAME LOG cmd... : runs cmd under /usr/bin/time (and `timeout` for freebayes), keeps wall
# seconds, peak RSS and exit status in LOG.time
timed() {
    local log=$1; shift
    # RESCORE=1: keep an earlier run's calls, times and exit status (also a timeout); score again
    [[ ${RESCORE:-0} == 1 && -s $log.status ]] && return 0
    local st=0
    /usr/bin/time -f '%e %M' -o "$log.time" "$@" 2>"$log.err" || st=$?
    echo "$st" >"$log.status"
}

# score DATASET CALLER VCF TRUTH REF BED [NOTE]: calla eval -> one row of rows.tsv
score() {
    local ds=$1 caller=$2 vcf=$3 truth=$4 ref=$5 bed=$6 note=${7:-} log=$OUT/$1/$2
    local TAB=$log.row
    : >"$TAB"
    local st; st=$(cat "$log.status")
    local t rss; read -r t rss < <(tail -n 1 "$log.time") || true
    if [[ $st -ne 0 || ! -s $vcf ]]; then
        local why="exit $st"; [[ $st -eq 124 ]] && why="stopped at ${FB_TIMEOUT} s"
        printf '%s\t%s\t-\t-\t%s\t%s\t%s\n' "$ds" "$caller" "${t:--}" "${rss:-0}" "$why" >>"$TAB"
        return
    fi
    "$CALLA" eval -t "$truth" -q "$vcf" -f "$ref" -R "$bed" --json "$log.json" >/dev/null 2>"$log.eval.err" ||
        die "calla eval failed on $vcf: $(tail -n 1 "$log.eval.err")"
    # the same with haplotype matching (docs/eval.md, --haplotypes: as vcfeval/hap.py judge)
    "$CALLA" eval -t "$truth" -q "$vcf" -f "$ref" -R "$bed" --haplotypes --no-strata --json "$log.hap.json" \
        >/dev/null 2>"$log.eval.err" || die "calla eval --haplotypes failed on $vcf: $(tail -n 1 "$log.eval.err")"
    printf '%s\t%s\t%s\t-\t%s\t%s\t%s\n' "$ds" "$caller" "$log.json" "$t" "$rss" "$note" >>"$TAB"
}

# run_callers DATASET BAM REF(bgzipped ok) REGIONS(bcftools -r list) BED(calla -R) TRUTH PLATFORM
run_callers() {
    local ds=$1 bam=$2 ref=$3 regs=$4 bed=$5 truth0=$6 plat=$7 d=$OUT/$1
    mkdir -p "$d"
    # the truth inside the scored regions only (the ONT slice's reference is N elsewhere)
    local truth=$d/truth.scored.vcf.gz
    bcftools view -R "$d/score.bed" -Oz -o "$truth" "$truth0" && bcftools index -f -t "$truth"
    local fa=0  # a full-alignment model ships for the platform: `calla call` runs the cascade
    [[ -s $root/models/$plat-fa.safetensors ]] && fa=1
    if want calla; then
        echo "[$ds] calla ($plat model$([[ $fa == 1 ]] && echo "s, cascade"), $THREADS threads)" >&2
        timed "$d/calla" "$CALLA" call -b "$bam" -f "$ref" --platform "$plat" -R "$bed" -@ "$THREADS" \
            -o "$d/calla.vcf.gz"
        score "$ds" calla "$d/calla.vcf.gz" "$truth" "$ref" "$d/score.bed" "$([[ $fa == 1 ]] && echo cascade)"
    fi
    if want calla-pileup && [[ $fa == 1 ]]; then
        echo "[$ds] calla --pileup-only ($plat model, $THREADS threads)" >&2
        timed "$d/calla-pileup" "$CALLA" call -b "$bam" -f "$ref" --platform "$plat" --pileup-only \
            -R "$bed" -@ "$THREADS" -o "$d/calla-pileup.vcf.gz"
        score "$ds" calla-pileup "$d/calla-pileup.vcf.gz" "$truth" "$ref" "$d/score.bed" "pileup only"
    elif [[ $fa == 0 ]]; then
        rm -f "$d/calla-pileup.row"  # calla's row is the pileup model's
    fi
    if want bcftools; then
        echo "[$ds] bcftools mpileup | call -mv" >&2
        timed "$d/bcftools" bash -c 'bcftools mpileup -f "$1" -r "$2" "$3" 2>/dev/null | bcftools call -mv -Oz -o "$4"' \
            _ "$ref" "$regs" "$bam" "$d/bcftools.vcf.gz"
        score "$ds" bcftools "$d/bcftools.vcf.gz" "$truth" "$ref" "$d/score.bed"
    fi
    want freebayes || return 0
    local FB_TIMEOUT=$FB_TIMEOUT
    [[ $plat == ont ]] && FB_TIMEOUT=${FB_TIMEOUT_ONT:-300}
    if command -v freebayes >/dev/null; then
        echo "[$ds] freebayes (timeout ${FB_TIMEOUT} s)" >&2
        # freebayes needs a plain FASTA: the contig, extracted once (not timed)
        local ctg=${regs%%:*}
        [[ -s $d/fb.fa ]] || { samtools faidx "$ref" "$ctg" >"$d/fb.fa" && samtools faidx "$d/fb.fa"; }
        timed "$d/freebayes" bash -c 'timeout "$1" freebayes -f "$2" -t "$3" "$4" >"$5.tmp" && mv "$5.tmp" "$5"' \
            _ "$FB_TIMEOUT" "$d/fb.fa" "$bed" "$bam" "$d/freebayes.vcf"
        score "$ds" freebayes "$d/freebayes.vcf" "$truth" "$ref" "$d/score.bed"
    else
        printf '%s\tfreebayes\t-\t-\t-\t0\tnot installed\n' "$ds" >"$d/freebayes.row"
    fi
}

# --- real slices
H=$SHARED/data/hg001_illumina_grch37_chr20_10.0-10.1Mb
if [[ $REAL == 1 && -d $H ]]; then
    mkdir -p "$OUT/real-HG001-ilmn"
    cp "$H/eval.bed" "$OUT/real-HG001-ilmn/score.bed"
    run_callers real-HG001-ilmn "$H/NA12878_S1.chr20.10_10p1mb.bam" "$H/ucsc.hg19.chr20.unittest.fasta.gz" \
        chr20:10000001-10100000 "$H/eval.bed" "$H/test_nist.b37_chr20_100kbp_at_10mb.vcf.gz" ilmn
fi
O=$SHARED/data/hg002_ont_r1041_grch38_chr20_5.050-5.075Mb
if [[ $REAL == 1 && -d $O ]]; then
    mkdir -p "$OUT/real-HG002-ont"
    cp "$O/eval.bed" "$OUT/real-HG002-ont/score.bed"
    run_callers real-HG002-ont "$O/HG002_R10_chr20_5050000_5075000.bam" "$O/grch38.chr20_5050000_5075000.masked.fa.gz" \
        chr20:5050001-5075000 "$O/eval.bed" "$O/HG002_GRCh38_1_22_v4.2.1_benchmark.chr20.vcf.gz" ont
fi

# --- simulated evaluation windows
G=$SHARED/data/grch38_chr20_10Mb_hg002_truth

# simulate_windows DS DIR PLATFORM SEED_BASE WHAT [calla simulate variant options...]: the two
# windows simulated at the platform's depth (one simulation per window, as calla simulate takes
# one region, seeds SEED_BASE + 1 and + 2, differing from the training data's), merged into
# DIR/reads.bam, DIR/truth.vcf.gz and DIR/ref.fa; kept when DIR/reads.bam exists
simulate_windows() {
    local ds=$1 d=$2 p=$3 seed=$4 what=$5; shift 5
    local dv=SIM_DEPTH_$p depth i=0
    depth=${!dv:-}
    [[ -z $depth ]] && case $p in hifi) depth=30 ;; *) depth=50 ;; esac
    [[ -s $d/reads.bam ]] && return 0
    for w in chr20:4900001-5200000 chr20:8900001-9200000; do
        i=$((i + 1))
        echo "[$ds] simulate $w, ${depth}x, $what" >&2
        rm -rf "$d/w$i"
        "$CALLA" simulate -o "$d/w$i" -f "$G/grch38.chr20_and_21_10M.fa.gz" -r "$w" --platform "$p" \
            --depth "$depth" "$@" --seed $((seed + i)) -@ "$THREADS" 2>"$d/w$i.log"
    done
    samtools merge -f -@ "$THREADS" -o "$d/reads.bam" "$d/w1/reads.bam" "$d/w2/reads.bam"
    samtools index "$d/reads.bam"
    bcftools concat -Oz -o "$d/truth.vcf.gz" "$d/w1/truth.vcf.gz" "$d/w2/truth.vcf.gz"
    bcftools index -t "$d/truth.vcf.gz"
    cp "$d/w1/ref.fa" "$d/ref.fa"; cp "$d/w1/ref.fa.fai" "$d/ref.fa.fai"
}

if [[ $SIM == 1 && -d $G ]]; then
    for p in $SIM_PLATFORMS; do
        ds=sim-windows-$p d=$OUT/$ds
        mkdir -p "$d"
        simulate_windows "$ds" "$d" "$p" 1000 "planted variants" --snp-rate 0.004 --indel-rate 0.001
        # scored: each window less 20 kb at both ends, where reads simulated inside the window
        # alone thin out (long reads: up to ~15-40 kb), so every scored base has the full depth
        cat "$d/w1/confident.bed" "$d/w2/confident.bed" |
            awk -v OFS='\t' '{b = $2 + 19000; e = $3 - 19000; if (b < e) print $1, b, e}' >"$d/score.bed"
        run_callers "$ds" "$d/reads.bam" "$d/ref.fa" chr20:4900001-5200000,chr20:8900001-9200000 \
            "$d/score.bed" "$d/truth.vcf.gz" "$p"
    done
    # the same windows at the low end of the depths users run: the reads above down-sampled
    # (Illumina and ONT to 0.4: ~20x; HiFi to 0.5: ~15x)
    for p in $LOW_PLATFORMS; do
        src=$OUT/sim-windows-$p ds=sim-windows-$p-low d=$OUT/sim-windows-$p-low
        [[ -s $src/reads.bam ]] || continue
        mkdir -p "$d"
        cp "$src/score.bed" "$d/score.bed"
        frac=0.4; [[ $p == hifi ]] && frac=0.5
        if [[ ! -s $d/reads.bam ]]; then
            echo "[$ds] down-sample $src/reads.bam to $frac" >&2
            samtools view -@ "$THREADS" -b -s "7${frac#0}" -o "$d/reads.bam" "$src/reads.bam"
            samtools index "$d/reads.bam"
        fi
        run_callers "$ds" "$d/reads.bam" "$src/ref.fa" chr20:4900001-5200000,chr20:8900001-9200000 \
            "$d/score.bed" "$src/truth.vcf.gz" "$p"
    done
    # HG002's own variants in the same windows (seeds 9101/9102), called and scored inside the
    # GIAB v4.2.1 high-confidence BED within the windows less 20 kb at each end, as a user runs a
    # GIAB benchmark (calla call -R that BED)
    for p in $HG002_PLATFORMS; do
        ds=sim-hg002-$p d=$OUT/$ds
        mkdir -p "$d"
        simulate_windows "$ds" "$d" "$p" 9100 "HG002's variants" \
            --truth "$G/HG002_GRCh38_1_22_v4.2.1_benchmark.chr20.vcf.gz"
        cat "$d/w1/confident.bed" "$d/w2/confident.bed" |
            awk -v OFS='\t' '{b = $2 + 19000; e = $3 - 19000; if (b < e) print $1, b, e}' >"$d/windows.bed"
        awk -v OFS='\t' 'NR == FNR { c[++n] = $1; wb[n] = $2; we[n] = $3; next }
            { for (k = 1; k <= n; k++) if ($1 == c[k]) { b = $2 > wb[k] ? $2 : wb[k]; e = $3 < we[k] ? $3 : we[k]
                  if (b < e) print $1, b, e } }' "$d/windows.bed" "$G/HG002_GRCh38_1_22_v4.2.1_benchmark.chr20.bed" |
            sort -k1,1 -k2,2n >"$d/score.bed"
        run_callers "$ds" "$d/reads.bam" "$d/ref.fa" chr20:4900001-5200000,chr20:8900001-9200000 \
            "$d/score.bed" "$d/truth.vcf.gz" "$p"
    done
fi

# --- the table: every row file, data sets in the order above, callers calla, calla-pileup,
# bcftools, freebayes
rows=()
for ds in real-HG001-ilmn real-HG002-ont sim-windows-ilmn sim-windows-hifi sim-windows-ont \
    sim-windows-ilmn-low sim-windows-hifi-low sim-windows-ont-low sim-hg002-ilmn sim-hg002-hifi \
    sim-hg002-ont; do
    for c in calla calla-pileup bcftools freebayes; do [[ -s $OUT/$ds/$c.row ]] && rows+=("$OUT/$ds/$c.row"); done
done
[[ ${#rows[@]} -gt 0 ]] || die "no results"
cat "${rows[@]}" >"$OUT/rows.tsv"
python3 - "$OUT/rows.tsv" "$OUT/accuracy.md" <<'PY'
import json, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
out = []
out.append("| dataset | caller | SNP P / R / F1 | SNP GT F1 | INDEL P / R / F1 | INDEL GT F1 | GT F1, haplotype match: SNP / INDEL | truth SNP / INDEL | wall s | peak RSS MiB | note |")
out.append("|---|---|---|---|---|---|---|---|---|---|---|")
def prf(c): return "%.4f / %.4f / **%.4f**" % (c["precision"], c["recall"], c["f1"])
for ds, caller, js, _, t, rss, note in rows:
    rss = "%.0f" % (float(rss) / 1024) if rss not in ("", "-") else "-"
    if js == "-":
        out.append("| %s | %s | - | - | - | - | - | - | %s | %s | %s |" % (ds, caller, t, rss, note))
        continue
    d = json.load(open(js))
    s, i = d["SNP"], d["INDEL"]
    ts = s["allele"]["tp"] + s["allele"]["fn"]; ti = i["allele"]["tp"] + i["allele"]["fn"]
    hj = js[:-len(".json")] + ".hap.json"
    try:
        h = json.load(open(hj)); hap = "%.4f / %.4f" % (h["SNP"]["genotype"]["f1"], h["INDEL"]["genotype"]["f1"])
    except OSError:
        hap = "-"
    out.append("| %s | %s | %s | %.4f | %s | %.4f | %s | %d / %d | %s | %s | %s |" % (
        ds, caller, prf(s["allele"]), s["genotype"]["f1"], prf(i["allele"]), i["genotype"]["f1"],
        hap, ts, ti, t, rss, note))
# Per stratum (calla eval's built-in strata, docs/eval.md): genotype-level F1 with the number of
# truth variants in the stratum, SNP and INDEL, for every data set and caller.
strata = ["homopolymer", "tandem_repeat", "low_complexity", "non_repeat", "multiallelic",
          "indel_1", "indel_2-5", "indel_6-15", "indel_16+"]
out.append("")
out.append("Genotype-level F1 per stratum (truth variants in the stratum in brackets; '-': none):")
out.append("")
out.append("| dataset | caller | type | " + " | ".join(strata) + " |")
out.append("|---|---|---|" + "---|" * len(strata))
def cell(c):
    n = c["tp"] + c["fn"]
    if n == 0 and c["fp"] == 0: return "-"
    return "%.4f (%d)" % (c["f1"], n)
for ds, caller, js, _, t, rss, note in rows:
    if js == "-": continue
    d = json.load(open(js)).get("strata")
    if not d: continue
    for ty in ("SNP", "INDEL"):
        out.append("| %s | %s | %s | %s |" % (ds, caller, ty, " | ".join(
            cell(d[s][ty]["genotype"]) if s in d else "-" for s in strata)))
open(sys.argv[2], "w").write("\n".join(out) + "\n")
print("\n".join(out))
PY
echo "table: $OUT/accuracy.md" >&2
