#!/usr/bin/env bash
# The test command: installs the dependencies, then
#   1. builds lowbit (Release) and runs every test with ctest: each kernel on
#      the exact sweep, install-and-consume of the CMake package and the
#      pkg-config file, and a check of the kernel dispatch chose for this CPU;
#   2. the same suite under AddressSanitizer + UndefinedBehaviorSanitizer;
#   3. cross-builds for aarch64 and runs the suite under qemu-aarch64 as a
#      Cortex-A53 (NEON only) and as "max" (dotprod, i8mm, SVE);
#   4. cross-builds for armhf (ARMv7 NEON) and runs the suite under qemu-arm.
# Exits non-zero if anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/cross-sysroot.sh arm64
scripts/cross-sysroot.sh armhf

jobs=$(nproc)

# The kernel dispatch must choose here, from /proc/cpuinfo (independent of
# cpuinfo the library): the dispatch test compares.
flags=$(grep -m1 '^flags' /proc/cpuinfo || true)
has() { [[ " $flags " == *" $1 "* ]]; }
if has avx512f && has avx512bw && has avx512dq && has avx512vl && has avx512_vnni; then
  native_kernel=lowbit_q8_gemm_ukernel_8x48c4__avx512vnni
elif has avx2 && has fma && has bmi2 && has f16c; then
  native_kernel=lowbit_q8_gemm_ukernel_6x16c2__avx2
else
  native_kernel=lowbit_q8_gemm_ukernel_4x8c2__hwy_sse4
fi

echo "== Release build and tests (expect $native_kernel)"
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DLOWBIT_BUILD_TESTS=ON
cmake --build build/release -j "$jobs"
LOWBIT_EXPECT_KERNEL=$native_kernel \
  ctest --test-dir build/release --output-on-failure -j "$jobs"

echo "== AddressSanitizer + UndefinedBehaviorSanitizer build and tests"
# Release (no -g): compiling every kernel instantiation with the sanitizers
# and debug info costs minutes; reports still name the functions.
cmake -S . -B build/sanitize -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DLOWBIT_BUILD_TESTS=ON -DLOWBIT_SANITIZE=ON
cmake --build build/sanitize -j "$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  LOWBIT_EXPECT_KERNEL=$native_kernel \
  ctest --test-dir build/sanitize --output-on-failure -j "$jobs"

# Debian 12's qemu-user (7.2) hangs (aarch64) or crashes (arm) in the
# guest's pthread_create on this kind of host, so the two tests that start
# threads are left to the native runs above; everything else runs emulated.
no_threads='ThreadCounts|ManyThreads'

echo "== aarch64 cross build, tests under qemu-aarch64"
cmake -S . -B build/aarch64 -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_TOOLCHAIN_FILE=toolchains/aarch64-linux-gnu.cmake
cmake --build build/aarch64 -j "$jobs"
echo "-- as cortex-a53 (NEON only)"
QEMU_CPU=cortex-a53 LOWBIT_EXPECT_KERNEL=lowbit_q8_gemm_ukernel_4x16c1__neon \
  ctest --test-dir build/aarch64 --output-on-failure -j "$jobs" -E "$no_threads"
echo "-- as max (dotprod, i8mm, SVE)"
QEMU_CPU=max LOWBIT_EXPECT_KERNEL=lowbit_q8_gemm_ukernel_8x8c8__neoni8mm \
  ctest --test-dir build/aarch64 --output-on-failure -j "$jobs" -E "$no_threads"

echo "== armhf cross build, tests under qemu-arm"
cmake -S . -B build/armhf -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_TOOLCHAIN_FILE=toolchains/arm-linux-gnueabihf.cmake
cmake --build build/armhf -j "$jobs"
LOWBIT_EXPECT_KERNEL=lowbit_q8_gemm_ukernel_4x8c2__hwy_neon \
  ctest --test-dir build/armhf --output-on-failure -j "$jobs" -E "$no_threads"
echo "== all tests passed"
