// GEMM / fully connected: lowbit, XNNPACK and oneDNN on the shapes of
// shared/bench-shapes.md, in one process, one after the other. Prints Google
// Benchmark's report, then a table of GOPS (2*M*N*K / s) and ratios.
//
//   lowbit_gemm_bench [--lowbit_kernel=NAME] [--threads=1,2]
//                     [--shape=NAME:MxKxN ...] [--lowbit_k_part_groups=G]
//                     [benchmark flags]
//
// --shape (repeatable) replaces the built-in shapes with the caller's own.
// --lowbit_k_part_groups cuts K into parts of G K groups instead of the
// cache-derived size (a huge G: no K blocking), to try block sizes.
//
// With LOWBIT_WITH_ONEDNN, oneDNN's int8 matmul runs beside them.
#include <benchmark/benchmark.h>
#include <pthreadpool.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "bench/bench_common.h"
#include "kernels/gemm/kernel_table.h"
#include "kernels/operator/dq_gemm_op.h"
#include "kernels/operator/gemm_op.h"
#include "lowbit/lowbit.h"
#ifdef LOWBIT_WITH_XNNPACK
#include <xnnpack.h>
#endif
#ifdef LOWBIT_WITH_ONEDNN
#include <omp.h>

#include <oneapi/dnnl/dnnl.hpp>
#endif

namespace {

using lowbit_bench::MakePool;
using lowbit_bench::Name;
using lowbit_bench::ParseThreads;
using lowbit_bench::Pool;
using lowbit_bench::TableReporter;

struct Shape {
  std::string name;
  size_t m, k, n;
};

// shared/bench-shapes.md, "Fully connected / GEMM".
std::vector<Shape> g_shapes = {
    {"fc-gemv-1k", 1, 1024, 1024},       {"fc-gemv-4k", 1, 4096, 4096},
    {"fc-1001", 1, 1280, 1001},          {"tok16-1k", 16, 1024, 1024},
    {"tok128-attn", 128, 768, 768},      {"tok128-ffn-up", 128, 768, 3072},
    {"tok128-ffn-down", 128, 3072, 768}, {"pw-mnv1-14", 196, 512, 512},
    {"pw-mnv2-56", 3136, 24, 144},       {"sq-256", 256, 256, 256},
    {"sq-512", 512, 512, 512},           {"sq-1024", 1024, 1024, 1024},
};

const char* const kImpls[] = {"lowbit", "xnnpack_qs8_fc", "xnnpack_qc8_conv1x1",
                              "onednn_matmul"};
// Weight-bound shapes, where 4-bit weights matter, also run with int4
// weights, and as what a user without int4 kernels runs: fp32 fully
// connected (XNNPACK) and fp32 matmul (oneDNN).
// The same shapes dynamically quantized (fp32 in and out): int4 weights
// with a scale per block of kDqBlock along K, and int8 per channel.
const char* const kInt4Impls[] = {"lowbit_int4", "lowbit_qd8_qb4w",
                                  "lowbit_qd8_qc8w", "xnnpack_f32_fc",
                                  "onednn_f32_matmul"};
constexpr size_t kDqBlock = 32;
// 16-bit activations (TFLite's 16x8, int16 x int16) on every shape, against
// lowbit's int8 row.
const char* const kInt16Impls[] = {"lowbit_16x8", "lowbit_16x16"};
bool HasInt4Row(const std::string& shape) {
  return shape == "fc-gemv-1k" || shape == "fc-gemv-4k" ||
         shape == "tok16-1k" || shape.rfind("tok128", 0) == 0;
}

struct Data {
  std::vector<int8_t> a, w, c;
  std::vector<uint8_t> w4;  // w / 16 (in [-8, 7]), two per byte
  std::vector<int32_t> bias;
  std::vector<float> scales;
  float input_scale = 0.05f, output_scale = 0.0f;
  explicit Data(const Shape& s) : a(s.m * s.k), w(s.n * s.k), c(s.m * s.n),
                                  bias(s.n), scales(s.n) {
    std::mt19937 rng(42);
    std::uniform_int_distribution<int> i8(-128, 127);
    for (auto& x : a) x = static_cast<int8_t>(i8(rng));
    for (auto& x : w) x = static_cast<int8_t>(i8(rng));
    w4.assign((w.size() + 1) / 2, 0);
    for (size_t i = 0; i < w.size(); ++i) {
      w4[i / 2] |= static_cast<uint8_t>(((w[i] >> 4) & 0xF) << (i % 2 * 4));
    }
    for (auto& x : bias) x = i8(rng) * 100;
    std::uniform_real_distribution<float> sd(0.005f, 0.02f);
    for (auto& x : scales) x = sd(rng);
    // Spread of a random accumulator, mapped onto about +-60 output steps.
    output_scale = input_scale * 0.01f * 75.0f * 75.0f *
                   std::sqrt(static_cast<float>(s.k)) / 60.0f;
  }
};


// items = 2 * M * N * K operations, whatever the data types.
void SetCounters(benchmark::State& state, const Shape& s) {
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * 2 * s.m *
                          s.n * s.k);
}

