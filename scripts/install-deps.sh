#!/usr/bin/env bash
# Installs what lowbit needs to build, test and benchmark, from Debian 12's
# packages only. Idempotent: installs just the missing ones. Needs root (or
# sudo). Nothing else is ever downloaded.
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config
  libhwy-dev libcpuinfo-dev libpthreadpool-dev
  libgtest-dev libbenchmark-dev libxnnpack-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root to install: ${missing[*]}" >&2; exit 1; }
  sudo=sudo
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
