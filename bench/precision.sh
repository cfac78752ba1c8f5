#!/usr/bin/env bash
# bench/precision.sh — what `calla call --precision bf16` changes against fp32 (issue #15 item 4):
# calls at QUAL >= 5 that differ (site, GT or FILTER) and allele-level F1 from `calla eval`, on the
# real HG001 Illumina and HG002 ONT slices in ../shared and one simulated 1 Mbp region per
# platform (bench/genome.sh --simulate-only: HG002's chr20 variants, 30x); also the records that
# differ at any QUAL and the largest QUAL difference at a site both call; then end-to-end `calla call`
# wall time per mode at -@ 1 and -@ 2 on the simulated region (modes interleaved, best of
# REPEATS, so a ratio compares runs made under the same load).
# Modes: fp32 (reference), bf16 (AVX-512-BF16 where the CPU has it), bf16emu (the scalar emulation,
# CALLA_BF16_EMULATE=1: same results as bf16, slow; accuracy only).
# Usage: bench/precision.sh [OUTDIR]   (default bench-out/precision); env CALLA [build/calla],
#        SHARED [../shared], MODES ["fp32 bf16 bf16emu"], REPEATS [2], LENGTH [1000000],
#        SIMPLATFORMS ["ilmn hifi ont"] (the timing uses ilmn: keep it in the list), SIMCACHE
#        [OUTDIR/genome/sim: the simulated reads, as bench/genome.sh --cache]
set -euo pipefail
CALLA=$(realpath "${CALLA:-build/calla}")
SHARED=${SHARED:-../shared}
OUT=${1:-bench-out/precision}
MODES=${MODES:-"fp32 bf16 bf16emu"}
REPEATS=${REPEATS:-2}
LENGTH=${LENGTH:-1000000}
export CALLA_MODELS=${CALLA_MODELS:-$(pwd)/models} OPENBLAS_NUM_THREADS=1
mkdir -p "$OUT"
D=$SHARED/data

# call NAME MODE THREADS BAM REF BED PLATFORM: calla call into OUT/NAME.MODE.vcf.gz; prints wall s
call() {
    local name=$1 mode=$2 t=$3 bam=$4 ref=$5 bed=$6 plat=$7 prec=$2 emu=0 t0 t1
    [[ $mode == bf16emu ]] && prec=bf16 emu=1
    t0=$(date +%s.%N)
    CALLA_BF16_EMULATE=$emu "$CALLA" call -b "$bam" -f "$ref" -R "$bed" --platform "$plat" -@ "$t" \
        --precision "$prec" --quiet -o "$OUT/$name.$mode.vcf.gz"
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b - a}'
}
calls() {  # VCF: site, GT and FILTER of the records at QUAL >= 5
    bcftools query -i 'QUAL>=5' -f '%CHROM\t%POS\t%REF\t%ALT\t[%GT]\t%FILTER\n' "$1" | sort
}
f1() {  # eval JSON -> "SNP_F1 INDEL_F1" (allele level)
    python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print("%.4f %.4f" % (j["SNP"]["allele"]["f1"], j["INDEL"]["allele"]["f1"]))' "$1"
}

SIMPLATFORMS=${SIMPLATFORMS:-"ilmn hifi ont"}
SIMSETS=()
for p in $SIMPLATFORMS; do
    read -r SBAM SREF SBED < <(bash bench/genome.sh --platform "$p" --length "$LENGTH" --simulate-only \
        --out "$OUT/genome" ${SIMCACHE:+--cache "$SIMCACHE"})
    SIMSETS+=("sim-$p-30x-${LENGTH}bp|$SBAM|$SREF|$(dirname "$SBAM")/confident.bed|$(dirname "$SBAM")/truth.vcf.gz|$p")
    [[ $p == ilmn ]] && ILMN_SIM=${SIMSETS[-1]} ILMN_BED=$SBED
