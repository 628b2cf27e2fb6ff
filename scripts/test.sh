#!/usr/bin/env bash
# The test command: installs the dependencies, then
#   1. GCC, Release: builds lowbit (the build itself fails if a kernel
#      instantiation is defined twice) and runs every test with ctest: each
#      kernel on the exact sweep, the C API, install-and-consume of the CMake
#      package and the pkg-config file, the kernel dispatch chose for this
#      CPU, and the whole suite again under qemu-x86_64 as an AVX2-only CPU;
#   2. the same with clang, then with clang and UBSan alone (qemu included);
#   3. clang with AddressSanitizer + UndefinedBehaviorSanitizer: the suite,
#      the fuzzer's seed corpus, then a bounded run of the differential
#      fuzzer (a fixed number of executions);
#   4. clang with ThreadSanitizer: many threads on one handle;
#   5. cross-builds for aarch64 and runs the suite under qemu-aarch64 as a
#      Cortex-A53 (NEON only) and as "max" (dotprod, i8mm, SVE), and
#      examples/tiny_cnn, whose logits must be the x86 build's bytes;
#   6. cross-builds for armhf (ARMv7 NEON) and runs the suite and the
#      tiny_cnn comparison under qemu-arm;
#   7. builds the bare-metal (freestanding) library for Cortex-M55 (Helium),
#      M7 and M4 (DSP extension) and M3 (plain Thumb-2) and runs the exact
#      sweep of every kernel of each, bare metal, under qemu-system-arm
#      on the boards the toolchain files name.
# Exits non-zero if anything fails. Each stage prints its time.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/cross-sysroot.sh arm64
scripts/cross-sysroot.sh armhf

jobs=$(nproc)
start=$SECONDS
stage() { echo "== [$((SECONDS - start)) s] $*"; }

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

native() {  # native <build dir> <cmake args...>: configure, build, ctest
  local dir=$1
  shift
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@"
  cmake --build "$dir" -j "$jobs"
  LOWBIT_EXPECT_KERNEL=$native_kernel \
    ctest --test-dir "$dir" --output-on-failure -j "$jobs"
}

stage "GCC release build and tests (expect $native_kernel)"
native build/release -DCMAKE_C_COMPILER=gcc -DCMAKE_CXX_COMPILER=g++

stage "clang release build and tests"
native build/clang -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14

stage "clang UndefinedBehaviorSanitizer alone, also under qemu as AVX2-only"
# Sanitizer builds inline differently: code one kernel shares with another
# can surface out of line, where a copy built for the wrong ISA would show.
# UBSan alone runs under qemu-user (ASan and TSan do not).
native build/ubsan -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  -DLOWBIT_UBSAN=ON

stage "clang AddressSanitizer + UndefinedBehaviorSanitizer build and tests"
# Release (no -g): reports still name the functions. The fuzzer's coverage
# instrumentation rides along, so this one build serves both.
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  native build/asan -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  -DLOWBIT_SANITIZE=ON -DLOWBIT_BUILD_FUZZERS=ON

# The sweep runs every kernel directly; the public API runs the one dispatch
# chose, here forced onto the portable kernels (where the ODR violation of
# issue 8 showed, in the fixed-point modes).
for isa in hwy scalar; do
  echo "-- public API with LOWBIT_ISA=$isa"
  LOWBIT_ISA=$isa ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
    build/asan/tests/lowbit_tests \
    --gtest_filter='Api.*:Abi.*:CallerMultipliers.*:Dispatch.*:ConvApi.*' --gtest_brief=1
done

stage "bounded differential fuzzing (fuzz/README.md)"
rm -rf build/asan/fuzz-corpus && mkdir -p build/asan/fuzz-corpus
build/asan/fuzz/lowbit_fuzzer -runs=15000 -seed=1 -len_control=0 \
  -max_len=4096 -print_final_stats=1 build/asan/fuzz-corpus fuzz/corpus

stage "clang ThreadSanitizer: many threads on one handle"
cmake -S . -B build/tsan -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 -DLOWBIT_TSAN=ON
cmake --build build/tsan -j "$jobs" --target lowbit_tests
# Runs through a pthreadpool are left out: Debian's pthreadpool is not
# instrumented, so TSan cannot see its synchronisation (false reports).
TSAN_OPTIONS=halt_on_error=1 build/tsan/tests/lowbit_tests \
  --gtest_filter='ThreadSafety.*:Api.OneHandleRunsFromManyThreadsAtOnce'

# Debian 12's qemu-user (7.2) hangs (aarch64) or crashes (arm) in the
# guest's pthread_create on this kind of host, so the tests that start
# threads are left to the native runs above; everything else runs emulated.
no_threads='ThreadCounts|ManyThreads|ThreadSafety'

stage "aarch64 cross build, tests under qemu-aarch64"
cmake -S . -B build/aarch64 -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_TOOLCHAIN_FILE=toolchains/aarch64-linux-gnu.cmake
cmake --build build/aarch64 -j "$jobs"
echo "-- as cortex-a53 (NEON only)"
QEMU_CPU=cortex-a53 LOWBIT_EXPECT_KERNEL=lowbit_q8_gemm_ukernel_4x16c1__neon \
  ctest --test-dir build/aarch64 --output-on-failure -j "$jobs" -E "$no_threads"
echo "-- as max (dotprod, i8mm, SVE)"
QEMU_CPU=max LOWBIT_EXPECT_KERNEL=lowbit_q8_gemm_ukernel_8x8c8__neoni8mm \
  ctest --test-dir build/aarch64 --output-on-failure -j "$jobs" -E "$no_threads"
# The quantized tiny CNN, float calibration included, gives the x86 bytes.
tiny_cnn_like_x86() {  # <build dir> <emulator;args>
  cmake -DTINY_CNN="$1/tiny_cnn" "-DEMULATOR=$2" \
    -DREFERENCE=build/release/tiny_cnn -P tests/tiny_cnn_paths.cmake
}
echo "-- examples/tiny_cnn: the x86 logits on aarch64"
QEMU_CPU=max tiny_cnn_like_x86 build/aarch64 "qemu-aarch64;-L;/usr/aarch64-linux-gnu"

stage "armhf cross build, tests under qemu-arm"
cmake -S . -B build/armhf -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_TOOLCHAIN_FILE=toolchains/arm-linux-gnueabihf.cmake
cmake --build build/armhf -j "$jobs"
LOWBIT_EXPECT_KERNEL=lowbit_q8_gemm_ukernel_4x8c2__hwy_neon \
  ctest --test-dir build/armhf --output-on-failure -j "$jobs" -E "$no_threads"
echo "-- examples/tiny_cnn: the x86 logits on armhf"
tiny_cnn_like_x86 build/armhf "qemu-arm;-L;/usr/arm-linux-gnueabihf"
stage "bare-metal Cortex-M builds, sweeps under qemu-system-arm"
bash scripts/test-cortex-m.sh
stage "all tests passed"
