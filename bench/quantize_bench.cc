// The quantization toolkit's loops on activation tensors of
// shared/bench-shapes.md: lowbit's vector forms, its scalar forms, and
// XNNPACK's convert operators (f32 -> qs8 and back) in the same process.
// XNNPACK multiplies by 1/scale and rounds half to even, lowbit divides and
// rounds half away from zero (TFLite): the bytes can differ, the work is
// the same. Prints a table of elements per ns and lowbit/XNNPACK ratios.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "hwy/aligned_allocator.h"
#include "kernels/quantize/quantize.h"
#include "lowbit/lowbit.h"
#ifdef LOWBIT_WITH_XNNPACK
#include <xnnpack.h>
#endif

namespace {

struct Tensor {
  const char* name;
  size_t n;
};
const Tensor kTensors[] = {{"fc-1k", 1024},
                           {"rn50-14x14x256", 14 * 14 * 256},
                           {"input-224x224x3", 224 * 224 * 3},
                           {"mnv1-112x112x32", 112 * 112 * 32}};
const lowbit_qparams kParams = {0.0213f, -7};

// Cache-line aligned buffers for everyone (a 64-byte store that splits a
// line costs two).
template <typename T>
struct Buffer {
  explicit Buffer(size_t n) : p(hwy::AllocateAligned<T>(n)), size(n) {}
  T* data() const { return p.get(); }
  hwy::AlignedFreeUniquePtr<T[]> p;
  size_t size;
};

Buffer<float> Values(size_t n) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-2.5f, 2.8f);
  Buffer<float> x(n);
  for (size_t i = 0; i < n; ++i) x.data()[i] = u(rng);
  return x;
}

void SetRate(benchmark::State& state, size_t n) {
  state.counters["elem_per_ns"] =
      benchmark::Counter(static_cast<double>(n) * state.iterations() * 1e-9,
                         benchmark::Counter::kIsRate);
}

void Quantize(benchmark::State& state, size_t n, bool scalar) {
  const Buffer<float> x = Values(n);
  Buffer<int8_t> q(n);
  const lowbit::QuantizeSpec s{kParams.scale, kParams.zero_point, -128, 127,
                               LOWBIT_DTYPE_INT8};
  for (auto _ : state) {
    if (scalar) {
      lowbit::QuantizeRef(x.data(), n, s, q.data());
    } else if (lowbit_quantize(n, x.data(), &kParams, LOWBIT_DTYPE_INT8,
                               q.data()) != LOWBIT_OK) {
      return state.SkipWithError(lowbit_last_error());
    }
    benchmark::ClobberMemory();
  }
  SetRate(state, n);
}

void Dequantize(benchmark::State& state, size_t n, bool scalar) {
  Buffer<int8_t> q(n);
  for (size_t i = 0; i < n; ++i) q.data()[i] = static_cast<int8_t>(i * 37);
  Buffer<float> x(n);
  for (auto _ : state) {
    if (scalar) {
      lowbit::DequantizeRef(q.data(), n, LOWBIT_DTYPE_INT8, kParams.scale,
                            kParams.zero_point, x.data());
    } else if (lowbit_dequantize(n, q.data(), LOWBIT_DTYPE_INT8, &kParams,
                                 x.data()) != LOWBIT_OK) {
      return state.SkipWithError(lowbit_last_error());
    }
    benchmark::ClobberMemory();
  }
  SetRate(state, n);
}

void Sqnr(benchmark::State& state, size_t n, bool scalar) {
  const Buffer<float> x = Values(n);
  Buffer<int8_t> q(n);
  lowbit_quantize(n, x.data(), &kParams, LOWBIT_DTYPE_INT8, q.data());
  lowbit::SqnrSums sums;
  double db = 0.0;
  for (auto _ : state) {
    if (scalar) {
      lowbit::SqnrSumsRef(x.data(), q.data(), n, LOWBIT_DTYPE_INT8,
                          kParams.scale, kParams.zero_point, &sums);
      benchmark::DoNotOptimize(sums);
    } else if (lowbit_sqnr(n, x.data(), q.data(), LOWBIT_DTYPE_INT8, &kParams,
                           &db) != LOWBIT_OK) {
      return state.SkipWithError(lowbit_last_error());
    }
    benchmark::DoNotOptimize(db);
  }
  SetRate(state, n);
}

