// Convolution: lowbit, XNNPACK (qs8 per-tensor and qc8 per-channel) and
// oneDNN (int8 convolution, u8 x s8, NHWC) on the convolutions of
// shared/bench-shapes.md, in one process, one after the other, 1 and 2
// threads. Prints Google Benchmark's report, then a table of GOPS
// (2 * MACs / s) and lowbit/peer ratios.
//
//   lowbit_conv_bench [--lowbit_kernel=NAME] [--threads=1,2]
//                     [--conv_shape=NAME:HxWxC,KHxKW,sS,pP,gG,oO ...]
//                     [benchmark flags]
//
// --conv_shape (repeatable) replaces the built-in shapes: input H x W x C,
// kernel KH x KW, stride S, padding P on every side, G groups, O output
// channels. The GEMM benchmark's own flags (--shape, --lowbit_k_part_groups)
// are ignored, so scripts/bench.sh can pass the same arguments to both.
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
#include "kernels/operator/conv_op.h"
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
  size_t h, w, c;       // input
  size_t kh, kw, stride, pad, groups, out_c;
  size_t Cg() const { return c / groups; }
  size_t Ng() const { return out_c / groups; }
  size_t OutH() const { return (h + 2 * pad - kh) / stride + 1; }
  size_t OutW() const { return (w + 2 * pad - kw) / stride + 1; }
  bool Depthwise() const { return groups > 1 && Cg() == 1 && Ng() == 1; }
  double Ops() const {
    return 2.0 * OutH() * OutW() * out_c * kh * kw * Cg();
  }
};

// shared/bench-shapes.md, "Convolution (NHWC, batch 1)".
std::vector<Shape> g_shapes = {
    {"mnv1-conv0", 224, 224, 3, 3, 3, 2, 1, 1, 32},
    {"mnv1-dw1", 112, 112, 32, 3, 3, 1, 1, 32, 32},
    {"mnv1-pw1", 112, 112, 32, 1, 1, 1, 0, 1, 64},
    {"mnv1-dw-s2", 112, 112, 64, 3, 3, 2, 1, 64, 64},
    {"mnv1-pw-28", 28, 28, 128, 1, 1, 1, 0, 1, 256},
    {"mnv2-dw-14", 14, 14, 384, 3, 3, 1, 1, 384, 384},
    {"rn50-stem", 224, 224, 3, 7, 7, 2, 3, 1, 64},
    {"rn50-3x3-56", 56, 56, 64, 3, 3, 1, 1, 1, 64},
    {"rn50-1x1-56", 56, 56, 64, 1, 1, 1, 0, 1, 256},
    {"rn50-3x3-14", 14, 14, 256, 3, 3, 1, 1, 1, 256},
    {"rn50-3x3-7-s2", 14, 14, 512, 3, 3, 2, 1, 1, 512},
};

const char* const kImpls[] = {"lowbit", "xnnpack_qs8", "xnnpack_qc8",
                              "onednn_conv", "lowbit_int4"};

// Inputs, OHWI weights, bias and scales of one shape.
struct Data {
  std::vector<int8_t> in, w, out;
  std::vector<int32_t> bias;
  std::vector<float> scales;
  float input_scale = 0.05f, output_scale = 0.0f;
  explicit Data(const Shape& s)
      : in(s.h * s.w * s.c),
        w(s.out_c * s.kh * s.kw * s.Cg()),
        out(s.OutH() * s.OutW() * s.out_c),
        bias(s.out_c),
        scales(s.out_c) {
    std::mt19937 rng(42);
    std::uniform_int_distribution<int> i8(-128, 127);
    for (auto& x : in) x = static_cast<int8_t>(i8(rng));
    for (auto& x : w) x = static_cast<int8_t>(i8(rng));
    for (auto& x : bias) x = i8(rng) * 100;
    std::uniform_real_distribution<float> sd(0.005f, 0.02f);
    for (auto& x : scales) x = sd(rng);
    const float k = static_cast<float>(s.kh * s.kw * s.Cg());
    output_scale = input_scale * 0.01f * 75.0f * 75.0f * std::sqrt(k) / 60.0f;
  }
};


void SetCounters(benchmark::State& state, const Shape& s) {
  state.SetItemsProcessed(
      static_cast<int64_t>(static_cast<double>(state.iterations()) * s.Ops()));
}

