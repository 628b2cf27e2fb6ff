#!/usr/bin/env bash
# The bare-metal stage of scripts/test.sh, on its own: builds lowbit for
# each Cortex-M toolchain (toolchains/cortex-m*.cmake) and runs its tests
# bare metal under qemu-system-arm (ctest's emulator: the board the
# toolchain file names, semihosting for output and exit status).
# Usage: scripts/test-cortex-m.sh [m55 m7 m4 m3]
set -euo pipefail
cd "$(dirname "$0")/.."
cores=("$@")
[ ${#cores[@]} -gt 0 ] || cores=(m55 m7 m4 m3)
for core in "${cores[@]}"; do
  echo "-- Cortex-${core^^}"
  cmake --no-warn-unused-cli -S . -B "build/cortex-$core" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_TOOLCHAIN_FILE="toolchains/cortex-$core.cmake" >/dev/null
  cmake --build "build/cortex-$core" -j "$(nproc)"
  ctest --test-dir "build/cortex-$core" --output-on-failure -V -j "$(nproc)"
done
