#!/usr/bin/env bash
# test_demo_short.sh — the shortened end-to-end demo (DEMO_SIZE=small): simulate, tensors, train,
# plot, call, eval, and checks on every output that do not trust the program's own report.
source "$(dirname "$0")/lib.sh"
need bwa; need samtools; need bcftools
# Runs under ASan/UBSan too: 24 CPU-seconds there against 13.5 plain (measured on the 2-core
# development machine), so the whole chain is checked by the sanitizers. CALLA_DEMO_SKIP_SAN=1
# skips it in the sanitizer pass should that ever become too slow.
[[ ${CALLA_SANITIZED:-0} == 1 && ${CALLA_DEMO_SKIP_SAN:-0} == 1 ]] && skip "CALLA_DEMO_SKIP_SAN=1 under sanitizers"
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$TMP/demo

CALLA=$CALLA DEMO_SIZE=small DEMO_THREADS=2 bash "$root/examples/demo.sh" "$out" >"$TMP/stdout" 2>"$TMP/stderr" ||
    { tail -n 20 "$TMP/stderr" >&2; fail "examples/demo.sh failed"; done_test; }

for f in sim/ref.fa sim/truth.vcf.gz sim/reads.bam train.ctf model.safetensors train.jsonl curves.svg \
         calls.vcf.gz calls.vcf.gz.tbi eval.json eval.txt; do
    [[ -s $out/$f ]] || fail "missing or empty: $f"
done
[[ -e $out/model.safetensors.ckpt ]] && fail "checkpoint left behind"
# every step banner was printed, in order
[[ $(grep -c '=== \[[0-9]*:[0-9][0-9]\] step [1-8]/8' "$TMP/stderr") -eq 8 ]] || fail "expected 8 step banners"

# the VCF: bcftools reads it without a warning or error, and it has records only on sim2
bcftools view "$out/calls.vcf.gz" >"$TMP/calls.vcf" 2>"$TMP/bcf.err" || fail "bcftools view failed"
[[ -s $TMP/bcf.err ]] && fail "bcftools view warned: $(head -n 3 "$TMP/bcf.err")"
bcftools index -n "$out/calls.vcf.gz" >/dev/null 2>&1 || fail "calls.vcf.gz has no usable index"
n_calls=$(grep -vc '^#' "$TMP/calls.vcf")
[[ $n_calls -gt 0 ]] || fail "no calls"
[[ $(grep -v '^#' "$TMP/calls.vcf" | cut -f1 | sort -u) == sim2 ]] || fail "calls outside the held-out contig sim2"

# training tensors come from sim1 only (the held-out contig never reaches training)
"$CALLA" view "$out/train.ctf" | cut -f1 | sort -u >"$TMP/train_contigs"
[[ $(cat "$TMP/train_contigs") == sim1 ]] || fail "training tensors not only from sim1: $(tr '\n' ' ' <"$TMP/train_contigs")"

# eval JSON: keys, integer counts, and the ratios recomputed from the counts; training log keys,
# epochs 1..N (N >= 2) and a decreasing train loss
"$CALLA_TOOLS/jsonflat" "$out/eval.json" >"$TMP/eval.flat" || fail "eval.json is not valid JSON"
# (the first line is the run's header, {"header":"calla train",...}; epochs follow)
head -n 1 "$out/train.jsonl" | grep -q '^{"header":"calla train",.*"train_rows":[1-9]' ||
    fail "train.jsonl has no header line"
