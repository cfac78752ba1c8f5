#!/usr/bin/env bash
# test_cuda_emu.sh — `--device cuda` end to end through the command line, with calla-cudaemu
# (calla linked with the emulated device: the src/cuda code run on the host, docs/cuda.md):
# - `calla train --device cuda` on synthetic data (mksynth) logs the CPU run's losses and metrics
#   epoch by epoch (relative 1e-3; Clair3, whose training is not chaotic: test_cuda_train_checks.h);
# - `calla call --device cuda` with that model on the real Illumina slice writes the CPU run's
#   records: same sites, alleles and genotypes, QUAL within 0.01 (docs/calling.md's tolerance;
#   near-ties could differ, none are expected on this small slice and model).
source "$(dirname "$0")/lib.sh"
EMU=$CALLA_TOOLS/calla-cudaemu
[[ -x $EMU ]] || { fail "no $EMU (make test builds it)"; done_test; }
[[ -x $CALLA_TOOLS/mksynth ]] || { fail "no $CALLA_TOOLS/mksynth"; done_test; }
"$CALLA_TOOLS/mksynth" "$TMP/s.ctf" clair3-pileup 300 3 || fail "mksynth"
args=(-i "$TMP/s.ctf" --model clair3-pileup --batch 50 --chunk 25 --epochs 2 --seed 4 -@ 1)
"$CALLA" train "${args[@]}" -o "$TMP/cpu.st" --log "$TMP/cpu.jsonl" 2>"$TMP/cpu.err" ||
    { cat "$TMP/cpu.err"; fail "CPU training"; }
"$EMU" train "${args[@]}" --device cuda -o "$TMP/dev.st" --log "$TMP/dev.jsonl" 2>"$TMP/dev.err" ||
    { cat "$TMP/dev.err"; fail "device training"; }
[[ $(grep -c "\"epoch\"" "$TMP/dev.jsonl") -eq 2 ]] || fail "device log has $(wc -l <"$TMP/dev.jsonl") lines"
for k in train_loss val_loss val_f1 val_precision val_recall; do
    a=$(grep -o "\"$k\":[-0-9.e]*" "$TMP/cpu.jsonl" | cut -d: -f2 | tr '\n' ' ')
    b=$(grep -o "\"$k\":[-0-9.e]*" "$TMP/dev.jsonl" | cut -d: -f2 | tr '\n' ' ')
    awk -v a="$a" -v b="$b" 'BEGIN { n = split(a, x, " "); m = split(b, y, " "); if (n != 2 || m != 2) exit 1;
        for (i = 1; i <= n; i++) { d = x[i] - y[i]; if (d < 0) d = -d; s = x[i] < 0 ? -x[i] : x[i];
        if (d > 1e-3 * s + 1e-9) exit 1 } }' || fail "$k: CPU $a, device $b"
done
# --cuda-graphs: the same run replayed from captured (emulated) graphs writes the same bytes:
# model file, checkpoint (parameters, optimizer state, RNG) and per-epoch metrics
"$EMU" train "${args[@]}" --device cuda --cuda-graphs -o "$TMP/gr.st" --log "$TMP/gr.jsonl" \
    2>"$TMP/gr.err" || { cat "$TMP/gr.err"; fail "device training with --cuda-graphs"; }
cmp -s "$TMP/dev.st" "$TMP/gr.st" || fail "--cuda-graphs model differs from the eager device run's"
st_data() {  # a safetensors file's tensor bytes (after the 8-byte length and the JSON header)
    local n; n=$(od -An -t u8 -N8 "$1" | tr -d ' ')
    tail -c +$((9 + n)) "$1"
}
cmp -s <(st_data "$TMP/dev.st.ckpt") <(st_data "$TMP/gr.st.ckpt") ||
    fail "--cuda-graphs checkpoint tensors differ"
st_head() { head -c 4096 "$1" | tr ',' '\n' | grep -a '"ckpt\.' | grep -v wall_s; }  # all but the time
diff <(st_head "$TMP/dev.st.ckpt") <(st_head "$TMP/gr.st.ckpt") >/dev/null ||
    fail "--cuda-graphs checkpoint state differs: $(diff <(st_head "$TMP/dev.st.ckpt") <(st_head "$TMP/gr.st.ckpt") | head -3)"
[[ $(st_head "$TMP/gr.st.ckpt" | grep -c rng_model) -eq 1 ]] || fail "checkpoint header not parsed"
diff <(sed 's/,"samples_per_s".*//' "$TMP/dev.jsonl") <(sed 's/,"samples_per_s".*//' "$TMP/gr.jsonl") >/dev/null ||
    fail "--cuda-graphs log differs"