const lowbit::GemmKernel* g_kernel = nullptr;
// --lowbit_kernel runs that kernel; otherwise the public entry points'
// choice (dispatch, then the narrow sibling where it tiles N better).
bool g_forced = false;

void BenchLowbit(benchmark::State& state, Shape s, size_t threads,
                 bool int4) {
  Data d(s);
  lowbit_gemm_params p;
  lowbit_gemm_params_init(&p);
  p.n = s.n;
  p.k = s.k;
  p.weight_type = int4 ? LOWBIT_DTYPE_INT4 : LOWBIT_DTYPE_INT8;
  p.weights = int4 ? static_cast<const void*>(d.w4.data()) : d.w.data();
  p.weight_stride = s.k;
  p.bias = d.bias.data();
  p.input_scale = d.input_scale;
  p.weight_scales = d.scales.data();
  p.weight_scale_count = s.n;
  p.output_scale = d.output_scale;
  p.output_zero_point = -3;
  p.requant = LOWBIT_REQUANT_FP32;
  lowbit_gemm_t gemm = nullptr;
  const lowbit::GemmKernel& kernel =
      int4 && g_forced ? lowbit::Int4KernelFor(*g_kernel) : *g_kernel;
  if (lowbit::PackGemm(&p, kernel, &gemm, "lowbit_gemm_pack", !g_forced) !=
      LOWBIT_OK) {
    return state.SkipWithError(lowbit_last_error());
  }
  if (int4) {
    state.SetLabel(std::string("int4 weights: ") +
                   lowbit::GemmKernelOf(gemm).name);
  }
  Pool pool = MakePool(threads);
  for (auto _ : state) {
    if (lowbit_gemm_run(gemm, s.m, d.a.data(), s.k, d.c.data(), s.n,
                        pool.get()) != LOWBIT_OK) {
      state.SkipWithError(lowbit_last_error());
      break;
    }
    benchmark::ClobberMemory();
  }
  lowbit_gemm_destroy(gemm);
  SetCounters(state, s);
}

