#!/usr/bin/env bash
# Installs the Debian packages calla needs to build and test (only those missing).
# Usage: scripts/install-deps.sh [--bench] [--fuzz]   (--bench adds the benchmark peers; --fuzz
# adds clang and its libFuzzer runtime for `make fuzz`, which the normal build does not need)
set -euo pipefail
pkgs=(build-essential pkg-config libhts-dev libopenblas-dev zlib1g-dev samtools bcftools tabix
      minimap2 bwa openmpi-bin libopenmpi-dev)
for a in "$@"; do
    case $a in
        --bench) pkgs+=(freebayes python3-torch time) ;;
        --fuzz) pkgs+=(clang-14 libclang-rt-14-dev) ;;
    esac
done
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [[ ${#missing[@]} -gt 0 ]]; then
    echo "[install-deps] installing: ${missing[*]}" >&2
    SUDO=; [[ $(id -u) -ne 0 ]] && SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
