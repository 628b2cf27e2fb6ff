#!/usr/bin/env bash
# The test command: installs the dependencies, builds lowbit and its tests,
# runs them with ctest (every kernel on every Highway target the build has,
# plus install-and-consume of the CMake package and pkg-config file), then
# builds and runs the whole suite again under AddressSanitizer +
# UndefinedBehaviorSanitizer. Exits non-zero if anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

jobs=$(nproc)
echo "== Release build and tests"
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DLOWBIT_BUILD_TESTS=ON
cmake --build build/release -j "$jobs"
ctest --test-dir build/release --output-on-failure -j "$jobs"

echo "== AddressSanitizer + UndefinedBehaviorSanitizer build and tests"
# Release (no -g): compiling every kernel instantiation with the sanitizers
# and debug info costs minutes; reports still name the functions.
cmake -S . -B build/sanitize -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DLOWBIT_BUILD_TESTS=ON -DLOWBIT_SANITIZE=ON
cmake --build build/sanitize -j "$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build/sanitize --output-on-failure -j "$jobs"