// INT16 activations (the int8 data times 251, plus a spread) with int8
// weights (16x8) or int16 ones (the int8 weights times 255, plus a spread),
// int16 output.
void BenchLowbit16(benchmark::State& state, Shape s, size_t threads,
                   bool w16) {
  Data d(s);
  std::vector<int16_t> a(d.a.size()), w(d.w.size()), c(s.m * s.n);
  for (size_t i = 0; i < a.size(); ++i) {
    a[i] = static_cast<int16_t>(d.a[i] * 251 + static_cast<int>(i % 97));
  }
  for (size_t i = 0; i < w.size(); ++i) {
    w[i] = static_cast<int16_t>(d.w[i] * 255 + static_cast<int>(i % 89));
  }
  lowbit_gemm_params p;
  lowbit_gemm_params_init(&p);
  p.n = s.n;
  p.k = s.k;
  p.input_type = LOWBIT_DTYPE_INT16;
  p.weight_type = w16 ? LOWBIT_DTYPE_INT16 : LOWBIT_DTYPE_INT8;
  p.output_type = LOWBIT_DTYPE_INT16;
  p.requant = LOWBIT_REQUANT_FIXEDPOINT;
  p.weights = w16 ? static_cast<const void*>(w.data()) : d.w.data();
  p.weight_stride = s.k;
  p.bias = d.bias.data();
  p.input_scale = d.input_scale;
  p.weight_scales = d.scales.data();
  p.weight_scale_count = s.n;
  p.output_scale = d.output_scale * (w16 ? 251.0f * 255.0f : 251.0f) / 128;
  p.output_min = -32768;
  p.output_max = 32767;
  lowbit_gemm_t gemm = nullptr;
  if (lowbit::PackGemm(&p, *g_kernel, &gemm, "lowbit_gemm_pack", !g_forced) !=
      LOWBIT_OK) {
    return state.SkipWithError(lowbit_last_error());
  }
  state.SetLabel(lowbit::GemmKernelOf(gemm).name);
  Pool pool = MakePool(threads);
  for (auto _ : state) {
    if (lowbit_gemm_run(gemm, s.m, a.data(), s.k, c.data(), s.n,
                        pool.get()) != LOWBIT_OK) {
      state.SkipWithError(lowbit_last_error());
      break;
    }
    benchmark::ClobberMemory();
  }
  lowbit_gemm_destroy(gemm);
  SetCounters(state, s);
}

// lowbit_dq_gemm: the int8 data as floats, as BenchXnnpackF32 runs them.
void BenchLowbitDq(benchmark::State& state, Shape s, size_t threads,
                   bool int4) {
  Data d(s);
  const std::vector<float> a(d.a.begin(), d.a.end()),
      bias(d.bias.begin(), d.bias.end());
  std::vector<float> c(s.m * s.n);
  const size_t blocks = int4 ? s.k / kDqBlock : 1;
  std::vector<float> scales(s.n * blocks);
  for (size_t i = 0; i < scales.size(); ++i) scales[i] = d.scales[i % s.n];
  lowbit_dq_gemm_params p;
  lowbit_dq_gemm_params_init(&p);
  p.n = s.n;
  p.k = s.k;
  p.weight_type = int4 ? LOWBIT_DTYPE_INT4 : LOWBIT_DTYPE_INT8;
  p.weights = int4 ? static_cast<const void*>(d.w4.data()) : d.w.data();
  p.weight_stride = s.k;
  p.block_size = int4 ? kDqBlock : 0;
  p.weight_scales = scales.data();
  p.bias = bias.data();
  lowbit_dq_gemm_t gemm = nullptr;
  const lowbit::GemmKernel& kernel =
      int4 && g_forced ? lowbit::Int4KernelFor(*g_kernel) : *g_kernel;
  if (lowbit::PackDqGemm(&p, kernel, &gemm, "lowbit_dq_gemm_pack",
                         !g_forced) != LOWBIT_OK) {
    return state.SkipWithError(lowbit_last_error());
  }
  state.SetLabel(lowbit_dq_gemm_kernel_name(gemm));
  Pool pool = MakePool(threads);
  for (auto _ : state) {
    if (lowbit_dq_gemm_run(gemm, s.m, a.data(), s.k, c.data(), s.n,
                           pool.get()) != LOWBIT_OK) {
      state.SkipWithError(lowbit_last_error());
      break;
    }
    benchmark::ClobberMemory();
  }
  lowbit_dq_gemm_destroy(gemm);
  SetCounters(state, s);
}