done
SETS=(
    "real-HG001-ilmn|$D/hg001_illumina_grch37_chr20_10.0-10.1Mb/NA12878_S1.chr20.10_10p1mb.bam|$D/hg001_illumina_grch37_chr20_10.0-10.1Mb/ucsc.hg19.chr20.unittest.fasta.gz|$D/hg001_illumina_grch37_chr20_10.0-10.1Mb/eval.bed|$D/hg001_illumina_grch37_chr20_10.0-10.1Mb/test_nist.b37_chr20_100kbp_at_10mb.vcf.gz|ilmn"
    "real-HG002-ont|$D/hg002_ont_r1041_grch38_chr20_5.050-5.075Mb/HG002_R10_chr20_5050000_5075000.bam|$D/hg002_ont_r1041_grch38_chr20_5.050-5.075Mb/grch38.chr20_5050000_5075000.masked.fa.gz|$D/hg002_ont_r1041_grch38_chr20_5.050-5.075Mb/eval.bed|$D/hg002_ont_r1041_grch38_chr20_5.050-5.075Mb/HG002_GRCh38_1_22_v4.2.1_benchmark.chr20.vcf.gz|ont"
    "${SIMSETS[@]}"
)
echo "## calla call --precision: calls and F1 against fp32 ($(date -u '+%Y-%m-%d %H:%M UTC'); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs)"
echo
echo "| data set | mode | records at QUAL >= 5 | differing from fp32 (site, GT or FILTER) | records differing at any QUAL | max abs QUAL difference | SNP F1 | indel F1 |"
echo "|---|---|---|---|---|---|---|---|"
for s in "${SETS[@]}"; do
    IFS='|' read -r name bam ref bed truth plat <<<"$s"
    truth_s=$OUT/$name.truth.vcf.gz
    bcftools view -R "$bed" -Oz -o "$truth_s" "$truth" 2>/dev/null && bcftools index -f -t "$truth_s"
    for mode in $MODES; do
        call "$name" "$mode" 2 "$bam" "$ref" "$bed" "$plat" >/dev/null
        "$CALLA" eval -t "$truth_s" -q "$OUT/$name.$mode.vcf.gz" -f "$ref" -R "$bed" \
            --json "$OUT/$name.$mode.json" >/dev/null 2>&1
        calls "$OUT/$name.$mode.vcf.gz" >"$OUT/$name.$mode.calls"
        n=$(wc -l <"$OUT/$name.$mode.calls")
        diff=$(comm -3 "$OUT/$name.fp32.calls" "$OUT/$name.$mode.calls" | wc -l)
        bcftools query -f '%CHROM\t%POS\t%REF\t%ALT\t[%GT]\t%FILTER\t%QUAL\n' "$OUT/$name.$mode.vcf.gz" | sort >"$OUT/$name.$mode.all"
        dall=$(comm -3 <(cut -f1-6 "$OUT/$name.fp32.all") <(cut -f1-6 "$OUT/$name.$mode.all") | wc -l)
        dq=$(join -t $'\t' <(awk -F'\t' '{print $1":"$2":"$3":"$4"\t"$7}' "$OUT/$name.fp32.all" | sort) \
            <(awk -F'\t' '{print $1":"$2":"$3":"$4"\t"$7}' "$OUT/$name.$mode.all" | sort) |
            awk -F'\t' '{d = $2 - $3; if (d < 0) d = -d; if (d > m) m = d} END {printf "%.2f", m}')
        echo "| $name | $mode | $n | $diff | $dall | $dq | $(f1 "$OUT/$name.$mode.json" | sed 's/ / | /') |"
    done
done
echo
echo "## calla call wall time on the simulated region, best of $REPEATS (load average $(cut -d' ' -f1-3 /proc/loadavg))"
echo
echo "| threads | mode | wall s | speed-up over fp32 |"
echo "|---|---|---|---|"
IFS='|' read -r name bam ref bed truth plat <<<"$ILMN_SIM"
SBED=$ILMN_BED
for t in 1 2; do
    declare -A best=()
    for _ in $(seq "$REPEATS"); do
        for mode in fp32 bf16; do
            w=$(call "time-$t" "$mode" "$t" "$bam" "$ref" "$SBED" "$plat")
            [[ -z ${best[$mode]:-} ]] || awk -v a="$w" -v b="${best[$mode]}" 'BEGIN{exit !(a < b)}' && best[$mode]=$w
        done
    done
    for mode in fp32 bf16; do
        echo "| $t | $mode | ${best[$mode]} | $(awk -v a="${best[fp32]}" -v b="${best[$mode]}" 'BEGIN{printf "%.2fx", a / b}') |"
    done
    unset best
done