D=$CALLA_SHARED/data/hg001_illumina_grch37_chr20_10.0-10.1Mb
if [[ -d $D ]] && command -v bcftools >/dev/null; then
    BAM=$D/NA12878_S1.chr20.10_10p1mb.bam
    REF=$D/ucsc.hg19.chr20.unittest.fasta.gz
    REG=chr20:10000001-10030000
    "$CALLA" call -b "$BAM" -f "$REF" -m "$TMP/cpu.st" -r "$REG" --batch 64 --ref-calls \
        -o "$TMP/cpu.vcf.gz" 2>"$TMP/c1.err" || { cat "$TMP/c1.err"; fail "CPU call"; }
    "$EMU" call -b "$BAM" -f "$REF" -m "$TMP/cpu.st" -r "$REG" --batch 64 --ref-calls --device cuda \
        -o "$TMP/dev.vcf.gz" 2>"$TMP/c2.err" || { cat "$TMP/c2.err"; fail "device call"; }
    q='%CHROM %POS %REF %ALT %FILTER [%GT] %QUAL\n'
    bcftools query -f "$q" "$TMP/cpu.vcf.gz" >"$TMP/cpu.txt" || fail "query"
    bcftools query -f "$q" "$TMP/dev.vcf.gz" >"$TMP/dev.txt" || fail "query"
    n=$(wc -l <"$TMP/cpu.txt")
    [[ $n -ge 20 ]] || fail "only $n records from the CPU call"
    cmp -s <(cut -d' ' -f1-6 "$TMP/cpu.txt") <(cut -d' ' -f1-6 "$TMP/dev.txt") ||
        fail "device calls differ: $(diff <(cut -d' ' -f1-6 "$TMP/cpu.txt") <(cut -d' ' -f1-6 "$TMP/dev.txt") | head -4)"
    paste -d' ' "$TMP/cpu.txt" "$TMP/dev.txt" | awk '{ d = $7 - $14; if (d < 0) d = -d; if (d > 0.0100001) bad++ }
        END { exit bad > 0 }' || fail "QUAL differs by more than 0.01"
    # small batches: many passes, two slots in flight in turn, the last one partial; and two
    # worker threads (each with its own device model and slots): the same records in the same order
    "$EMU" call -b "$BAM" -f "$REF" -m "$TMP/cpu.st" -r "$REG" --batch 5 -@ 2 --ref-calls \
        --device cuda -o "$TMP/dev5.vcf.gz" 2>"$TMP/c5.err" || { cat "$TMP/c5.err"; fail "device call, batch 5"; }
    bcftools query -f "$q" "$TMP/dev5.vcf.gz" >"$TMP/dev5.txt" || fail "query"
    cmp -s <(cut -d' ' -f1-6 "$TMP/cpu.txt") <(cut -d' ' -f1-6 "$TMP/dev5.txt") ||
        fail "device calls at batch 5 differ: $(diff <(cut -d' ' -f1-6 "$TMP/cpu.txt") <(cut -d' ' -f1-6 "$TMP/dev5.txt") | head -4)"
    paste -d' ' "$TMP/cpu.txt" "$TMP/dev5.txt" | awk '{ d = $7 - $14; if (d < 0) d = -d; if (d > 0.0100001) bad++ }
        END { exit bad > 0 }' || fail "QUAL at batch 5 differs by more than 0.01"
    # --precision bf16 (GEMM inputs rounded to 8 significant bits) with the shipped Illumina
    # model: every call with QUAL >= 5 the CPU's (site, alleles, filter, genotype), QUAL within
    # 0.5; a near-tie below that may flip (docs/cuda.md "Inference precision"; on the whole slice
    # 1 of 435 records did: a LowQual 0/1 at QUAL 1.6 became RefCall).
    M=$CALLA_ROOT/models/ilmn.safetensors
    if [[ -f $M ]]; then
        "$CALLA" call -b "$BAM" -f "$REF" -m "$M" -r "$REG" --ref-calls -o "$TMP/c32.vcf.gz" \
            2>"$TMP/c3.err" || { cat "$TMP/c3.err"; fail "CPU call (shipped model)"; }
        "$EMU" call -b "$BAM" -f "$REF" -m "$M" -r "$REG" --ref-calls --device cuda --precision bf16 \
            -o "$TMP/cbf.vcf.gz" 2>"$TMP/c4.err" || { cat "$TMP/c4.err"; fail "bf16 device call"; }
        bcftools query -f "$q" "$TMP/c32.vcf.gz" >"$TMP/c32.txt" || fail "query"
        bcftools query -f "$q" "$TMP/cbf.vcf.gz" >"$TMP/cbf.txt" || fail "query"
        nb=$(wc -l <"$TMP/c32.txt")
        [[ $nb -ge 20 ]] || fail "only $nb records from the CPU call (shipped model)"
        cmp -s <(awk '$7 >= 5' "$TMP/c32.txt" | cut -d' ' -f1-6) <(awk '$7 >= 5' "$TMP/cbf.txt" | cut -d' ' -f1-6) ||
            fail "bf16 calls with QUAL >= 5 differ: $(diff <(cut -d' ' -f1-6 "$TMP/c32.txt") <(cut -d' ' -f1-6 "$TMP/cbf.txt") | head -4)"
        join -j1 <(awk '{print $1":"$2":"$4, $7}' "$TMP/c32.txt" | sort) \
            <(awk '{print $1":"$2":"$4, $7}' "$TMP/cbf.txt" | sort) |
            awk '{ d = $2 - $3; if (d < 0) d = -d; if (d > 0.5) bad++; n++ } END { exit bad > 0 || n < 20 }' ||
            fail "bf16 QUAL differs from the CPU's by more than 0.5"
        # and the option reached the GEMMs: rounding to bf16 moves some QUALs
        cmp -s "$TMP/c32.txt" "$TMP/cbf.txt" && fail "--precision bf16 output equals fp32's exactly"
    fi
fi
echo "checked: $(wc -l <"$TMP/dev.jsonl") epochs; ${n:-0} call records; ${nb:-0} bf16 call records"
done_test