#ifdef LOWBIT_WITH_XNNPACK
// XNNPACK's fp32 fully connected on the same values as floats.
void BenchXnnpackF32(benchmark::State& state, Shape s, size_t threads) {
  if (xnn_initialize(nullptr) != xnn_status_success) {
    return state.SkipWithError("xnn_initialize failed");
  }
  Data d(s);
  const std::vector<float> a(d.a.begin(), d.a.end()), w(d.w.begin(), d.w.end()),
      bias(d.bias.begin(), d.bias.end());
  std::vector<float> c(s.m * s.n);
  xnn_operator_t op = nullptr;
  if (xnn_create_fully_connected_nc_f32(s.k, s.n, s.k, s.n, w.data(),
                                        bias.data(), -INFINITY, INFINITY, 0,
                                        &op) != xnn_status_success) {
    return state.SkipWithError("XNNPACK create failed");
  }
  Pool pool = MakePool(threads);
  if (xnn_setup_fully_connected_nc_f32(op, s.m, a.data(), c.data(),
                                       pool.get()) != xnn_status_success) {
    xnn_delete_operator(op);
    return state.SkipWithError("XNNPACK setup failed");
  }
  for (auto _ : state) {
    xnn_run_operator(op, pool.get());
    benchmark::ClobberMemory();
  }
  xnn_delete_operator(op);
  SetCounters(state, s);
}

void BenchXnnpack(benchmark::State& state, Shape s, size_t threads,
                  bool per_channel) {
  if (xnn_initialize(nullptr) != xnn_status_success) {
    return state.SkipWithError("xnn_initialize failed");
  }
  Data d(s);
  xnn_operator_t op = nullptr;
  // XNNPACK's qs8 fully connected takes one weight scale.
  const float out_scale = d.output_scale;
  xnn_status status;
  if (per_channel) {
    status = xnn_create_convolution2d_nhwc_qc8(
        0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, s.k, s.n, s.k, s.n, 0, d.input_scale,
        d.scales.data(), d.w.data(), d.bias.data(), -3, out_scale, -128, 127,
        0, &op);
  } else {
    status = xnn_create_fully_connected_nc_qs8(
        s.k, s.n, s.k, s.n, 0, d.input_scale, d.scales[0], d.w.data(),
        d.bias.data(), -3, out_scale, -128, 127, 0, &op);
  }
  if (status != xnn_status_success) {
    return state.SkipWithError("XNNPACK create failed");
  }
  Pool pool = MakePool(threads);
  status = per_channel
               ? xnn_setup_convolution2d_nhwc_qc8(op, 1, s.m, 1, d.a.data(),
                                                  d.c.data(), pool.get())
               : xnn_setup_fully_connected_nc_qs8(op, s.m, d.a.data(),
                                                  d.c.data(), pool.get());
  if (status != xnn_status_success) {
    xnn_delete_operator(op);
    return state.SkipWithError("XNNPACK setup failed");
  }
  for (auto _ : state) {
    xnn_run_operator(op, pool.get());
    benchmark::ClobberMemory();
  }
  xnn_delete_operator(op);
  SetCounters(state, s);
}
#endif

