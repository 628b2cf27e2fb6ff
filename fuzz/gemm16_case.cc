#include "fuzz/gemm16_case.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "fuzz/gemm_case.h"
#include "kernels/gemm/kernel_table.h"
#include "kernels/operator/gemm_op.h"
#include "kernels/reference/gemm16.h"
#include "lowbit/lowbit.h"

namespace lowbit {
namespace fuzz {

namespace {

struct Case {
  lowbit_gemm_params p;
  size_t m, lda, ldc;
  std::vector<int8_t> w8;
  std::vector<int16_t> w16, a;
  std::vector<int32_t> bias32, multipliers, shifts;
  std::vector<int64_t> bias64;
  std::vector<float> scales;
};

int64_t WeightAt(const Case& c, size_t i) {
  return c.p.weight_type == LOWBIT_DTYPE_INT16 ? c.w16[i]
         : c.p.weight_type == LOWBIT_DTYPE_UINT8
             ? static_cast<uint8_t>(c.w8[i])
             : c.w8[i];
}

// What the contract (lowbit.h, "16-bit activations") says packing must
// reject, by its own reading of the parameters: the statuses allowed, none
// when valid.
std::vector<lowbit_status> PackViolations(const Gemm16Spec& s, const Case& c) {
  std::vector<lowbit_status> v;
  const lowbit_gemm_params& p = c.p;
  const bool sized = p.n != 0 && p.k != 0;
  if (!sized) v.push_back(LOWBIT_ERROR_INVALID_SIZE);
  if (p.weight_type == LOWBIT_DTYPE_UINT8 || s.requant == 3) {
    v.push_back(LOWBIT_ERROR_UNSUPPORTED);
  }
  if (p.weight_stride < p.k) v.push_back(LOWBIT_ERROR_INVALID_STRIDE);
  if (s.requant == 4) v.push_back(LOWBIT_ERROR_INVALID_SCALE);
  if (s.zero_point != 0) v.push_back(LOWBIT_ERROR_INVALID_ZERO_POINT);
  if (s.clamp >= 3) v.push_back(LOWBIT_ERROR_INVALID_RANGE);
  if (s.bias == 3) v.push_back(LOWBIT_ERROR_INVALID_ARGUMENT);
  if (sized && p.weight_stride >= p.k &&
      p.weight_type != LOWBIT_DTYPE_UINT8) {
    // |bias| + 32768 * sum |W| < 2^47 on every channel.
    for (size_t n = 0; n < p.n; ++n) {
      int64_t bound = p.bias64 != nullptr ? std::llabs(p.bias64[n])
                      : p.bias != nullptr ? std::llabs(p.bias[n])
                                          : 0;
      for (size_t k = 0; k < p.k; ++k) {
        bound += 32768 * std::llabs(WeightAt(c, n * p.weight_stride + k));
      }
      if (bound >= (int64_t{1} << 47)) {
        v.push_back(LOWBIT_ERROR_K_TOO_LARGE);
        break;
      }
    }
  }
  return v;
}

Case Build(const Gemm16Spec& s) {
  Case c{};
  std::mt19937 rng(s.seed);
  const size_t k = s.k_low + size_t{300} * s.k_parts;
  lowbit_gemm_params_init(&c.p);
  c.p.n = s.n;
  c.p.k = k;
  c.p.input_type = LOWBIT_DTYPE_INT16;
  c.p.output_type = LOWBIT_DTYPE_INT16;
  c.p.weight_type = s.weights == 0   ? LOWBIT_DTYPE_INT8
                    : s.weights == 1 ? LOWBIT_DTYPE_INT16
                                     : LOWBIT_DTYPE_UINT8;
  c.p.requant =
      s.requant == 3 ? LOWBIT_REQUANT_FP32 : LOWBIT_REQUANT_FIXEDPOINT;
  c.p.weight_stride = k + s.ldw_extra;
  const size_t rows = std::max<size_t>(s.n, 1);
  const size_t elems = rows * (k + 9);
  const bool w16 = s.weights == 1;
  c.w8.resize(elems);
  c.w16.resize(elems);
  std::uniform_int_distribution<int32_t> wide(-32768, 32767);
  for (size_t i = 0; i < elems; ++i) {
    const int32_t r = wide(rng);
    const int32_t lo = w16 ? -32768 : -128, hi = w16 ? 32767 : 127;
    const int32_t v = s.w_fill == 1 ? lo : s.w_fill == 2 ? hi
                      : w16         ? r
                                    : r >> 8;
    c.w16[i] = static_cast<int16_t>(v);
    c.w8[i] = static_cast<int8_t>(v);
  }
  c.p.weights = w16 ? static_cast<const void*>(c.w16.data()) : c.w8.data();
  c.bias32.resize(rows);
  c.bias64.resize(rows);
  std::uniform_int_distribution<int64_t> big(-(int64_t{1} << 40),
                                             int64_t{1} << 40);
  for (size_t i = 0; i < rows; ++i) {
    c.bias64[i] = s.bias == 4 ? (int64_t{1} << 47) - (int64_t{1} << 33) *
                                                         (i % 3 + 1)
                              : big(rng);
    c.bias32[i] = static_cast<int32_t>(big(rng) >> 10);
  }
  if (s.bias == 1 || s.bias == 3) c.p.bias = c.bias32.data();
  if (s.bias >= 2) c.p.bias64 = c.bias64.data();
  // Effective scales that keep random accumulators off the clamp.
  const float spread = 2048.0f * (w16 ? 65536.0f : 256.0f) *
                       static_cast<float>(std::max<size_t>(k, 1));
  c.scales.resize(rows);
  std::uniform_real_distribution<float> unit(0.5f, 8.0f);
  for (auto& x : c.scales) x = unit(rng) / spread * 32768.0f;
  c.p.weight_scales = c.scales.data();
  c.p.weight_scale_count = rows;
  c.p.input_scale = 1.0f;
  c.p.output_scale = 1.0f;
  if (s.requant == 1 || s.requant == 2 || s.requant == 4) {
    c.multipliers.resize(rows);
    c.shifts.resize(rows);
    std::uniform_int_distribution<int32_t> mult(1 << 30, 0x7FFFFFFF);
    std::uniform_int_distribution<int32_t> shift(-31, 8);
    for (size_t i = 0; i < rows; ++i) {
      c.multipliers[i] = mult(rng);
      c.shifts[i] = shift(rng);
    }
    if (s.requant == 4) c.multipliers[s.seed % rows] = (1 << 30) - 1;
    c.p.requant_multipliers = c.multipliers.data();
    c.p.requant_shifts = c.shifts.data();
    c.p.requant_multiplier_count = s.requant == 2 ? 1 : s.n;
  }
  c.p.input_zero_point = s.zero_point == 1 ? 5 : 0;
  c.p.output_zero_point = s.zero_point == 2 ? -3 : 0;
  switch (s.clamp) {
    case 1: c.p.output_min = -1000; c.p.output_max = 20000; break;
    case 2: c.p.output_min = c.p.output_max = -77; break;
    case 3: c.p.output_min = 5; c.p.output_max = 4; break;
    case 4: c.p.output_min = -32768; c.p.output_max = 32768; break;
    default: c.p.output_min = -32768; c.p.output_max = 32767; break;
  }
  c.m = s.m;
  c.lda = k + s.lda_extra;
  c.ldc = s.n + s.ldc_extra;
  c.a.resize(std::max<size_t>(c.m, 1) * (k + 9));
  for (size_t i = 0; i < c.a.size(); ++i) {
    const int32_t r = wide(rng);
    c.a[i] = static_cast<int16_t>(s.a_fill == 1   ? -32768
                                  : s.a_fill == 2 ? 32767
                                  : s.a_fill == 3 ? (i % 2 ? 32767 : -32768)
                                                  : r);
  }
  return c;
}

constexpr int16_t kCanary16 = 0x3C3C;
constexpr int64_t kCanary64 = 0x3C3C3C3C3C3C3C3C;

// The reference's outputs at the run's row stride, canaries elsewhere
// (once per case: every kernel is compared with them).
struct Expected {
  std::vector<int16_t> c16;
  std::vector<int64_t> c64;
};

Expected Reference(const Case& c) {
  const size_t count = c.m != 0 ? (c.m - 1) * c.ldc + c.p.n : 0;
  Expected e{std::vector<int16_t>(count + 16, kCanary16),
             std::vector<int64_t>(count + 16, kCanary64)};
  if (c.lda < c.p.k || c.ldc < c.p.n || c.m == 0) return e;
  std::vector<int16_t> dense16(c.m * c.p.n);
  std::vector<int64_t> dense64(c.m * c.p.n);
  ref::Gemm16(c.p, c.m, c.a.data(), c.lda, dense16.data(), c.p.n);
  ref::Gemm16Accumulators(c.p, c.m, c.a.data(), c.lda, dense64.data(), c.p.n);
  for (size_t i = 0; i < c.m; ++i) {
    for (size_t j = 0; j < c.p.n; ++j) {
      e.c16[i * c.ldc + j] = dense16[i * c.p.n + j];
      e.c64[i * c.ldc + j] = dense64[i * c.p.n + j];
    }
  }
  return e;
}

void RunAndCompare(const char* who, lowbit_gemm_t gemm, const Case& c,
                   const Expected& e, pthreadpool* pool) {
  const bool strides_ok = c.lda >= c.p.k && c.ldc >= c.p.n;
  const lowbit_status want = strides_ok ? LOWBIT_OK
                                        : LOWBIT_ERROR_INVALID_STRIDE;
  const size_t count = c.m != 0 ? (c.m - 1) * c.ldc + c.p.n : 0;
  std::vector<int16_t> out16(count + 16, kCanary16);
  std::vector<int64_t> out64(count + 16, kCanary64);
  const lowbit_status st16 =
      lowbit_gemm_run(gemm, c.m, c.a.data(), c.lda, out16.data(), c.ldc, pool);
  const lowbit_status st64 = lowbit_gemm_run_int64(
      gemm, c.m, c.a.data(), c.lda, out64.data(), c.ldc, pool);
  if (st16 != want || st64 != want) {
    Die("%s: runs returned %d and %d (%s), the contract says %d", who, st16,
        st64, lowbit_last_error(), want);
  }
  const std::vector<int16_t>& want16 = e.c16;
  const std::vector<int64_t>& want64 = e.c64;
  for (size_t i = 0; i < out16.size(); ++i) {
    if (out16[i] != want16[i] || out64[i] != want64[i]) {
      Die("%s: C element %zu (row %zu) is %d / %lld, expected %d / %lld",
          who, i, c.ldc != 0 ? i / c.ldc : 0, out16[i],
          static_cast<long long>(out64[i]), want16[i],
          static_cast<long long>(want64[i]));
    }
  }
}

}  // namespace

bool CheckGemm16(const Gemm16Spec& s) {
  char text[256];
  std::snprintf(text, sizeof(text),
                "gemm16 m=%u n=%u k=%u+300*%u weights=%u lda+%d ldc+%d ldw+%d "
                "a_fill=%u w_fill=%u bias=%u requant=%u zero_point=%u "
                "clamp=%u threads=%u seed=%u",
                s.m, s.n, s.k_low, s.k_parts, s.weights, s.lda_extra,
                s.ldc_extra, s.ldw_extra, s.a_fill, s.w_fill, s.bias,
                s.requant, s.zero_point, s.clamp, s.two_threads + 1, s.seed);
  g_case = text;
  const Case c = Build(s);
  const std::vector<lowbit_status> violations = PackViolations(s, c);
  std::vector<const GemmKernel*> kernels;
  for (const GemmKernel* k : GemmKernels()) {
    if (&Int16KernelFor(*k) == k && CpuSupports(*k)) kernels.push_back(k);
  }
  kernels.push_back(nullptr);  // the public entry point
  Expected expected;
  bool computed = false;
  for (const GemmKernel* kernel : kernels) {
    const char* who = kernel != nullptr ? kernel->name : "lowbit_gemm_pack";
    lowbit_gemm_t gemm = nullptr;
    const auto pack = [&](lowbit_gemm_t* h) {
      return kernel != nullptr ? PackGemm(&c.p, *kernel, h)
                               : lowbit_gemm_pack(&c.p, h);
    };
    if (!PackChecked(who, violations, pack, &gemm)) continue;
    if (!computed) {
      expected = Reference(c);
      computed = true;
    }
    RunAndCompare(who, gemm, c, expected, nullptr);
    if (s.two_threads) RunAndCompare(who, gemm, c, expected, TwoThreads());
    lowbit_gemm_destroy(gemm);
  }
  return violations.empty();
}

std::vector<Gemm16Spec> Gemm16Seeds() {
  std::vector<Gemm16Spec> seeds;
  Gemm16Spec base;
  base.m = 11;
  base.n = 53;
  base.k_low = 37;
  base.bias = 2;
  base.seed = 9;
  seeds.push_back(base);
  Gemm16Spec s = base;
  s.weights = 1;  // int16 x int16
  s.k_parts = 2;
  s.two_threads = 1;
  s.m = 37;
  seeds.push_back(s);
  s = base;
  s.a_fill = 1;  // every product at its largest, K over several parts
  s.w_fill = 1;
  s.k_parts = 4;
  s.requant = 1;
  seeds.push_back(s);
  s = base;
  s.weights = 1;
  s.a_fill = 3;
  s.w_fill = 2;
  s.requant = 2;
  s.clamp = 1;
  s.lda_extra = 3;
  s.ldc_extra = 5;
  seeds.push_back(s);
  s = base;
  s.bias = 4;  // past 2^47 with int16 weights at the extremes
  s.weights = 1;
  s.w_fill = 1;
  s.k_parts = 1;
  seeds.push_back(s);
  s = base;
  s.requant = 3;  // fp32: unsupported for 16-bit activations
  seeds.push_back(s);
  return seeds;
}

}  // namespace fuzz
}  // namespace lowbit
