#!/usr/bin/env bash
# bench/gpu/check.sh — run ON THE GPU MACHINE, from the repository root, with a bundle made by
# `DATA=1 bash bench/gpu/pack.sh gpu`: the correctness checks of docs/gpu-notes.md in one script
# sized for the device tool's budget (~5 minutes), then a short speed run if time is left.
#   1. the device unit tests (every kernel, the three models, training steps, graphs) against the
#      CPU reference: test_cuda_layers, _model, _train, _graphs, _fa;
#   2. the command-line tests written for the emulated device, with the real CUDA calla in place
#      of calla-cudaemu: test_cuda_device, test_cuda_emu (train --device cuda vs CPU, graphs),
#      test_train_fa_cuda_emu (clair3-fa training, BN state, exact resume, 2 ranks on one GPU
#      through the host-staged reduction); and NCCL's refusal of 2 ranks on 1 GPU;
#   3. `calla call --device cuda` (fp32, tf32, bf16) on the real Illumina slice against the same
#      binary on the CPU: records, genotypes, QUAL differences, wall time;
#   3b. the pileup -> full-alignment cascade with --device cuda against the CPU (simulated HiFi);
#   4. `calla train` end to end on synthetic records: GPU fp32, bf16 and the host's CPU cores;
#   5. bench_gpu and PyTorch (bench/gpu/run.sh) at batch 2000, while DEADLINE (s) allows.
# Everything goes to $OUT/check.log (and the per-test logs to $OUT/logs.tgz): the device tool
# brings back at most 8 files.
set -uo pipefail
cd "$(dirname "$0")/../.."
B=${1:-gpu}
B=$(cd "$B" && pwd)
O=${OUT:-bench-out/gpu-check}
DEADLINE=${DEADLINE:-300}
mkdir -p "$O" /tmp/ck/logs
L=$O/check.log
: >"$L"
t0=$SECONDS
log() { echo "[$((SECONDS - t0))s] $*" | tee -a "$L"; }
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader >>"$L" 2>&1
"$B/w/calla" --version >>"$L" 2>&1
export CALLA_MODELS=$PWD/models

# 1. unit tests
for t in test_cuda_layers test_cuda_model test_cuda_train test_cuda_graphs test_cuda_fa; do
    s=$SECONDS
    timeout 150 "$B/w/$t" >/tmp/ck/logs/$t.log 2>&1
    rc=$?
    log "$t: exit $rc ($([[ $rc == 0 ]] && echo pass || { [[ $rc == 77 ]] && echo skipped || echo FAIL; })) $((SECONDS - s)) s"
    [[ $rc == 0 ]] || tail -n 25 /tmp/ck/logs/$t.log >>"$L"
done

# 2. the CLI tests with the real device
T=/tmp/ck/tools
mkdir -p "$T"
for n in calla-cudaemu:calla mksynth:mksynth stdiff:stdiff; do  # (the bundle's wrappers find
    printf '#!/bin/sh\nexec "%s" "$@"\n' "$B/w/${n#*:}" >"$T/${n%%:*}"  # their folder from $0)
    chmod +x "$T/${n%%:*}"
done
export CALLA=$B/w/calla CALLA_TOOLS=$T CALLA_SHARED=/nonexistent CALLA_TEST_REAL_DEVICE=1
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
for t in test_cuda_device test_cuda_emu test_train_fa_cuda_emu; do
    src=tests/cli/$t.sh
    if [[ $t == test_train_fa_cuda_emu ]]; then  # one GPU: both ranks on it, host-staged reduction
        sed 's/^ *unset CALLA_DIST_BACKEND/    export CALLA_DIST_BACKEND=staged/' "$src" >tests/cli/$t.gpu.sh
        src=tests/cli/$t.gpu.sh
    fi
    s=$SECONDS
    timeout 150 bash "$src" >/tmp/ck/logs/$t.log 2>&1
    rc=$?
    log "$t (real device): exit $rc ($([[ $rc == 0 ]] && echo pass || { [[ $rc == 77 ]] && echo skipped || echo FAIL; })) $((SECONDS - s)) s"
    grep -v '^$' /tmp/ck/logs/$t.log | tail -n 12 >>"$L"
done
rm -f tests/cli/test_train_fa_cuda_emu.gpu.sh
if command -v mpirun >/dev/null; then
    cd /tmp/ck && "$B/w/mksynth" n.ctf clair3-pileup 2000 3 >/dev/null 2>&1
    timeout 60 mpirun --oversubscribe --allow-run-as-root -np 2 "$B/w/calla" train -i n.ctf --model clair3-pileup --batch 100 --chunk 50 \
        --device cuda --epochs 1 -o n.st >n.out 2>&1
    log "2 ranks, 1 GPU, NCCL: exit $? (a refusal expected): $(grep -m1 'ranks on a node' n.out)"
    cp n.out logs/nccl-refusal.log
    cd - >/dev/null
fi