#ifdef LOWBIT_WITH_ONEDNN
// oneDNN's matmul primitive: int8 (u8 activations x s8 weights -> s8,
// int32 bias, per-channel output scales and an output zero point, as
// lowbit's fp32 mode) or, with f32, fp32 on the same values as floats.
// The weights are reordered once into the layout the primitive asks for.
// oneDNN threads with OpenMP: the thread count is set per run.
void BenchOnednn(benchmark::State& state, Shape s, size_t threads, bool f32) {
  using dnnl::memory;
  using dt = memory::data_type;
  using tag = memory::format_tag;
  omp_set_num_threads(static_cast<int>(threads));
  Data d(s);
  std::vector<float> fa, fw, fbias, fc;
  if (f32) {
    fa.assign(d.a.begin(), d.a.end());
    fw.assign(d.w.begin(), d.w.end());
    fbias.assign(d.bias.begin(), d.bias.end());
    fc.resize(s.m * s.n);
  }
  const auto data = [&](auto& floats, auto& ints) -> void* {
    return f32 ? static_cast<void*>(floats.data())
               : static_cast<void*>(ints.data());
  };
  const memory::dim M = s.m, K = s.k, N = s.n;
  try {
    dnnl::engine engine(dnnl::engine::kind::cpu, 0);
    dnnl::stream stream(engine);
    const memory::desc src_md({M, K}, f32 ? dt::f32 : dt::u8, tag::ab);
    const memory::desc any_w_md({K, N}, f32 ? dt::f32 : dt::s8, tag::any);
    const memory::desc bias_md({1, N}, f32 ? dt::f32 : dt::s32, tag::ab);
    const memory::desc dst_md({M, N}, f32 ? dt::f32 : dt::s8, tag::ab);
    dnnl::primitive_attr attr;
    if (!f32) {
      std::vector<float> scales(s.n);
      for (size_t n = 0; n < s.n; ++n) {
        scales[n] = d.input_scale * d.scales[n] / d.output_scale;
      }
      attr.set_output_scales(1 << 1, scales);
      attr.set_zero_points(DNNL_ARG_DST, 0, {-3});
    }
    const dnnl::matmul::primitive_desc pd(
        dnnl::matmul::desc(src_md, any_w_md, bias_md, dst_md), attr, engine);
    // W[N][K] row-major is the {K, N} matrix in "ba" order.
    memory user_w({{K, N}, any_w_md.data_type(), tag::ba}, engine,
                  data(fw, d.w));
    memory w(pd.weights_desc(), engine);
    dnnl::reorder(user_w, w).execute(stream, user_w, w);
    memory src(src_md, engine, data(fa, d.a));
    memory bias(bias_md, engine, data(fbias, d.bias));
    memory dst(dst_md, engine, data(fc, d.c));
    const dnnl::matmul matmul(pd);
    state.SetLabel(pd.impl_info_str());
    for (auto _ : state) {
      matmul.execute(stream, {{DNNL_ARG_SRC, src},
                              {DNNL_ARG_WEIGHTS, w},
                              {DNNL_ARG_BIAS, bias},
                              {DNNL_ARG_DST, dst}});
      stream.wait();
      benchmark::ClobberMemory();
    }
  } catch (const dnnl::error& e) {
    return state.SkipWithError(e.what());
  }
  SetCounters(state, s);
}
#endif


