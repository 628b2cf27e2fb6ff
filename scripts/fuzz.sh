#!/usr/bin/env bash
# A longer run of the differential fuzzer (fuzz/README.md): builds it as the
# test command does (clang, ASan + UBSan, libFuzzer) and fuzzes for
# SECONDS (default 1800) with a random seed, keeping new inputs in
# build/asan/fuzz-corpus and crash files in build/asan/fuzz-crashes.
# Usage: scripts/fuzz.sh [SECONDS] [more libFuzzer flags]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-1800}
shift || true
scripts/install-deps.sh
cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  -DLOWBIT_SANITIZE=ON -DLOWBIT_BUILD_FUZZERS=ON
cmake --build build/asan -j "$(nproc)" --target lowbit_fuzzer
mkdir -p build/asan/fuzz-corpus build/asan/fuzz-crashes
build/asan/fuzz/lowbit_fuzzer -max_total_time="$seconds" -len_control=0 \
  -max_len=4096 -print_final_stats=1 \
  -artifact_prefix=build/asan/fuzz-crashes/ "$@" \
  build/asan/fuzz-corpus fuzz/corpus
