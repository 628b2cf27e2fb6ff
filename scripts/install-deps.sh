#!/usr/bin/env bash
# Installs what lowbit needs to build, test, cross-test and benchmark, from
# Debian 12's packages only. Idempotent: installs just the missing ones.
# Needs root (or sudo). Nothing else is ever downloaded.
#
# Bare-metal Cortex-M: gcc-arm-none-eabi with newlib, libstdc++'s headers
# alone (no C++ runtime library is linked), qemu-system-arm for the boards.
#
# Cross builds: libhwy-dev and libgtest-dev install side by side for arm64
# and armhf (multiarch). libcpuinfo-dev and libpthreadpool-dev do not (the
# foreign one replaces the native one), so scripts/cross-sysroot.sh unpacks
# those into build/sysroot-<arch> instead.
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config clang-14 libclang-rt-14-dev
  libhwy-dev libcpuinfo-dev libpthreadpool-dev
  libgtest-dev libbenchmark-dev libxnnpack-dev libdnnl-dev gnuplot-nox python3
  g++-aarch64-linux-gnu g++-arm-linux-gnueabihf qemu-user
  gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-dev
  qemu-system-arm
  libhwy-dev:arm64 libgtest-dev:arm64 libhwy-dev:armhf libgtest-dev:armhf
)

sudo=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null; then sudo=sudo; fi

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
if [ "$(id -u)" -ne 0 ] && [ -z "$sudo" ]; then
  echo "install-deps: run as root to install: ${missing[*]}" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
for arch in arm64 armhf; do
  dpkg --print-foreign-architectures | grep -qx "$arch" || $sudo dpkg --add-architecture "$arch"
done
# A mirror mid-sync can fail one index; the install below says if that
# matters.
$sudo apt-get update -q ||
  echo "install-deps: apt-get update reported errors; installing anyway" >&2
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