void PrintTable(const TableReporter& rep, const std::vector<size_t>& threads) {
  std::printf("\nlowbit kernel: %s%s\n", g_kernel->name,
              !g_forced && g_kernel->narrow != nullptr
                  ? " (its narrow sibling where that tiles N better)"
                  : "");
  std::printf("GOPS = 2*M*N*K / s; ratio = lowbit / peer (same run)\n\n");
  std::printf("%-16s %5s %5s %5s %3s | %7s | %7s %5s | %7s %5s | %7s %5s\n",
              "shape", "M", "K", "N", "thr", "lowbit", "xnn qs8", "ratio",
              "xnn qc8", "ratio", "onednn", "ratio");
  std::printf("%s\n", std::string(100, '-').c_str());
  for (size_t t : threads) {
    for (const Shape& s : g_shapes) {
      const double lb = rep.Gops(Name("lowbit", s, t));
      if (lb == 0.0) continue;
      // "-" where a comparison did not run (filtered out, or not built).
      const auto cell = [&](const char* impl) {
        return rep.Cell(Name(impl, s, t), lb);
      };
      std::printf(
          "%-16s %5zu %5zu %5zu %3zu | %7.1f | %s | %s | %s\n", s.name.c_str(),
          s.m, s.k, s.n, t, lb, cell("xnnpack_qs8_fc").c_str(),
          cell("xnnpack_qc8_conv1x1").c_str(), cell("onednn_matmul").c_str());
    }
  }
  std::printf("\nint4 weights (int8 activations, per-channel int4 weights): "
              "GOPS; ratio = lowbit int4 / the other (same run)\n\n");
  std::printf("%-16s %5s %5s %5s %3s | %7s | %7s %5s | %7s %5s | %7s %5s\n",
              "shape", "M", "K", "N", "thr", "int4", "int8", "ratio",
              "xnn f32", "ratio", "dnn f32", "ratio");
  std::printf("%s\n", std::string(100, '-').c_str());
  for (size_t t : threads) {
    for (const Shape& s : g_shapes) {
      const double q4 = rep.Gops(Name("lowbit_int4", s, t));
      if (q4 == 0.0) continue;
      const auto cell = [&](const char* impl) {
        return rep.Cell(Name(impl, s, t), q4);
      };
      std::printf("%-16s %5zu %5zu %5zu %3zu | %7.1f | %s | %s | %s\n",
                  s.name.c_str(), s.m, s.k, s.n, t, q4, cell("lowbit").c_str(),
                  cell("xnnpack_f32_fc").c_str(),
                  cell("onednn_f32_matmul").c_str());
    }
  }
  std::printf("\n16-bit activations (int16 output, TFLite's int64 "
              "requantization): 16x8 = int8 weights, 16x16 = int16 weights; "
              "GOPS; ratio = that / lowbit int8 (same run)\n\n");
  std::printf("%-16s %5s %5s %5s %3s | %7s | %7s %5s | %7s %5s\n", "shape",
              "M", "K", "N", "thr", "int8", "16x8", "ratio", "16x16",
              "ratio");
  std::printf("%s\n", std::string(76, '-').c_str());
  for (size_t t : threads) {
    for (const Shape& s : g_shapes) {
      const double lb = rep.Gops(Name("lowbit", s, t));
      const double a = rep.Gops(Name("lowbit_16x8", s, t));
      const double b = rep.Gops(Name("lowbit_16x16", s, t));
      if (a == 0.0 && b == 0.0) continue;
      const auto cell = [&](double x) {
        return TableReporter::RatioCell(x, lb);
      };
      std::printf("%-16s %5zu %5zu %5zu %3zu | %7.1f | %s | %s\n",
                  s.name.c_str(), s.m, s.k, s.n, t, lb, cell(a).c_str(),
                  cell(b).c_str());
    }
  }
  std::printf("\ndynamically quantized, fp32 in and out (lowbit_dq_gemm): "
              "int4 weights with a scale per %zu along K (qb4w), int8 per "
              "channel (qc8w); GOPS; ratio = that / the other (same run)\n\n",
              kDqBlock);
  std::printf("%-16s %5s %5s %5s %3s | %7s | %7s %5s | %7s | %7s %5s | %7s "
              "%5s\n",
              "shape", "M", "K", "N", "thr", "qb4w", "int8", "ratio", "qc8w",
              "int8", "ratio", "xnn f32", "ratio");
  std::printf("%s\n", std::string(100, '-').c_str());
  for (size_t t : threads) {
    for (const Shape& s : g_shapes) {
      const double qb = rep.Gops(Name("lowbit_qd8_qb4w", s, t));
      const double qc = rep.Gops(Name("lowbit_qd8_qc8w", s, t));
      if (qb == 0.0 && qc == 0.0) continue;
      std::printf("%-16s %5zu %5zu %5zu %3zu | %7.1f | %s | %7.1f | %s | %s\n",
                  s.name.c_str(), s.m, s.k, s.n, t, qb,
                  rep.Cell(Name("lowbit", s, t), qb).c_str(), qc,
                  rep.Cell(Name("lowbit", s, t), qc).c_str(),
                  rep.Cell(Name("xnnpack_f32_fc", s, t), qb).c_str());
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<size_t> threads = {1, 2};
  g_kernel = &lowbit::DefaultGemmKernel();
  std::vector<char*> rest;
  bool custom_shapes = false;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--lowbit_kernel=", 16) == 0) {
      g_kernel = lowbit::FindGemmKernel(argv[i] + 16);
      g_forced = true;
      if (g_kernel == nullptr || !lowbit::CpuSupports(*g_kernel)) {
        std::fprintf(stderr, "unknown or unsupported kernel %s; have:\n",
                     argv[i] + 16);
        for (const auto* k : lowbit::GemmKernels()) {
          std::fprintf(stderr, "  %s%s\n", k->name,
                       lowbit::CpuSupports(*k) ? "" : " (not on this CPU)");
        }
        return 2;
      }
    } else if (std::strncmp(argv[i], "--lowbit_k_part_groups=", 23) == 0) {
      lowbit::SetGemmKPartGroupsForTesting(std::strtoul(argv[i] + 23,
                                                        nullptr, 10));
    } else if (std::strncmp(argv[i], "--threads=", 10) == 0) {
      threads = ParseThreads(argv[i] + 10);
    } else if (std::strncmp(argv[i], "--conv_shape=", 13) == 0) {
      continue;  // the convolution benchmark's
    } else if (std::strncmp(argv[i], "--shape=", 8) == 0) {
      if (!custom_shapes) g_shapes.clear();
      custom_shapes = true;
      const char* spec = argv[i] + 8;
      const char* colon = std::strchr(spec, ':');
      Shape s{colon != nullptr ? std::string(spec, colon) : std::string(spec),
              0, 0, 0};
      if (colon == nullptr ||
          std::sscanf(colon + 1, "%zux%zux%zu", &s.m, &s.k, &s.n) != 3 ||
          s.m == 0 || s.k == 0 || s.n == 0) {
        std::fprintf(stderr, "bad --shape=%s; want NAME:MxKxN\n", spec);
        return 2;
      }
      g_shapes.push_back(s);
    } else {
      rest.push_back(argv[i]);
    }
  }
  int rest_argc = static_cast<int>(rest.size());
  benchmark::Initialize(&rest_argc, rest.data());

  for (size_t t : threads) {
    for (const Shape& s : g_shapes) {
      for (const char* impl : kImpls) {
        const std::string name = Name(impl, s, t);
        benchmark::internal::Benchmark* b = nullptr;
        if (std::strcmp(impl, "lowbit") == 0) {
          b = benchmark::RegisterBenchmark(name.c_str(), BenchLowbit, s, t,
                                           false);
        }
#ifdef LOWBIT_WITH_ONEDNN
        if (std::strcmp(impl, "onednn_matmul") == 0) {
          b = benchmark::RegisterBenchmark(name.c_str(), BenchOnednn, s, t,
                                           false);
        }
#endif
#ifdef LOWBIT_WITH_XNNPACK
        if (std::strncmp(impl, "xnnpack_", 8) == 0) {
          const bool per_channel = std::strcmp(impl, "xnnpack_qs8_fc") != 0;
          b = benchmark::RegisterBenchmark(name.c_str(), BenchXnnpack, s, t,
                                           per_channel);
        }
#endif
        if (b != nullptr) b->UseRealTime()->Unit(benchmark::kMicrosecond);
      }
      for (const char* impl : kInt16Impls) {
        const std::string name = Name(impl, s, t);
        benchmark::RegisterBenchmark(name.c_str(), BenchLowbit16, s, t,
                                     std::strcmp(impl, "lowbit_16x16") == 0)
            ->UseRealTime()
            ->Unit(benchmark::kMicrosecond);
      }
      for (const char* impl : kInt4Impls) {
        if (!HasInt4Row(s.name)) break;
        const std::string name = Name(impl, s, t);
        benchmark::internal::Benchmark* b = nullptr;
        if (std::strcmp(impl, "lowbit_int4") == 0) {
          b = benchmark::RegisterBenchmark(name.c_str(), BenchLowbit, s, t,
                                           true);
        }
        if (std::strncmp(impl, "lowbit_qd8_", 11) == 0) {
          const bool int4 = std::strcmp(impl, "lowbit_qd8_qb4w") == 0;
          b = benchmark::RegisterBenchmark(name.c_str(), BenchLowbitDq, s, t,
                                           int4);
        }
#ifdef LOWBIT_WITH_XNNPACK
        if (std::strcmp(impl, "xnnpack_f32_fc") == 0) {
          b = benchmark::RegisterBenchmark(name.c_str(), BenchXnnpackF32, s,
                                           t);
        }
#endif
#ifdef LOWBIT_WITH_ONEDNN
        if (std::strcmp(impl, "onednn_f32_matmul") == 0) {
          b = benchmark::RegisterBenchmark(name.c_str(), BenchOnednn, s, t,
                                           true);
        }
#endif
        if (b != nullptr) b->UseRealTime()->Unit(benchmark::kMicrosecond);
      }
    }
  }
  TableReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  PrintTable(reporter, threads);
  benchmark::Shutdown();
  return 0;
}
