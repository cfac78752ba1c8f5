#!/usr/bin/env bash
# test_cuda_device.sh — `--device` of calla train and calla call: malformed values are usage
# errors (exit 2), an unusable device is one clear runtime error (exit 1) in every build:
# "built without CUDA" (NO_CUDA), "no usable CUDA device: <driver>" (no card / old driver) or
# "CUDA device 999 requested but N devices found" (a machine with GPUs).
source "$(dirname "$0")/lib.sh"
dev_err='calla was built without CUDA|no usable CUDA device: .+|CUDA device 999 requested but [0-9]+ devices? found'

# usage errors: exit 2, the culprit named on the first line, usage follows
for bad in gpu cuda: cuda:-1 cuda:x "cuda:1 "; do
    err=$("$CALLA" train -i "$TMP/in.ctf" -o "$TMP/m.safetensors" --model clair3-pileup --device "$bad" 2>&1 >/dev/null)
    rc=$?
    [[ $rc -eq 2 ]] || fail "train --device '$bad': exit $rc, expected 2"
    head -n1 <<<"$err" | grep -q "invalid value for --device: \"$bad\"" || fail "train --device '$bad': $err"
    err=$("$CALLA" call -b x.bam -f x.fa -o "$TMP/o.vcf.gz" --platform ilmn --device "$bad" 2>&1 >/dev/null)
    rc=$?
    [[ $rc -eq 2 ]] || fail "call --device '$bad': exit $rc, expected 2"
    head -n1 <<<"$err" | grep -q "bad device \"$bad\"" || fail "call --device '$bad': $err"
done
"$CALLA" train --help | grep -q -- '--device cpu|cuda|cuda:N' || fail "train --help lacks --device"
"$CALLA" train --help | grep -q -- '--precision fp32|tf32|bf16' || fail "train --help lacks --precision"
"$CALLA" call --help | grep -q -- '--device cpu|cuda|cuda:N' || fail "call --help lacks --device"
err=$("$CALLA" train -i "$TMP/in.ctf" -o "$TMP/m.safetensors" --model clair3-pileup --precision fp16 2>&1 >/dev/null)
[[ $? -eq 2 ]] && head -n1 <<<"$err" | grep -q 'invalid value for --precision: "fp16"' || fail "--precision fp16: $err"
"$CALLA" call --help | grep -q -- '--precision P  ' || fail "call --help lacks --precision"
err=$("$CALLA" train -i "$TMP/in.ctf" -o "$TMP/m.safetensors" --model clair3-pileup --cuda-graphs 2>&1 >/dev/null)
[[ $? -eq 2 ]] && head -n1 <<<"$err" | grep -q -- '--cuda-graphs applies to --device cuda only' ||
    fail "--cuda-graphs without --device cuda: $err"
err=$("$CALLA" call -b x.bam -f x.fa -o "$TMP/o.vcf.gz" --platform ilmn --device cuda --precision fp16 2>&1 >/dev/null)
[[ $? -eq 2 ]] && head -n1 <<<"$err" | grep -q 'bad precision "fp16"' || fail "call --precision fp16: $err"
err=$("$CALLA" call -b x.bam -f x.fa -o "$TMP/o.vcf.gz" --platform ilmn --precision tf32 2>&1 >/dev/null)
[[ $? -eq 2 ]] && head -n1 <<<"$err" | grep -q -- '--precision tf32 applies to --device cuda only' ||
    fail "call --precision tf32 without --device cuda: $err"
err=$("$CALLA" call -b x.bam -f x.fa -o "$TMP/o.vcf.gz" --platform ilmn --device cuda --precision auto 2>&1 >/dev/null)
[[ $? -eq 2 ]] && head -n1 <<<"$err" | grep -q -- '--precision auto applies to the CPU' ||
    fail "call --device cuda --precision auto: $err"

# a device that cannot be used: one line, exit 1, before any input is read (the inputs here do
# not exist, so reaching them would give a different message)
expect_fail 1 "^\[calla train\] ($dev_err)" "$CALLA" train -i "$TMP/none.ctf" -o "$TMP/m.safetensors" \
    --model clair3-pileup --device cuda:999
expect_fail 1 "^\[calla call\] ($dev_err)" "$CALLA" call -b "$TMP/none.bam" -f "$TMP/none.fa" \
    -o "$TMP/o.vcf.gz" --platform ilmn --device cuda:999
# --device cpu is the default and changes nothing: the missing input is the error
expect_fail 1 'none\.ctf' "$CALLA" train -i "$TMP/none.ctf" -o "$TMP/m.safetensors" \
    --model clair3-pileup --device cpu
done_test
