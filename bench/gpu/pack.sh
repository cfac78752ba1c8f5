#!/usr/bin/env bash
# bench/gpu/pack.sh — run HERE (the build machine): builds the CUDA binaries that bench/gpu/run.sh
# and bench/gpu/check.sh need and packs them for the GPU machine (CUDA, PyTorch, OpenBLAS and
# Open MPI, but no htslib): the binaries in BUNDLE/bin, one copy of the libraries the GPU machine
# lacks (found by /work/shared/tools/gpu-bundle) in BUNDLE/lib, and BUNDLE/w/NAME, a wrapper that
# sets LD_LIBRARY_PATH (one library folder keeps the bundle at ~26 MB, under the device tool's
# 64 MiB working-tree limit together with the checkout). With DATA=1 it also copies the real
# Illumina slice from ../shared and 150 kb of simulated HiFi reads into BUNDLE/data for
# check.sh's CPU/GPU calling comparisons (pileup model; HiFi: the cascade).
#   bash bench/gpu/pack.sh [BUNDLE]      # BUILD=build (a CUDA build: nvcc present, NO_CUDA unset)
# BUNDLE defaults to gpu (git-ignored, at the repository root); carry it to the GPU machine and
# run: bash bench/gpu/check.sh gpu   (correctness, ~5 min)  or  bash bench/gpu/run.sh gpu (speed)
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
BUNDLE=${1:-gpu}
PACK=${GPU_BUNDLE:-/work/shared/tools/gpu-bundle}
SHARED=${CALLA_SHARED:-../shared}
TESTS="test_cuda_layers test_cuda_model test_cuda_train test_cuda_graphs test_cuda_fa"
BINS="calla bench_gpu $(for t in $TESTS; do echo "tests/$t"; done) tools/mksynth tools/stdiff"
make -s BUILD="$BUILD" -j2 $(for b in $BINS; do echo "$BUILD/$b"; done)
nm "$BUILD/bench_gpu" | grep ' T cu_gemm$' >/dev/null || { echo "pack.sh: $BUILD is not a CUDA build" >&2; exit 1; }
rm -rf "$BUNDLE"
mkdir -p "$BUNDLE/bin" "$BUNDLE/lib" "$BUNDLE/w"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for b in $BINS; do
    n=$(basename "$b")
    "$PACK" "$BUILD/$b" "$tmp/$n" >/dev/null
    mv "$tmp/$n/$n" "$BUNDLE/bin/$n"
    cp -n "$tmp/$n/lib/"* "$BUNDLE/lib/" 2>/dev/null || true
    cat >"$BUNDLE/w/$n" <<W
#!/bin/sh
here=\$(cd "\$(dirname "\$0")/.." && pwd)
LD_LIBRARY_PATH="\$here/lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" exec "\$here/bin/$n" "\$@"
W
    chmod +x "$BUNDLE/w/$n"
done
if [[ ${DATA:-0} == 1 ]]; then
    mkdir -p "$BUNDLE/data"
    cp "$SHARED"/data/hg001_illumina_grch37_chr20_10.0-10.1Mb/{NA12878_S1.chr20.10_10p1mb.bam*,ucsc.hg19.chr20.unittest.fasta.gz*} "$BUNDLE/data/"
    # simulated HiFi reads for the cascade on the device (the GPU machine has no minimap2)
    "$BUILD/calla" simulate -o "$tmp/hifi" --genome-size 150k --platform hifi --depth 30 \
        --snp-rate 0.002 --indel-rate 0.0005 --seed 5 2>/dev/null
    cp "$tmp/hifi/ref.fa" "$tmp/hifi/ref.fa.fai" "$BUNDLE/data/"
    cp "$tmp/hifi/reads.bam" "$BUNDLE/data/hifi.bam" && cp "$tmp/hifi/reads.bam.bai" "$BUNDLE/data/hifi.bam.bai"
fi
echo "pack.sh: $BUNDLE ready ($(du -sh "$BUNDLE" | cut -f1))"
