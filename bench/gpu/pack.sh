#!/usr/bin/env bash
# bench/gpu/pack.sh — run HERE (the build machine): builds the CUDA binaries that bench/gpu/run.sh
# needs and packs each with /work/shared/tools/gpu-bundle (the GPU machine has CUDA, PyTorch and
# OpenBLAS but no htslib) into BUNDLE/<name>/run.
#   bash bench/gpu/pack.sh [BUNDLE]      # BUILD=build (a CUDA build: nvcc present, NO_CUDA unset)
# BUNDLE defaults to $BUILD/gpu-bundle (git-ignored); carry it (and bench/gpu if .gitignore's
# "gpu/" pattern still hides it) to the GPU machine and run: bash bench/gpu/run.sh BUNDLE
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
BUNDLE=${1:-$BUILD/gpu-bundle}
PACK=${GPU_BUNDLE:-/work/shared/tools/gpu-bundle}
TESTS="test_cuda_layers test_cuda_model test_cuda_train test_cuda_graphs test_cuda_fa"
make -s BUILD="$BUILD" -j1 "$BUILD/calla" "$BUILD/bench_gpu" $(for t in $TESTS; do echo "$BUILD/tests/$t"; done)
nm "$BUILD/bench_gpu" | grep ' T cu_gemm$' >/dev/null || { echo "pack.sh: $BUILD is not a CUDA build" >&2; exit 1; }
rm -rf "$BUNDLE"
mkdir -p "$BUNDLE"
for b in calla bench_gpu; do "$PACK" "$BUILD/$b" "$BUNDLE/$b"; done
for t in $TESTS; do "$PACK" "$BUILD/tests/$t" "$BUNDLE/$t"; done
echo "pack.sh: $BUNDLE ready ($(du -sh "$BUNDLE" | cut -f1))"