grep -v '^{"header"' "$out/train.jsonl" >"$TMP/epochs.jsonl"
"$CALLA_TOOLS/jsonflat" -l "$TMP/epochs.jsonl" >"$TMP/log.flat" || fail "train.jsonl is not valid JSON Lines"
awk -F'\t' '
function abs(x) { return x < 0 ? -x : x }
function err(m) { print m > "/dev/stderr"; bad = 1 }
FNR == NR { ev[$1] = $2; next }
{ lg[$1] = $2; split($1, k, "."); if (k[1] + 0 > nlog) nlog = k[1] + 0 }
END {
    split("SNP INDEL", T, " "); split("allele genotype", LV, " ")
    for (a = 1; a <= 2; a++) for (b = 1; b <= 2; b++) {
        p = T[a] "." LV[b] "."
        tp = ev[p "tp"]; fp = ev[p "fp"]; fn = ev[p "fn"]
        if (tp !~ /^[0-9]+$/ || fp !~ /^[0-9]+$/ || fn !~ /^[0-9]+$/)
            err(T[a] " " LV[b] ": counts not non-negative integers")
        pr = tp + fp ? tp / (tp + fp) : 0; rc = tp + fn ? tp / (tp + fn) : 0
        f1 = pr + rc ? 2 * pr * rc / (pr + rc) : 0
        split("precision recall f1", K, " "); V[1] = pr; V[2] = rc; V[3] = f1
        for (c = 1; c <= 3; c++)
            if (!((p K[c]) in ev) || ev[p K[c]] !~ /^-?[0-9.e+-]+$/ || abs(ev[p K[c]] - V[c]) > 2e-6)
                err(T[a] " " LV[b] " " K[c] " " ev[p K[c]] " != " sprintf("%.6f", V[c]))
    }
    # the truth has SNPs on sim2, so the SNP row cannot be empty
    if (ev["SNP.allele.tp"] + ev["SNP.allele.fn"] == 0) err("no truth SNPs in the held-out region")
    # a model that calls nothing right is a failed demo, even the short one
    if (ev["SNP.allele.tp"] + 0 == 0) err("no true-positive SNP call")
    if (nlog < 2) err("training log has " nlog " epochs, expected >= 2")
    nk = split("epoch step lr train_loss val_loss val_acc_gt21 val_acc_zygosity val_f1 val_genotype_f1 samples_per_s wall_s", K, " ")
    for (e = 1; e <= nlog; e++) {
        for (c = 1; c <= nk; c++) if (!((e "." K[c]) in lg)) err("log epoch " e " lacks " K[c])
        if (lg[e ".epoch"] != e) epochs_bad = 1
    }
    if (epochs_bad) err("epochs not 1..N")
    if (nlog >= 2 && !(lg[nlog ".train_loss"] + 0 < lg["1.train_loss"] + 0))
        err("train loss did not decrease: " lg["1.train_loss"] " -> " lg[nlog ".train_loss"])
    exit bad
}' "$TMP/eval.flat" "$TMP/log.flat" || fail "JSON checks failed"

# eval's counts agree with an independent count: truth records on sim2 inside the held-out BED
# (SNPs only: calla eval splits and trims, which an awk count of simple SNP records matches)
n_truth_snp=$(bcftools view -H -v snps -R "$out/heldout.bed" "$out/sim/truth.vcf.gz" 2>/dev/null |
    awk 'length($4) == 1' | awk '{n += ($5 ~ /,/) ? 2 : 1} END{print n+0}')
read -r tp fn < <(awk -F'\t' '$1 == "SNP.allele.tp" { tp = $2 } $1 == "SNP.allele.fn" { fn = $2 }
    END { print tp + 0, fn + 0 }' "$TMP/eval.flat")
[[ $((tp + fn)) -eq $n_truth_snp ]] || fail "eval SNP TP+FN $((tp + fn)) != truth SNPs in heldout.bed $n_truth_snp"

# the SVG is well-formed XML with drawn curves
{ "$CALLA_TOOLS/xmlcheck" "$out/curves.svg" >"$TMP/svg.elements" &&
    grep -Eqx 'polyline|path' "$TMP/svg.elements"; } || fail "curves.svg is not XML with curves"
grep -q "Files in $out" "$TMP/stderr" || fail "demo did not say where its files are"
grep -q 'SNP' "$out/eval.txt" || fail "eval table not printed"
# a bad size is a usage error before any work
CALLA=$CALLA DEMO_SIZE=huge bash "$root/examples/demo.sh" "$TMP/bad" >/dev/null 2>"$TMP/bad.err"
[[ $? -eq 2 ]] || fail "DEMO_SIZE=huge: expected exit 2"
[[ -e $TMP/bad ]] && fail "DEMO_SIZE=huge created its output directory"
done_test