#ifdef LOWBIT_WITH_XNNPACK
void XnnpackConvert(benchmark::State& state, size_t n, bool to_int8) {
  if (xnn_initialize(nullptr) != xnn_status_success) {
    return state.SkipWithError("xnn_initialize failed");
  }
  Buffer<float> x = Values(n);
  Buffer<int8_t> q(n);
  xnn_operator_t op = nullptr;
  xnn_status st =
      to_int8 ? xnn_create_convert_nc_f32_qs8(
                    1, 1, 1, kParams.scale,
                    static_cast<int8_t>(kParams.zero_point), -128, 127, 0, &op)
              : xnn_create_convert_nc_qs8_f32(
                    1, 1, 1, kParams.scale,
                    static_cast<int8_t>(kParams.zero_point), 0, &op);
  if (st == xnn_status_success) {
    st = to_int8
             ? xnn_setup_convert_nc_f32_qs8(op, n, x.data(), q.data(), nullptr)
             : xnn_setup_convert_nc_qs8_f32(op, n, q.data(), x.data(), nullptr);
  }
  if (st != xnn_status_success) {
    xnn_delete_operator(op);
    return state.SkipWithError("XNNPACK convert failed");
  }
  for (auto _ : state) {
    xnn_run_operator(op, nullptr);
    benchmark::ClobberMemory();
  }
  xnn_delete_operator(op);
  SetRate(state, n);
}
#endif

// Collects elem_per_ns per benchmark name for the table.
class Collect : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) {
      if (r.run_type == Run::RT_Aggregate && r.aggregate_name != "median") {
        continue;
      }
      const auto it = r.counters.find("elem_per_ns");
      if (it != r.counters.end()) rate[r.run_name.function_name] = it->second;
    }
    ConsoleReporter::ReportRuns(runs);
  }
  std::map<std::string, double> rate;
};

}  // namespace

int main(int argc, char** argv) {
  for (const Tensor& t : kTensors) {
    const std::string s = t.name;
    benchmark::RegisterBenchmark(("quantize/lowbit/" + s).c_str(), Quantize,
                                 t.n, false);
    benchmark::RegisterBenchmark(("quantize/scalar/" + s).c_str(), Quantize,
                                 t.n, true);
    benchmark::RegisterBenchmark(("dequantize/lowbit/" + s).c_str(), Dequantize,
                                 t.n, false);
    benchmark::RegisterBenchmark(("dequantize/scalar/" + s).c_str(), Dequantize,
                                 t.n, true);
    benchmark::RegisterBenchmark(("sqnr/lowbit/" + s).c_str(), Sqnr, t.n,
                                 false);
    benchmark::RegisterBenchmark(("sqnr/scalar/" + s).c_str(), Sqnr, t.n, true);
#ifdef LOWBIT_WITH_XNNPACK
    benchmark::RegisterBenchmark(("quantize/xnnpack/" + s).c_str(),
                                 XnnpackConvert, t.n, true);
    benchmark::RegisterBenchmark(("dequantize/xnnpack/" + s).c_str(),
                                 XnnpackConvert, t.n, false);
#endif
  }
  benchmark::Initialize(&argc, argv);
  Collect rep;
  benchmark::RunSpecifiedBenchmarks(&rep);
  std::printf(
      "\nelements per ns, 1 thread (lowbit/scalar and lowbit/XNNPACK "
      "ratios from this run)\n");
  std::printf("%-11s %-16s %8s %8s %8s %7s %7s\n", "operation", "tensor",
              "lowbit", "scalar", "XNNPACK", "/scalar", "/XNNPACK");
  for (const char* op : {"quantize", "dequantize", "sqnr"}) {
    for (const Tensor& t : kTensors) {
      auto get = [&](const char* who) {
        const auto it =
            rep.rate.find(std::string(op) + "/" + who + "/" + t.name);
        return it == rep.rate.end() ? 0.0 : it->second;
      };
      const double l = get("lowbit"), s = get("scalar"), x = get("xnnpack");
      std::printf("%-11s %-16s %8.2f %8.2f ", op, t.name, l, s);
      if (x > 0) {
        std::printf("%8.2f %7.2f %7.2f\n", x, s > 0 ? l / s : 0.0, l / x);
      } else {
        std::printf("%8s %7.2f %7s\n", "-", s > 0 ? l / s : 0.0, "-");
      }
    }
  }
  return 0;
}
