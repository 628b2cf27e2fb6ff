// 16-bit activations (TFLite's 16x8 mode, int16 x int16): the int64
// requantization against hand-derived values, the exact sweep on every
// kernel that reads int16 activations, and the entry points' checks.
#include <gtest/gtest.h>
#include <pthreadpool.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "kernels/gemm/kernel_table.h"
#include "kernels/operator/gemm16_op.h"
#include "kernels/operator/gemm_op.h"
#include "kernels/reference/gemm16.h"
#include "kernels/reference/requant.h"
#include "tests/kernel_test.h"

namespace lowbit {
namespace {

TEST(RequantizeInt64, HandDerived) {
  // multiplier 2^30, shift 0 (scale 1/2): rm = 2^14, t = 15, so
  // x = (acc * 2^14 + 2^14) >> 15 = floor(acc / 2 + 1/2): halves round up.
  EXPECT_EQ(ref::RequantizeInt64(3, 1 << 30, 0, -32768, 32767), 2);
  EXPECT_EQ(ref::RequantizeInt64(-3, 1 << 30, 0, -32768, 32767), -1);
  EXPECT_EQ(ref::RequantizeInt64(5, 1 << 30, 0, -32768, 32767), 3);
  EXPECT_EQ(ref::RequantizeInt64(-4, 1 << 30, 0, -32768, 32767), -2);
  // The reduced multiplier saturates at 0x7FFF from 0x7FFF0000 on, and
  // rounds (m + 2^15) >> 16 below: 0x7FFEFFFF gives 0x7FFF too, 0x7FFE7FFF
  // gives 0x7FFE. 32768 * 32767 / 2^15 + 1/2 = 32767.5 -> 32767.
  EXPECT_EQ(ref::RequantizeInt64(32768, 0x7FFFFFFF, 0, -32768, 32767), 32767);
  EXPECT_EQ(ref::RequantizeInt64(32768, 0x7FFEFFFF, 0, -32768, 32767), 32767);
  EXPECT_EQ(ref::RequantizeInt64(32768, 0x7FFE7FFF, 0, -32768, 32767), 32766);
  // shift 8 (scale 128): t = 7, (1 * 2^14 + 2^6) >> 7 = 128.
  EXPECT_EQ(ref::RequantizeInt64(1, 1 << 30, 8, -32768, 32767), 128);
  // shift -31 (scale 2^-32): t = 46; 2^46 * 2^-32 = 2^14 exactly.
  EXPECT_EQ(ref::RequantizeInt64(int64_t{1} << 46, 1 << 30, -31, -32768,
                                 32767),
            1 << 14);
  // The clamp acts on the exact int64 value: 2^40 / 2 does not wrap.
  EXPECT_EQ(ref::RequantizeInt64(int64_t{1} << 40, 1 << 30, 0, -32768, 32767),
            32767);
  EXPECT_EQ(ref::RequantizeInt64(-(int64_t{1} << 46), 1 << 30, 0, -7, 9), -7);
}

// One case of the sweep: random or extreme A and W, scales or the caller's
// multipliers, int32, int64 or no bias; checks the int16 output and the
// raw int64 accumulators against the reference, with canaries past every
// row.
struct Case {
  size_t m = 1, n = 1, k = 1;
  size_t lda = 0, ldc = 0;  // 0: k and n
  lowbit_dtype weights = LOWBIT_DTYPE_INT8;
  int extreme = 0;  // 0 random, -1 all minimum, +1 all maximum
  int bias = 0;     // 0 none, 32 int32, 64 int64
  bool multipliers = false;
  bool per_channel = true;
  int32_t qmin = -32768, qmax = 32767;
  uint32_t seed = 1;
};

std::string Describe(const GemmKernel& kernel, const Case& c) {
  return std::string(kernel.name) + " m=" + std::to_string(c.m) +
         " n=" + std::to_string(c.n) + " k=" + std::to_string(c.k) +
         " w=" + (c.weights == LOWBIT_DTYPE_INT16 ? "int16" : "int8") +
         " extreme=" + std::to_string(c.extreme) +
         " bias=" + std::to_string(c.bias) +
         " multipliers=" + std::to_string(c.multipliers) + " clamp=[" +
         std::to_string(c.qmin) + ", " + std::to_string(c.qmax) + "]";
}

void RunCase(const GemmKernel& kernel, const Case& c,
             pthreadpool_t pool = nullptr) {
  SCOPED_TRACE(Describe(kernel, c));
  const size_t lda = c.lda != 0 ? c.lda : c.k;
  const size_t ldc = c.ldc != 0 ? c.ldc : c.n;
  const bool w16 = c.weights == LOWBIT_DTYPE_INT16;
  std::mt19937 rng(c.seed);
  const int32_t wlo = w16 ? -32768 : -128, whi = w16 ? 32767 : 127;
  std::uniform_int_distribution<int32_t> adist(-32768, 32767);
  std::uniform_int_distribution<int32_t> wdist(wlo, whi);
  std::vector<int16_t> a(c.m * lda);
  for (auto& x : a) {
    x = static_cast<int16_t>(c.extreme < 0   ? -32768
                             : c.extreme > 0 ? 32767
                                             : adist(rng));
  }
  std::vector<int8_t> w8(c.n * c.k);
  std::vector<int16_t> w16v(c.n * c.k);
  for (size_t i = 0; i < c.n * c.k; ++i) {
    const int32_t v = c.extreme < 0 ? wlo : c.extreme > 0 ? whi : wdist(rng);
    w8[i] = static_cast<int8_t>(std::max(-128, std::min(127, v)));
    w16v[i] = static_cast<int16_t>(v);
  }
  std::vector<int32_t> bias32(c.n);
  std::vector<int64_t> bias64(c.n);
  std::uniform_int_distribution<int64_t> bdist(-(int64_t{1} << 30),
                                               int64_t{1} << 30);
  for (size_t i = 0; i < c.n; ++i) {
    bias64[i] = bdist(rng);
    bias32[i] = static_cast<int32_t>(bias64[i] >> 2);
  }
  std::vector<float> scales(c.n);
  std::uniform_real_distribution<float> sdist(0.5f, 2.0f);
  // About a quarter of the int16 range for a random accumulator.
  const float spread = 65536.0f * (w16 ? 256.0f : 1.0f) *
                       std::sqrt(static_cast<float>(c.k) / 37.0f);
  for (auto& s : scales) s = sdist(rng) / spread;
  std::vector<int32_t> mults(c.n), shifts(c.n);
  std::uniform_int_distribution<int32_t> mdist(1 << 30, 0x7FFFFFFF);
  std::uniform_int_distribution<int32_t> shdist(-31, 8);
  for (size_t i = 0; i < c.n; ++i) {
    mults[i] = i == 0 ? 0x7FFFFFFF : mdist(rng);
    shifts[i] = i == 1 ? 8 : shdist(rng);
  }

  lowbit_gemm_params p;
  lowbit_gemm_params_init(&p);
  p.n = c.n;
  p.k = c.k;
  p.input_type = LOWBIT_DTYPE_INT16;
  p.weight_type = c.weights;
  p.output_type = LOWBIT_DTYPE_INT16;
  p.requant = LOWBIT_REQUANT_FIXEDPOINT;
  p.weights = w16 ? static_cast<const void*>(w16v.data()) : w8.data();
  p.weight_stride = c.k;
  p.bias = c.bias == 32 ? bias32.data() : nullptr;
  p.bias64 = c.bias == 64 ? bias64.data() : nullptr;
  p.input_scale = 1.0f;
  p.output_scale = 1.0f;
  p.weight_scales = scales.data();
  p.weight_scale_count = c.per_channel ? c.n : 1;
  if (c.multipliers) {
    p.requant_multipliers = mults.data();
    p.requant_shifts = shifts.data();
    p.requant_multiplier_count = c.per_channel ? c.n : 1;
  }
  p.output_min = c.qmin;
  p.output_max = c.qmax;

  lowbit_gemm_t g = nullptr;
  ASSERT_EQ(PackGemm(&p, kernel, &g), LOWBIT_OK) << lowbit_last_error();
  EXPECT_STREQ(lowbit_gemm_kernel_name(g), kernel.name);

  std::vector<int64_t> want64(c.m * c.n);
  ref::Gemm16Accumulators(p, c.m, a.data(), lda, want64.data(), c.n);
  std::vector<int16_t> want16(c.m * c.n);
  ref::Gemm16(p, c.m, a.data(), lda, want16.data(), c.n);

  if (c.extreme == 0 && !c.multipliers && c.qmin < c.qmax && c.k > 16) {
    // Random data must reach the requantization's inside, not only the
    // clamp, or the sweep would prove little.
    size_t inside = 0;
    for (int16_t v : want16) inside += v != c.qmin && v != c.qmax;
    EXPECT_GT(inside * 2, want16.size()) << "mostly saturated outputs";
  }
  constexpr int16_t kCanary16 = 0x5A5A;
  constexpr int64_t kCanary64 = 0x5A5A5A5A5A5A5A5A;
  std::vector<int16_t> got16(c.m * ldc + 8, kCanary16);
  std::vector<int64_t> got64(c.m * ldc + 8, kCanary64);
  ASSERT_EQ(lowbit_gemm_run(g, c.m, a.data(), lda, got16.data(), ldc, pool),
            LOWBIT_OK)
      << lowbit_last_error();
  ASSERT_EQ(
      lowbit_gemm_run_int64(g, c.m, a.data(), lda, got64.data(), ldc, pool),
      LOWBIT_OK)
      << lowbit_last_error();
  lowbit_gemm_destroy(g);
  size_t errors = 0;
  for (size_t i = 0; i < c.m && errors < 5; ++i) {
    for (size_t j = 0; j < ldc && errors < 5; ++j) {
      const size_t at = i * ldc + j;
      if (j >= c.n) {
        if (got16[at] != kCanary16 || got64[at] != kCanary64) {
          ADD_FAILURE() << "wrote past row " << i << " at column " << j;
          ++errors;
        }
        continue;
      }
      if (got64[at] != want64[i * c.n + j]) {
        ADD_FAILURE() << "int64 (" << i << ", " << j << "): expected "
                      << want64[i * c.n + j] << ", got " << got64[at];
        ++errors;
      }
      if (got16[at] != want16[i * c.n + j]) {
        ADD_FAILURE() << "int16 (" << i << ", " << j << "): expected "
                      << want16[i * c.n + j] << ", got " << got16[at];
        ++errors;
      }
    }
  }
  for (size_t t = c.m * ldc; t < got16.size(); ++t) {
    EXPECT_EQ(got16[t], kCanary16) << "wrote past the output";
    EXPECT_EQ(got64[t], kCanary64) << "wrote past the output";
  }
}

class Gemm16Sweep : public KernelTest {
 protected:
  size_t mr() const { return kernel().mr; }
  size_t nr() const { return kernel().layout.nr; }
  size_t kr() const { return kernel().layout.kr; }
  void TearDown() override { SetGemm16PartGroupsForTesting(0); }
};

constexpr lowbit_dtype kWeightTypes[] = {LOWBIT_DTYPE_INT8,
                                         LOWBIT_DTYPE_INT16};

TEST_P(Gemm16Sweep, KSweep) {
  for (lowbit_dtype wt : kWeightTypes) {
    for (size_t m : {size_t{1}, size_t{2}, mr()}) {
      for (size_t k = 1; k <= 8 * kr() + 1; ++k) {
        Case c;
        c.m = m, c.n = nr(), c.k = k, c.weights = wt, c.seed = 10 + k;
        RunCase(kernel(), c);
      }
      // Around the K part (kGemm16PartElems) and past several of them.
      for (size_t k : {size_t{509}, size_t{510}, size_t{511}, size_t{512},
                       size_t{1021}, size_t{1533}}) {
        Case c;
        c.m = m, c.n = nr() + 1, c.k = k, c.weights = wt, c.bias = 64;
        RunCase(kernel(), c);
      }
    }
  }
}

TEST_P(Gemm16Sweep, NAndMSweep) {
  for (lowbit_dtype wt : kWeightTypes) {
    for (size_t n : {size_t{1}, size_t{2}, nr() - 1, nr(), nr() + 1,
                     2 * nr() - 1, 3 * nr() + 7}) {
      Case c;
      c.m = mr(), c.n = n, c.k = 37, c.weights = wt, c.bias = 32;
      RunCase(kernel(), c);
    }
    for (size_t m = 1; m <= 3 * mr() + 1; ++m) {
      Case c;
      c.m = m, c.n = nr() + 3, c.k = 64, c.weights = wt, c.seed = 3 + m;
      RunCase(kernel(), c);
    }
    // More than one task of rows.
    Case c;
    c.m = 9 * mr() + 5, c.n = 2 * nr() + 1, c.k = 21, c.weights = wt;
    RunCase(kernel(), c);
  }
}

TEST_P(Gemm16Sweep, StridesBiasesAndClamps) {
  for (lowbit_dtype wt : kWeightTypes) {
    for (int bias : {0, 32, 64}) {
      for (bool multipliers : {false, true}) {
        for (bool per_channel : {false, true}) {
          Case c;
          c.m = mr() + 1, c.n = nr() + 5, c.k = 2 * kr() + 1;
          c.lda = c.k + 3, c.ldc = c.n + 9;
          c.weights = wt, c.bias = bias, c.multipliers = multipliers;
          c.per_channel = per_channel;
          RunCase(kernel(), c);
          c.qmin = -100, c.qmax = 200;
          RunCase(kernel(), c);
          c.qmin = c.qmax = 0;
          RunCase(kernel(), c);
        }
      }
    }
  }
}

// All -32768 times all minimum weights: every product is the largest
// positive one (2^22 for int8, 2^30 for int16), so a K part of
// kGemm16PartElems products sits just below 2^31; the same with 32767 and
// the maximum weights, and a long K across many parts.
TEST_P(Gemm16Sweep, Extremes) {
  for (lowbit_dtype wt : kWeightTypes) {
    for (int extreme : {-1, 1}) {
      for (size_t k : {kGemm16PartElems / kr() * kr(),
                       kGemm16PartElems / kr() * kr() + kr(), size_t{4099}}) {
        for (bool multipliers : {false, true}) {
          Case c;
          c.m = mr() + 2, c.n = nr() + 1, c.k = k, c.weights = wt;
          c.extreme = extreme, c.multipliers = multipliers, c.bias = 64;
          RunCase(kernel(), c);
        }
      }
    }
  }
}

// Many short K parts (the part length forced down).
TEST_P(Gemm16Sweep, ShortParts) {
  for (size_t groups : {size_t{1}, size_t{3}}) {
    SetGemm16PartGroupsForTesting(groups);
    for (lowbit_dtype wt : kWeightTypes) {
      for (size_t k : {size_t{1}, 7 * kr(), 7 * kr() + 1, size_t{53}}) {
        Case c;
        c.m = 2 * mr() + 1, c.n = nr() + 2, c.k = k, c.weights = wt;
        c.bias = 64;
        RunCase(kernel(), c);
      }
    }
  }
}

TEST_P(Gemm16Sweep, ManyThreads) {
  pthreadpool_t pool = pthreadpool_create(3);
  ASSERT_NE(pool, nullptr);
  for (lowbit_dtype wt : kWeightTypes) {
    Case c;
    c.m = 5 * mr() * 8 + 3, c.n = 4 * nr() + 1, c.k = 77, c.weights = wt;
    c.bias = 32;
    RunCase(kernel(), c, pool);
  }
  pthreadpool_destroy(pool);
}

// The int64 stage (kernels/gemm16/epilogue16.h) dispatches to the best
// Highway target allowed: each one the CPU has, on one kernel.
TEST(Gemm16Epilogue, EveryTarget) {
  const GemmKernel& kernel = Int16KernelFor(DefaultGemmKernel());
  ForEachHwyTarget([&] {
    for (lowbit_dtype wt : kWeightTypes) {
      for (int extreme : {-1, 0, 1}) {
        for (bool multipliers : {false, true}) {
          Case c;
          c.m = kernel.mr + 1, c.n = 2 * kernel.layout.nr + 3, c.k = 1100;
          c.weights = wt, c.extreme = extreme, c.multipliers = multipliers;
          c.bias = 64, c.qmin = -30000, c.qmax = 31000;
          RunCase(kernel, c);
        }
      }
    }
  });
}

INSTANTIATE_TEST_SUITE_P(Kernels, Gemm16Sweep,
                         ::testing::ValuesIn(Int16ActivationKernels()), KernelName);

// A minimal valid 16x8 problem for the checks below.
struct Api16 {
  int8_t w8[4] = {1, -2, 3, -4};
  int16_t w16[4] = {1000, -2000, 3000, -4000};
  float scale = 1.0f / 1024;
  lowbit_gemm_params p;
  Api16() {
    lowbit_gemm_params_init(&p);
    p.n = 2;
    p.k = 2;
    p.input_type = LOWBIT_DTYPE_INT16;
    p.output_type = LOWBIT_DTYPE_INT16;
    p.requant = LOWBIT_REQUANT_FIXEDPOINT;
    p.weights = w8;
    p.weight_stride = 2;
    p.weight_scales = &scale;
    p.output_min = -32768;
    p.output_max = 32767;
  }
  lowbit_status Pack(lowbit_gemm_t* g) const { return lowbit_gemm_pack(&p, g); }
};

lowbit_status PackStatus(const lowbit_gemm_params& p) {
  lowbit_gemm_t g = nullptr;
  const lowbit_status s = lowbit_gemm_pack(&p, &g);
  if (s != LOWBIT_OK) {
    EXPECT_EQ(g, nullptr);
  }
  lowbit_gemm_destroy(g);
  return s;
}

TEST(Gemm16Api, Rejects) {
  {
    Api16 t;
    EXPECT_EQ(PackStatus(t.p), LOWBIT_OK) << lowbit_last_error();
  }
  for (lowbit_requant mode :
       {LOWBIT_REQUANT_FP32, LOWBIT_REQUANT_FIXEDPOINT_SINGLE}) {
    Api16 t;
    t.p.requant = mode;
    EXPECT_EQ(PackStatus(t.p), LOWBIT_ERROR_UNSUPPORTED);
  }
  for (lowbit_dtype wt : {LOWBIT_DTYPE_UINT8, LOWBIT_DTYPE_INT4}) {
    Api16 t;
    t.p.weight_type = wt;
    EXPECT_EQ(PackStatus(t.p), LOWBIT_ERROR_UNSUPPORTED);
  }
  {
    Api16 t;
    t.p.output_type = LOWBIT_DTYPE_INT8;
    EXPECT_EQ(PackStatus(t.p), LOWBIT_ERROR_UNSUPPORTED);
  }
  for (int which = 0; which < 3; ++which) {
    Api16 t;
    (which == 0   ? t.p.input_zero_point
     : which == 1 ? t.p.weight_zero_point
                  : t.p.output_zero_point) = 1;
    EXPECT_EQ(PackStatus(t.p), LOWBIT_ERROR_INVALID_ZERO_POINT);
  }
  {
    Api16 t;
    t.p.output_min = -32769;
    EXPECT_EQ(PackStatus(t.p), LOWBIT_ERROR_INVALID_RANGE);
    t.p.output_min = 5;
    t.p.output_max = 4;
    EXPECT_EQ(PackStatus(t.p), LOWBIT_ERROR_INVALID_RANGE);
  }
  {
    Api16 t;
    const int32_t b32[2] = {1, 2};
    const int64_t b64[2] = {1, 2};
    t.p.bias = b32;
    t.p.bias64 = b64;
    EXPECT_EQ(PackStatus(t.p), LOWBIT_ERROR_INVALID_ARGUMENT);
  }
  {
    Api16 t;
    float bad = 0.0f;
    t.p.weight_scales = &bad;
    EXPECT_EQ(PackStatus(t.p), LOWBIT_ERROR_INVALID_SCALE);
    t.p.weight_scales = nullptr;
    EXPECT_EQ(PackStatus(t.p), LOWBIT_ERROR_NULL_POINTER);
  }
  {
    // |bias| + 32768 * sum|W| must stay below 2^47.
    Api16 t;
    // Channel 1's weights are 3 and -4: sum|W| = 7.
    const int64_t b64[2] = {0, (int64_t{1} << 47) - 32768 * 7 - 1};
    t.p.bias64 = b64;
    EXPECT_EQ(PackStatus(t.p), LOWBIT_OK) << lowbit_last_error();
    const int64_t over[2] = {0, -((int64_t{1} << 47) - 32768 * 7)};
    t.p.bias64 = over;
    EXPECT_EQ(PackStatus(t.p), LOWBIT_ERROR_K_TOO_LARGE);
    const int64_t min[2] = {std::numeric_limits<int64_t>::min(), 0};
    t.p.bias64 = min;
    EXPECT_EQ(PackStatus(t.p), LOWBIT_ERROR_K_TOO_LARGE);
  }
  {
    // int16 x int16: 2^17 weights of -32768 reach 2^47 exactly.
    Api16 t;
    const size_t k = size_t{1} << 17;
    std::vector<int16_t> w(k, -32768);
    t.p.n = 1;
    t.p.k = k;
    t.p.weight_stride = k;
    t.p.weight_type = LOWBIT_DTYPE_INT16;
    t.p.weights = w.data();
    EXPECT_EQ(PackStatus(t.p), LOWBIT_ERROR_K_TOO_LARGE);
    t.p.k = k - 1;
    EXPECT_EQ(PackStatus(t.p), LOWBIT_OK) << lowbit_last_error();
  }
  {
    // bias64 belongs to 16-bit activations.
    Api16 t;
    const int64_t b64[2] = {1, 2};
    t.p.input_type = LOWBIT_DTYPE_INT8;
    t.p.output_type = LOWBIT_DTYPE_INT8;
    t.p.output_min = -128;
    t.p.output_max = 127;
    EXPECT_EQ(PackStatus(t.p), LOWBIT_OK);
    t.p.bias64 = b64;
    EXPECT_EQ(PackStatus(t.p), LOWBIT_ERROR_INVALID_ARGUMENT);
  }
}

TEST(Gemm16Api, Runs) {
  Api16 t;
  lowbit_gemm_t g = nullptr;
  ASSERT_EQ(t.Pack(&g), LOWBIT_OK) << lowbit_last_error();
  const int16_t a[4] = {-32768, 32767, 100, -7};
  int16_t c16[4] = {};
  int64_t c64[4] = {};
  int32_t c32[4] = {};
  // acc row 0: -32768 * 1 + 32767 * -2 = -98302; channel 1: -32768 * 3 +
  // 32767 * -4 = -229372; row 1: 100 + 14 = 114, 300 + 28 = 328.
  ASSERT_EQ(lowbit_gemm_run_int64(g, 2, a, 2, c64, 2, nullptr), LOWBIT_OK);
  EXPECT_EQ(c64[0], -98302);
  EXPECT_EQ(c64[1], -229372);
  EXPECT_EQ(c64[2], 114);
  EXPECT_EQ(c64[3], 328);
  // scale 2^-10: multiplier 2^30, shift -9, rm 2^14, t = 24:
  // -98302 / 1024 = -95.998 -> -96; -229372 / 1024 = -223.996 -> -224;
  // 114 / 1024 -> 0; 328 / 1024 = 0.32 -> 0.
  ASSERT_EQ(lowbit_gemm_run(g, 2, a, 2, c16, 2, nullptr), LOWBIT_OK);
  EXPECT_EQ(c16[0], -96);
  EXPECT_EQ(c16[1], -224);
  EXPECT_EQ(c16[2], 0);
  EXPECT_EQ(c16[3], 0);
  EXPECT_EQ(lowbit_gemm_run_int32(g, 2, a, 2, c32, 2, nullptr),
            LOWBIT_ERROR_UNSUPPORTED);
  EXPECT_EQ(lowbit_gemm_run(g, 2, a, 1, c16, 2, nullptr),
            LOWBIT_ERROR_INVALID_STRIDE);
  EXPECT_EQ(lowbit_gemm_run(g, 2, a, 2, c16, 1, nullptr),
            LOWBIT_ERROR_INVALID_STRIDE);
  EXPECT_EQ(lowbit_gemm_run(g, 2, nullptr, 2, c16, 2, nullptr),
            LOWBIT_ERROR_NULL_POINTER);
  EXPECT_EQ(lowbit_gemm_run(g, 0, nullptr, 2, nullptr, 2, nullptr), LOWBIT_OK);
  EXPECT_EQ(lowbit_gemm_run_int64(nullptr, 2, a, 2, c64, 2, nullptr),
            LOWBIT_ERROR_NULL_POINTER);
  // The kernel reads int16 activations, whatever the family's 8-bit one.
  const GemmKernel* k = FindGemmKernel(lowbit_gemm_kernel_name(g));
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->layout.act, ActFormat::kInt16);
  lowbit_gemm_destroy(g);

  Api16 e;
  e.p.input_type = LOWBIT_DTYPE_INT8;
  e.p.output_type = LOWBIT_DTYPE_INT8;
  e.p.requant = LOWBIT_REQUANT_FP32;
  e.p.output_min = -128;
  e.p.output_max = 127;
  ASSERT_EQ(e.Pack(&g), LOWBIT_OK);
  const int8_t a8[2] = {1, 2};
  EXPECT_EQ(lowbit_gemm_run_int64(g, 1, a8, 2, c64, 2, nullptr),
            LOWBIT_ERROR_UNSUPPORTED);
  lowbit_gemm_destroy(g);
}

}  // namespace
}  // namespace lowbit