# 3. calling on the real Illumina slice, CPU vs GPU
D=$B/data
if [[ -f $D/NA12878_S1.chr20.10_10p1mb.bam ]]; then
    call() {  # name, args...
        local n=$1; shift
        local s st
        s=$(date +%s.%N)
        "$B/w/calla" call -b "$D/NA12878_S1.chr20.10_10p1mb.bam" \
            -f "$D/ucsc.hg19.chr20.unittest.fasta.gz" --platform ilmn -o /tmp/ck/$n.vcf.gz "$@" \
            >/tmp/ck/logs/call-$n.log 2>&1
        st=$?
        log "call $n ($*): exit $st, wall $(awk -v a="$s" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }') s, $(grep -o 'done:.*candidates' /tmp/ck/logs/call-$n.log)"
        zcat /tmp/ck/$n.vcf.gz 2>/dev/null | grep -v '^#' | awk -F'\t' '{split($10, g, ":"); print $1, $2, $4, $5, $7, g[1], $6}' >/tmp/ck/$n.txt
    }
    call cpu -@ 4
    for p in fp32 tf32 bf16; do
        call gpu-$p --device cuda --precision $p -@ 4
        awk -v n=gpu-$p 'NR == FNR { k = $1" "$2" "$3" "$4; c[k] = $5" "$6; q[k] = $7; next }
            { k = $1" "$2" "$3" "$4; m++; if (!(k in c)) { extra++; next } seen[k] = 1
              if (c[k] != $5" "$6) gt++; d = q[k] - $7; if (d < 0) d = -d; if (d > dq) dq = d }
            END { for (k in c) if (!(k in seen)) miss++;
                  printf "%s vs cpu: %d records, %d only on GPU, %d only on CPU, %d FILTER/GT differ, max |dQUAL| %.3f\n",
                         n, m, extra, miss, gt, dq }' /tmp/ck/cpu.txt /tmp/ck/gpu-$p.txt | tee -a "$L"
    done
fi

# 3b. the cascade (shipped hifi + hifi-fa models) on simulated HiFi reads, CPU vs GPU: the
#     full-alignment model runs on the device too
if [[ -f $D/hifi.bam ]]; then
    for dv in cpu gpu; do
        s=$(date +%s.%N)
        "$B/w/calla" call -b "$D/hifi.bam" -f "$D/ref.fa" --platform hifi -@ 4 \
            $([[ $dv == gpu ]] && echo --device cuda) -o /tmp/ck/casc-$dv.vcf.gz >/tmp/ck/logs/casc-$dv.log 2>&1
        log "cascade $dv: exit $?, wall $(awk -v a="$s" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }') s, $(grep -o 'cascade: [0-9]* calls.*' /tmp/ck/logs/casc-$dv.log)"
        zcat /tmp/ck/casc-$dv.vcf.gz 2>/dev/null | grep -v '^#' | awk -F'\t' '{split($10, g, ":"); print $1, $2, $4, $5, $7, g[1], $6}' >/tmp/ck/casc-$dv.txt
    done
    grep -o 'on the GPU, fp32' /tmp/ck/logs/casc-gpu.log | head -1 | sed 's/^/cascade log: /' | tee -a "$L"
    awk 'NR == FNR { k = $1" "$2" "$3" "$4; c[k] = $5" "$6; q[k] = $7; next }
        { k = $1" "$2" "$3" "$4; m++; if (!(k in c)) { extra++; next } seen[k] = 1
          if (c[k] != $5" "$6) gt++; d = q[k] - $7; if (d < 0) d = -d; if (d > dq) dq = d }
        END { for (k in c) if (!(k in seen)) miss++;
              printf "cascade gpu vs cpu: %d records, %d only on GPU, %d only on CPU, %d FILTER/GT differ, max |dQUAL| %.3f\n",
                     m, extra, miss, gt, dq }' /tmp/ck/casc-cpu.txt /tmp/ck/casc-gpu.txt | tee -a "$L"
fi

# 4. the trainer end to end (reading a tensor file, validation, checkpoints): samples/s of
#    `calla train` on 20,000 synthetic Clair3 records, the GPU (batch 2000) and this machine's
#    CPU cores (-@ $(nproc), batch 2000), 2 epochs each
if (( SECONDS - t0 < DEADLINE )); then
    cd /tmp/ck && "$B/w/mksynth" t.ctf clair3-pileup 20000 5 >/dev/null 2>&1
    for d in "--device cuda" "--device cuda --precision bf16" "-@ $(nproc)"; do
        s=$SECONDS
        timeout 120 "$B/w/calla" train -i t.ctf --model clair3-pileup --batch 2000 --epochs 2 $d \
            -o t.st --log t.jsonl >t.out 2>&1
        log "calla train $d: exit $?, $((SECONDS - s)) s, $(grep -o '"samples_per_s":[0-9.]*' t.jsonl | tr '\n' ' ')"
    done
    cd - >/dev/null
fi

# 5. speed, while time is left
for spec in "clair3-pileup fp32 2000" "clair3-pileup tf32 2000" "clair3-pileup bf16 2000" \
            "clairvoyante fp32 2000" "clairvoyante bf16 2000" "clair3-fa fp32 256" "clair3-fa bf16 256" \
            "clair3-pileup fp32 256"; do
    (( SECONDS - t0 < DEADLINE )) || { log "deadline: bench $spec not run"; continue; }
    timeout 60 "$B/w/bench_gpu" $spec 10 >>"$L" 2>>/tmp/ck/logs/bench.err || log "bench_gpu $spec: exit $?"
    m=${spec%% *}
    if [[ $m != clair3-fa ]] && (( SECONDS - t0 < DEADLINE )); then
        timeout 90 python3 bench/gpu/torch_gpu.py $spec 10 >>"$L" 2>>/tmp/ck/logs/torch.err || log "torch $spec: exit $?"
    fi
done
nvidia-smi --query-gpu=memory.used --format=csv,noheader >>"$L" 2>&1
tar -C /tmp/ck -czf "$O/logs.tgz" logs
log "done"