const lowbit::GemmKernel* g_kernel = nullptr;
// --lowbit_kernel runs that kernel; otherwise the public entry points'
// choice (dispatch, then the narrow sibling where it tiles N better).
bool g_forced = false;

// int4: the same weights' high nibbles (-8..7), two per byte (OHWI
// nibbles, DESIGN.md §2).
void BenchLowbit(benchmark::State& state, Shape s, size_t threads,
                 bool int4) {
  Data d(s);
  std::vector<uint8_t> nibbles;
  if (int4) {
    nibbles.assign((d.w.size() + 1) / 2, 0);
    for (size_t i = 0; i < d.w.size(); ++i) {
      const uint8_t v = static_cast<uint8_t>(d.w[i]) >> 4;
      nibbles[i / 2] |= static_cast<uint8_t>(i % 2 == 0 ? v : v << 4);
    }
    d.output_scale *= 4.6f / 75.0f;
  }
  lowbit_conv2d_params p;
  lowbit_conv2d_params_init(&p);
  p.kernel_height = s.kh;
  p.kernel_width = s.kw;
  p.stride_height = p.stride_width = s.stride;
  p.padding_top = p.padding_left = p.padding_bottom = p.padding_right = s.pad;
  p.groups = s.groups;
  p.group_input_channels = s.Cg();
  p.group_output_channels = s.Ng();
  p.weight_type = int4 ? LOWBIT_DTYPE_INT4 : LOWBIT_DTYPE_INT8;
  p.weights = int4 ? static_cast<const void*>(nibbles.data()) : d.w.data();
  p.bias = d.bias.data();
  p.input_scale = d.input_scale;
  p.weight_scales = d.scales.data();
  p.weight_scale_count = s.out_c;
  p.output_scale = d.output_scale;
  p.output_zero_point = -3;
  lowbit_conv2d_t conv = nullptr;
  if (lowbit::PackConv2d(&p, *g_kernel, &conv, nullptr, !g_forced) != LOWBIT_OK) {
    return state.SkipWithError(lowbit_last_error());
  }
  Pool pool = MakePool(threads);
  state.SetLabel(lowbit_conv2d_kernel_name(conv));
  for (auto _ : state) {
    if (lowbit_conv2d_run(conv, 1, s.h, s.w, d.in.data(), s.c, d.out.data(),
                          s.out_c, pool.get()) != LOWBIT_OK) {
      state.SkipWithError(lowbit_last_error());
      break;
    }
    benchmark::ClobberMemory();
  }
  lowbit_conv2d_destroy(conv);
  SetCounters(state, s);
}

// INT16 activations (the int8 inputs times 251, plus a spread) with int8
// weights (16x8) or int16 ones (the int8 weights times 255, plus a
// spread), int16 output.
void BenchLowbit16(benchmark::State& state, Shape s, size_t threads,
                   bool w16) {
  Data d(s);
  std::vector<int16_t> in(d.in.size()), w(d.w.size()), out(d.out.size());
  for (size_t i = 0; i < in.size(); ++i) {
    in[i] = static_cast<int16_t>(d.in[i] * 251 + static_cast<int>(i % 97));
  }
  for (size_t i = 0; i < w.size(); ++i) {
    w[i] = static_cast<int16_t>(d.w[i] * 255 + static_cast<int>(i % 89));
  }
  lowbit_conv2d_params p;
  lowbit_conv2d_params_init(&p);
  p.kernel_height = s.kh;
  p.kernel_width = s.kw;
  p.stride_height = p.stride_width = s.stride;
  p.padding_top = p.padding_left = p.padding_bottom = p.padding_right = s.pad;
  p.groups = s.groups;
  p.group_input_channels = s.Cg();
  p.group_output_channels = s.Ng();
  p.input_type = LOWBIT_DTYPE_INT16;
  p.weight_type = w16 ? LOWBIT_DTYPE_INT16 : LOWBIT_DTYPE_INT8;
  p.output_type = LOWBIT_DTYPE_INT16;
  p.requant = LOWBIT_REQUANT_FIXEDPOINT;
  p.weights = w16 ? static_cast<const void*>(w.data()) : d.w.data();
  p.bias = d.bias.data();
  p.input_scale = d.input_scale;
  p.weight_scales = d.scales.data();
  p.weight_scale_count = s.out_c;
  p.output_scale = d.output_scale * (w16 ? 251.0f * 255.0f : 251.0f) / 128;
  p.output_min = -32768;
  p.output_max = 32767;
  lowbit_conv2d_t conv = nullptr;
  if (lowbit::PackConv2d(&p, *g_kernel, &conv, nullptr, !g_forced) !=
      LOWBIT_OK) {
    return state.SkipWithError(lowbit_last_error());
  }
  Pool pool = MakePool(threads);
  state.SetLabel(lowbit_conv2d_kernel_name(conv));
  for (auto _ : state) {
    if (lowbit_conv2d_run(conv, 1, s.h, s.w, in.data(), s.c, out.data(),
                          s.out_c, pool.get()) != LOWBIT_OK) {
      state.SkipWithError(lowbit_last_error());
      break;
    }
    benchmark::ClobberMemory();
  }
  lowbit_conv2d_destroy(conv);
  SetCounters(state, s);
}

