#!/usr/bin/env bash
# The bare-metal stage of scripts/test.sh, on its own: builds lowbit for
# each Cortex-M toolchain (toolchains/cortex-m*.cmake) and runs its tests
# bare metal under qemu-system-arm (ctest's emulator: the board the
# toolchain file names, semihosting for output and exit status).
# Then the TFLite Micro-style block (examples/tflm_block) must print the
# same bytes on every core as on this PC (a hosted build, LOWBIT_HOST_BUILD,
# default build/release, configured here if missing).
# Usage: scripts/test-cortex-m.sh [m55 m7 m4 m3]
set -euo pipefail
cd "$(dirname "$0")/.."
cores=("$@")
[ ${#cores[@]} -gt 0 ] || cores=(m55 m7 m4 m3)
host=${LOWBIT_HOST_BUILD:-build/release}
[ -f "$host/CMakeCache.txt" ] ||
  cmake -S . -B "$host" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$host" --target lowbit_tflm_block >/dev/null
want=$("$host/lowbit_tflm_block")
echo "-- hosted block: $want"
declare -A board=([m55]=mps3-an547 [m7]=mps2-an500 [m4]=mps2-an386 [m3]=mps2-an385)
for core in "${cores[@]}"; do
  echo "-- Cortex-${core^^}"
  cmake --no-warn-unused-cli -S . -B "build/cortex-$core" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_TOOLCHAIN_FILE="toolchains/cortex-$core.cmake" >/dev/null
  cmake --build "build/cortex-$core" -j "$(nproc)"
  ctest --test-dir "build/cortex-$core" --output-on-failure -V -j "$(nproc)"
  got=$(qemu-system-arm -M "${board[$core]}" -nographic -semihosting \
    -kernel "build/cortex-$core/lowbit_tflm_block.elf")
  if [ "$got" != "$want" ]; then
    echo "Cortex-${core^^}: the block printed"; echo "$got"
    echo "where the hosted build printed"; echo "$want"
    exit 1
  fi
  echo "-- Cortex-${core^^} block: the hosted bytes"
done
