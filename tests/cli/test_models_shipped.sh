#!/usr/bin/env bash
# test_models_shipped.sh — the models in models/ load (every tensor present, with the right shape:
# `calla model`), record their platform, and `calla call --platform P` (no -m) finds and uses them.
# On the real GIAB slices (skipped without ../shared) the calls are scored against the GIAB truth
# by `calla eval`: floors well below the measured figures (docs/accuracy.md: HG001 SNP F1 0.989,
# HG002 ONT SNP F1 1.000), so a broken model, lookup or decoder fails while ordinary retraining
# does not.
source "$(dirname "$0")/lib.sh"
M=$CALLA_ROOT/models
for spec in "ilmn clair3-pileup ilmn" "hifi clair3-pileup hifi" "ont clair3-pileup ont" \
    "clairvoyante-ilmn clairvoyante ilmn"; do
    read -r name arch plat <<<"$spec"
    [[ -s $M/$name.safetensors ]] || { fail "models/$name.safetensors missing"; continue; }
    out=$(CALLA_MODELS=$M "$CALLA" model "$name" 2>&1) || { fail "calla model $name: $out"; continue; }
    grep -qx "architecture	$arch" <<<"$out" || fail "$name: architecture: $out"
    grep -qx "meta.platform	$plat" <<<"$out" || fail "$name: platform: $out"
    grep -q "^storage	f16," <<<"$out" || fail "$name: not stored as f16"
done
list=$(CALLA_MODELS=$M "$CALLA" model --list) || fail "model --list"
[[ $(grep -c safetensors <<<"$list"; true) -eq 0 && $(grep -vc '^#' <<<"$list") -ge 4 ]] || fail "listing: $list"

score() {  # name bam ref bed truth platform min_snp_f1
    local d=$CALLA_SHARED/data/$1
    [[ -d $d ]] || { echo "skip $1 (absent)"; return; }
    bcftools view -R "$d/$4" -Oz -o "$TMP/truth.vcf.gz" "$d/$5" 2>/dev/null || { fail "bcftools view $5"; return; }
    CALLA_MODELS=$M "$CALLA" call -b "$d/$2" -f "$d/$3" --platform "$6" -R "$d/$4" -@ 2 \
        -o "$TMP/$6.vcf.gz" 2>"$TMP/err" || { fail "call $6: $(tail -n 1 "$TMP/err")"; return; }
    grep -q "$6.safetensors" <(bcftools view -h "$TMP/$6.vcf.gz") || fail "$6: VCF header does not name the shipped model"
    "$CALLA" eval -t "$TMP/truth.vcf.gz" -q "$TMP/$6.vcf.gz" -f "$d/$3" -R "$d/$4" >"$TMP/ev.txt" 2>/dev/null ||
        { fail "eval $6"; return; }
    local f1; f1=$(awk '$1 == "SNP" && $2 == "allele" {print $NF}' "$TMP/ev.txt")
    awk -v f="$f1" -v m="$7" 'BEGIN{exit !(f >= m)}' || fail "$1: SNP F1 $f1 < $7"
}
need bcftools
score hg001_illumina_grch37_chr20_10.0-10.1Mb NA12878_S1.chr20.10_10p1mb.bam ucsc.hg19.chr20.unittest.fasta.gz \
    eval.bed test_nist.b37_chr20_100kbp_at_10mb.vcf.gz ilmn 0.95
score hg002_ont_r1041_grch38_chr20_5.050-5.075Mb HG002_R10_chr20_5050000_5075000.bam \
    grch38.chr20_5050000_5075000.masked.fa.gz eval.bed HG002_GRCh38_1_22_v4.2.1_benchmark.chr20.vcf.gz ont 0.95
done_test