#ifdef LOWBIT_WITH_XNNPACK
void BenchXnnpack(benchmark::State& state, Shape s, size_t threads,
                  bool per_channel) {
  if (xnn_initialize(nullptr) != xnn_status_success) {
    return state.SkipWithError("xnn_initialize failed");
  }
  Data d(s);
  // XNNPACK's depthwise weights are [1][KH][KW][C]: transposed from OHWI.
  std::vector<int8_t> w = d.w;
  uint32_t flags = 0;
  if (s.Depthwise()) {
    flags = XNN_FLAG_DEPTHWISE_CONVOLUTION;
    for (size_t c = 0; c < s.out_c; ++c) {
      for (size_t t = 0; t < s.kh * s.kw; ++t) {
        w[t * s.out_c + c] = d.w[c * s.kh * s.kw + t];
      }
    }
  }
  xnn_operator_t op = nullptr;
  const uint32_t pad = static_cast<uint32_t>(s.pad);
  const uint32_t kh = static_cast<uint32_t>(s.kh);
  const uint32_t kw = static_cast<uint32_t>(s.kw);
  const uint32_t st = static_cast<uint32_t>(s.stride);
  const uint32_t g = static_cast<uint32_t>(s.groups);
  const xnn_status status =
      per_channel
          ? xnn_create_convolution2d_nhwc_qc8(
                pad, pad, pad, pad, kh, kw, st, st, 1, 1, g, s.Cg(), s.Ng(),
                s.c, s.out_c, 0, d.input_scale, d.scales.data(), w.data(),
                d.bias.data(), -3, d.output_scale, -128, 127, flags, &op)
          : xnn_create_convolution2d_nhwc_qs8(
                pad, pad, pad, pad, kh, kw, st, st, 1, 1, g, s.Cg(), s.Ng(),
                s.c, s.out_c, 0, d.input_scale, d.scales[0], w.data(),
                d.bias.data(), -3, d.output_scale, -128, 127, flags, &op);
  if (status != xnn_status_success) {
    return state.SkipWithError("XNNPACK create failed");
  }
  Pool pool = MakePool(threads);
  const xnn_status setup =
      per_channel
          ? xnn_setup_convolution2d_nhwc_qc8(op, 1, s.h, s.w, d.in.data(),
                                             d.out.data(), pool.get())
          : xnn_setup_convolution2d_nhwc_qs8(op, 1, s.h, s.w, d.in.data(),
                                             d.out.data(), pool.get());
  if (setup != xnn_status_success) {
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
// oneDNN's int8 convolution: u8 NHWC source, s8 weights reordered once into
// the layout the primitive asks for, int32 bias, per-channel output scales
// and an output zero point (lowbit's fp32 mode). Threads through OpenMP.
void BenchOnednn(benchmark::State& state, Shape s, size_t threads) {
  using dnnl::memory;
  using dt = memory::data_type;
  using tag = memory::format_tag;
  omp_set_num_threads(static_cast<int>(threads));
  Data d(s);
  const memory::dim G = s.groups, IC = s.c, OC = s.out_c;
  const memory::dim H = s.h, W = s.w, OH = s.OutH(), OW = s.OutW();
  const memory::dim KH = s.kh, KW = s.kw;
  try {
    dnnl::engine engine(dnnl::engine::kind::cpu, 0);
    dnnl::stream stream(engine);
    const memory::desc src_md({1, IC, H, W}, dt::u8, tag::nhwc);
    const memory::desc dst_md({1, OC, OH, OW}, dt::s8, tag::nhwc);
    const memory::desc bias_md({OC}, dt::s32, tag::x);
    const memory::dims w_dims =
        G > 1 ? memory::dims{G, OC / G, IC / G, KH, KW}
              : memory::dims{OC, IC, KH, KW};
    const memory::desc any_w_md(w_dims, dt::s8, tag::any);
    std::vector<float> scales(s.out_c);
    for (size_t n = 0; n < s.out_c; ++n) {
      scales[n] = d.input_scale * d.scales[n] / d.output_scale;
    }
    dnnl::primitive_attr attr;
    attr.set_output_scales(1 << 1, scales);
    attr.set_zero_points(DNNL_ARG_DST, 0, {-3});
    const memory::dim st = s.stride, pad = s.pad;
    const dnnl::convolution_forward::primitive_desc pd(
        dnnl::convolution_forward::desc(
            dnnl::prop_kind::forward_inference,
            dnnl::algorithm::convolution_direct, src_md, any_w_md, bias_md,
            dst_md, {st, st}, {0, 0}, {pad, pad}, {pad, pad}),
        attr, engine);
    // OHWI is oihw's "ohwi" order (goihw's "gohwi" with groups).
    memory user_w({w_dims, dt::s8, G > 1 ? tag::gohwi : tag::ohwi}, engine,
                  d.w.data());
    memory w(pd.weights_desc(), engine);
    dnnl::reorder(user_w, w).execute(stream, user_w, w);
    memory src(src_md, engine, d.in.data());
    memory bias(bias_md, engine, d.bias.data());
    memory dst(dst_md, engine, d.out.data());
    const dnnl::convolution_forward conv(pd);
    state.SetLabel(pd.impl_info_str());
    for (auto _ : state) {
      conv.execute(stream, {{DNNL_ARG_SRC, src},
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
  std::printf("\nlowbit GEMM kernel: %s%s (depthwise: %s)\n", g_kernel->name,
              !g_forced && g_kernel->narrow != nullptr
                  ? " or its narrow sibling where that tiles N better"
                  : "",
              lowbit::DwconvKernelFor(*g_kernel).name);
  std::printf("GOPS = 2 * MACs / s; ratio = lowbit / peer (same run)\n\n");
  std::printf("%-14s %-16s %3s | %7s | %7s %5s | %7s %5s | %7s %5s | %7s "
              "%5s\n",
              "shape", "HxWxC k s g->O", "thr", "lowbit", "xnn qs8", "ratio",
              "xnn qc8", "ratio", "onednn", "ratio", "int4 w", "/int8");
  std::printf("%s\n", std::string(112, '-').c_str());
  for (size_t t : threads) {
    for (const Shape& s : g_shapes) {
      const double lb = rep.Gops(Name("lowbit", s, t));
      if (lb == 0.0) continue;
      const auto cell = [&](const char* impl) {
        return rep.Cell(Name(impl, s, t), lb);
      };
      char geo[64];
      std::snprintf(geo, sizeof(geo), "%zux%zux%zu %zu %zu %zu->%zu", s.h,
                    s.w, s.c, s.kh, s.stride, s.groups, s.out_c);
      // lowbit's own int4-weight run: its GOPS and int4 / int8.
      const double i4 = rep.Gops(Name("lowbit_int4", s, t));
      char int4[32] = "      -     -";
      if (i4 > 0) std::snprintf(int4, sizeof(int4), "%7.1f %5.2f", i4, i4 / lb);
      std::printf("%-14s %-16s %3zu | %7.1f | %s | %s | %s | %s\n",
                  s.name.c_str(), geo, t, lb, cell("xnnpack_qs8").c_str(),
                  cell("xnnpack_qc8").c_str(), cell("onednn_conv").c_str(),
                  int4);
    }
  }
  std::printf("\n16-bit activations (int16 output, TFLite's int64 "
              "requantization): 16x8 = int8 weights, 16x16 = int16 weights; "
              "GOPS; ratio = that / lowbit int8 (same run)\n\n");
  std::printf("%-14s %-16s %3s | %7s | %7s %5s | %7s %5s\n", "shape",
              "HxWxC k s g->O", "thr", "int8", "16x8", "ratio", "16x16",
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
      char geo[64];
      std::snprintf(geo, sizeof(geo), "%zux%zux%zu %zu %zu %zu->%zu", s.h,
                    s.w, s.c, s.kh, s.stride, s.groups, s.out_c);
      std::printf("%-14s %-16s %3zu | %7.1f | %s | %s\n", s.name.c_str(), geo,
                  t, lb, cell(a).c_str(), cell(b).c_str());
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<size_t> threads = {1, 2};
  g_kernel = &lowbit::DefaultGemmKernel();
  std::vector<char*> rest;
  bool custom = false;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--lowbit_kernel=", 16) == 0) {
      g_kernel = lowbit::FindGemmKernel(argv[i] + 16);
      g_forced = true;
      if (g_kernel == nullptr || !lowbit::CpuSupports(*g_kernel)) {
        std::fprintf(stderr, "unknown or unsupported kernel %s\n",
                     argv[i] + 16);
        return 2;
      }
    } else if (std::strncmp(argv[i], "--threads=", 10) == 0) {
      threads = ParseThreads(argv[i] + 10);
    } else if (std::strncmp(argv[i], "--shape=", 8) == 0 ||
               std::strncmp(argv[i], "--lowbit_k_part_groups=", 23) == 0) {
      continue;  // the GEMM benchmark's
    } else if (std::strncmp(argv[i], "--conv_shape=", 13) == 0) {
      if (!custom) g_shapes.clear();
      custom = true;
      const char* spec = argv[i] + 13;
      const char* colon = std::strchr(spec, ':');
      Shape s{colon ? std::string(spec, colon) : std::string(spec),
              0, 0, 0, 0, 0, 0, 0, 0, 0};
      if (colon == nullptr ||
          std::sscanf(colon + 1, "%zux%zux%zu,%zux%zu,s%zu,p%zu,g%zu,o%zu",
                      &s.h, &s.w, &s.c, &s.kh, &s.kw, &s.stride, &s.pad,
                      &s.groups, &s.out_c) != 9 ||
          s.h == 0 || s.c == 0 || s.kh == 0 || s.kw == 0 || s.stride == 0 ||
          s.groups == 0 || s.c % s.groups != 0 || s.out_c % s.groups != 0 ||
          s.h + 2 * s.pad < s.kh || s.w + 2 * s.pad < s.kw) {
        std::fprintf(stderr,
                     "bad --conv_shape=%s; want NAME:HxWxC,KHxKW,sS,pP,gG,oO\n",
                     spec);
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
        if (std::strncmp(impl, "lowbit", 6) == 0) {
          b = benchmark::RegisterBenchmark(name.c_str(), BenchLowbit, s, t,
                                           std::strcmp(impl, "lowbit") != 0);
        }
#ifdef LOWBIT_WITH_ONEDNN
        if (std::strcmp(impl, "onednn_conv") == 0) {
          b = benchmark::RegisterBenchmark(name.c_str(), BenchOnednn, s, t);
        }
#endif
#ifdef LOWBIT_WITH_XNNPACK
        if (std::strncmp(impl, "xnnpack_", 8) == 0) {
          b = benchmark::RegisterBenchmark(name.c_str(), BenchXnnpack, s, t,
                                           std::strcmp(impl, "xnnpack_qc8") ==
                                               0);
        }
#endif
        if (b != nullptr) b->UseRealTime()->Unit(benchmark::kMicrosecond);
      }
      for (const char* impl : {"lowbit_16x8", "lowbit_16x16"}) {
        benchmark::RegisterBenchmark(Name(impl, s, t).c_str(), BenchLowbit16,
                                     s, t,
                                     std::strcmp(impl, "lowbit_16x16") == 0)
            ->UseRealTime()
            ->Unit(benchmark::kMicrosecond);
      }
    }
  }
  TableReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  PrintTable(reporter, threads);
  benchmark::Shutdown();
  return 0;
}
