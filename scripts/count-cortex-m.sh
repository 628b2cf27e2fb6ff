#!/usr/bin/env bash
# Counts instructions per MAC of lowbit's bare-metal operations on each
# Cortex-M core under qemu-system-arm -icount (a virtual clock of 2^5 ns
# per instruction, read through SysTick; deterministic, not a timing).
# Usage: scripts/count-cortex-m.sh [m55 m7 m4 m3]
set -euo pipefail
cd "$(dirname "$0")/.."
cores=("$@")
[ ${#cores[@]} -gt 0 ] || cores=(m55 m7 m4 m3)
declare -A board=([m55]=mps3-an547 [m7]=mps2-an500 [m4]=mps2-an386 [m3]=mps2-an385)
for core in "${cores[@]}"; do
  cmake --no-warn-unused-cli -S . -B "build/cortex-$core" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_TOOLCHAIN_FILE="toolchains/cortex-$core.cmake" >/dev/null
  cmake --build "build/cortex-$core" -j "$(nproc)" --target lowbit_bare_count >/dev/null
  echo "== Cortex-${core^^} (${board[$core]})"
  qemu-system-arm -M "${board[$core]}" -nographic -semihosting -icount shift=5 \
    -kernel "build/cortex-$core/lowbit_bare_count.elf"
done
