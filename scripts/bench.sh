#!/usr/bin/env bash
# The main job: installs the dependencies, builds lowbit (Release) with its
# benchmarks, and runs lowbit, XNNPACK and oneDNN on the GEMM shapes, then on
# the convolution shapes, of shared/bench-shapes.md, 1 and 2 threads, each in
# one process; prints the tables of GOPS and lowbit/peer ratios, writes the
# JSON and plots it to build/release/gemm_bench.png and conv_bench.png, then
# runs the quantization toolkit's benchmark (lowbit vs XNNPACK's convert
# operators) and prints one core's instruction ceilings. Extra arguments go to both
# benchmarks (e.g. --lowbit_kernel=NAME, --threads=1, --benchmark_filter=rn50).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DLOWBIT_BUILD_BENCH=ON
cmake --build build/release -j "$(nproc)"
build/release/bench/lowbit_gemm_bench \
  --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
  --benchmark_min_time=0.2 --benchmark_out=build/release/gemm_bench.json \
  --benchmark_out_format=json "$@"
scripts/plot_bench.py build/release/gemm_bench.json build/release/gemm_bench.png
build/release/bench/lowbit_conv_bench \
  --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
  --benchmark_min_time=0.2 --benchmark_out=build/release/conv_bench.json \
  --benchmark_out_format=json "$@"
scripts/plot_bench.py build/release/conv_bench.json build/release/conv_bench.png \
  "int8 convolution (NHWC)"
# The quantization toolkit's loops against XNNPACK's convert operators.
build/release/bench/lowbit_quantize_bench --benchmark_repetitions=3 \
  --benchmark_report_aggregates_only=true --benchmark_min_time=0.1
# The instruction ceilings the table's GOPS compare with (x86 builds only).
if [ -x build/release/bench/lowbit_isa_peak_bench ]; then
  build/release/bench/lowbit_isa_peak_bench --benchmark_min_time=0.2
fi
