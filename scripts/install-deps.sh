#!/usr/bin/env bash
# Installs the Debian packages calla needs to build and test (only those missing).
# Usage: scripts/install-deps.sh [--bench]   (--bench adds the benchmark peers)
set -euo pipefail
pkgs=(build-essential pkg-config libhts-dev libopenblas-dev zlib1g-dev samtools bcftools tabix
      minimap2 bwa openmpi-bin libopenmpi-dev)
[[ ${1:-} == --bench ]] && pkgs+=(freebayes python3-torch time)
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
