#include "tests/gemm_tester.h"

#include <gtest/gtest.h>
#include <pthreadpool.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <random>
#include <sstream>
#include <vector>

#include "kernels/operator/gemm_op.h"
#include "kernels/reference/gemm.h"
#include "kernels/reference/requant.h"

namespace lowbit {
namespace {

constexpr size_t kGuard = 64;         // canary bytes before and after C
constexpr uint8_t kCanary = 0xA5;

}  // namespace

void TypeRange(lowbit_dtype t, int32_t* lo, int32_t* hi) {
  *lo = t == LOWBIT_DTYPE_UINT8 ? 0 : -128;
  *hi = t == LOWBIT_DTYPE_UINT8 ? 255 : 127;
}

std::vector<uint8_t> Fill8(size_t count, lowbit_dtype t, Fill fill,
                           std::mt19937& rng) {
  int32_t lo, hi;
  TypeRange(t, &lo, &hi);
  std::uniform_int_distribution<int32_t> dist(lo, hi);
  std::vector<uint8_t> v(count);
  for (auto& x : v) {
    const int32_t value =
        fill == Fill::kMin ? lo : fill == Fill::kMax ? hi : dist(rng);
    x = static_cast<uint8_t>(value);
  }
  return v;
}

std::vector<uint8_t> FillInt4(size_t count, Fill fill, std::mt19937& rng) {
  std::uniform_int_distribution<int32_t> dist(-8, 7);
  std::vector<uint8_t> v((count + 1) / 2, 0);
  for (size_t i = 0; i < count; ++i) {
    const int32_t value =
        fill == Fill::kMin ? -8 : fill == Fill::kMax ? 7 : dist(rng);
    v[i / 2] |= static_cast<uint8_t>((value & 0xF) << (i % 2 * 4));
  }
  return v;
}

void GemmTester::Test(const GemmKernel& kernel) const {
  std::mt19937 rng(seed_);
  const size_t lda = a_stride_ != 0 ? a_stride_ : k_;
  const size_t ldw = w_stride_ != 0 ? w_stride_ : k_;
  const size_t ldc = c_stride_ != 0 ? c_stride_ : n_;
  const size_t c_elem = raw_int32_ ? sizeof(int32_t) : 1;

  const std::vector<uint8_t> a =
      Fill8((m_ - 1) * lda + k_, input_type_, a_fill_, rng);
  const bool int4 = weight_type_ == LOWBIT_DTYPE_INT4;
  const std::vector<uint8_t> w =
      int4 ? FillInt4((n_ - 1) * ldw + k_, w_fill_, rng)
           : Fill8((n_ - 1) * ldw + k_, weight_type_, w_fill_, rng);
  std::vector<int32_t> bias(n_);
  std::uniform_int_distribution<int32_t> bias_dist(-20000, 20000);
  for (auto& b : bias) b = bias_dist(rng);

  // Scales that put typical outputs across the output range: the random
  // accumulator's spread is about 75^2 * sqrt(k) (75 * 4.6 * sqrt(k) for
  // int4 weights).
  const float input_scale = 0.5f;
  std::vector<float> weight_scales(per_channel_ ? n_ : 1);
  std::uniform_real_distribution<float> ws_dist(0.5f, 2.0f);
  for (auto& s : weight_scales) s = ws_dist(rng);
  const float spread =
      75.0f * (int4 ? 4.6f : 75.0f) * std::sqrt(static_cast<float>(k_));
  const float output_scale = input_scale * spread / 60.0f / scale_factor_;

  lowbit_gemm_params p;
  lowbit_gemm_params_init(&p);
  p.n = n_;
  p.k = k_;
  p.input_type = input_type_;
  p.weight_type = weight_type_;
  p.output_type = output_type_;
  p.requant = requant_;
  p.weights = w.data();
  p.weight_stride = ldw;
  p.bias = bias_ ? bias.data() : nullptr;
  p.input_scale = input_scale;
  p.input_zero_point = za_;
  p.weight_scales = weight_scales.data();
  p.weight_scale_count = weight_scales.size();
  p.weight_zero_point = zw_;
  p.output_scale = output_scale;
  p.output_zero_point = zo_;
  std::vector<int32_t> multipliers, shifts;
  if (caller_multipliers_) {
    std::uniform_int_distribution<int32_t> nudge(-100000, 100000);
    for (float ws : weight_scales) {
      int32_t m = 0, s = 0;
      EXPECT_TRUE(ref::QuantizeMultiplier(
          static_cast<double>(input_scale * ws) / output_scale, &m, &s));
      const int64_t moved = int64_t{m} + nudge(rng);
      multipliers.push_back(static_cast<int32_t>(
          std::min<int64_t>(std::max<int64_t>(moved, int64_t{1} << 30),
                            (int64_t{1} << 31) - 1)));
      shifts.push_back(s);
    }
    p.requant_multipliers = multipliers.data();
    p.requant_shifts = shifts.data();
    p.requant_multiplier_count = multipliers.size();
    p.weight_scales = nullptr;
  }
  TypeRange(output_type_, &p.output_min, &p.output_max);
  if (has_clamp_) {
    p.output_min = qmin_;
    p.output_max = qmax_;
  }

  std::ostringstream problem;
  problem << "kernel " << kernel.name << ", m=" << m_ << " n=" << n_
          << " k=" << k_ << " lda=" << lda << " ldc=" << ldc
          << " requant=" << requant_ << " in/w/out types=" << input_type_
          << "/" << weight_type_ << "/" << output_type_ << " za=" << za_
          << " zw=" << zw_ << " zo=" << zo_ << " clamp=[" << p.output_min
          << "," << p.output_max << "] raw=" << raw_int32_
          << " threads=" << threads_ << " k_part_groups=" << k_part_groups_
          << " caller_multipliers=" << caller_multipliers_
          << " converted=" << converted_;

  lowbit_gemm_t gemm = nullptr;
  ASSERT_EQ(PackGemm(&p, kernel, &gemm), LOWBIT_OK)
      << problem.str() << ": " << lowbit_last_error();
  std::unique_ptr<lowbit_gemm, decltype(&lowbit_gemm_destroy)> owner(
      gemm, &lowbit_gemm_destroy);

  const size_t c_bytes = ((m_ - 1) * ldc + n_) * c_elem;
  std::vector<uint8_t> c(c_bytes + 2 * kGuard, kCanary);
  uint8_t* c_data = c.data() + kGuard;
  std::unique_ptr<pthreadpool, PoolDeleter> pool(
      threads_ > 1 ? pthreadpool_create(threads_) : nullptr);
  SetGemmKPartGroupsForTesting(k_part_groups_);
  SetGemmNoDirectForTesting(converted_);
  const lowbit_status status =
      raw_int32_ ? lowbit_gemm_run_int32(gemm, m_, a.data(), lda,
                                         reinterpret_cast<int32_t*>(c_data),
                                         ldc, pool.get())
                 : lowbit_gemm_run(gemm, m_, a.data(), lda, c_data, ldc,
                                   pool.get());
  SetGemmKPartGroupsForTesting(0);
  SetGemmNoDirectForTesting(false);
  ASSERT_EQ(status, LOWBIT_OK) << problem.str() << ": " << lowbit_last_error();

  // The reference writes into its own buffer; gaps between rows keep the
  // canary so a write past a row shows.
  std::vector<uint8_t> expected(c_bytes, kCanary);
  if (raw_int32_) {
    std::vector<int32_t> acc(m_ * n_);
    ref::GemmAccumulators(p, m_, a.data(), lda, acc.data(), n_);
    for (size_t i = 0; i < m_; ++i) {
      std::memcpy(expected.data() + i * ldc * 4, acc.data() + i * n_, n_ * 4);
    }
  } else {
    std::vector<uint8_t> out(m_ * n_);
    ref::Gemm(p, m_, a.data(), lda, out.data(), n_);
    for (size_t i = 0; i < m_; ++i) {
      std::memcpy(expected.data() + i * ldc, out.data() + i * n_, n_);
    }
  }

  for (size_t g = 0; g < kGuard; ++g) {
    ASSERT_EQ(c[g], kCanary) << problem.str() << ": write before C";
    ASSERT_EQ(c[kGuard + c_bytes + g], kCanary)
        << problem.str() << ": write after C";
  }
  for (size_t i = 0; i < m_; ++i) {
    for (size_t j = 0; j < ldc && i * ldc + j < (m_ - 1) * ldc + n_; ++j) {
      const size_t at = (i * ldc + j) * c_elem;
      if (std::memcmp(c_data + at, expected.data() + at, c_elem) == 0) continue;
      int64_t want = 0, got = 0;
      if (raw_int32_) {
        int32_t x, y;
        std::memcpy(&x, expected.data() + at, 4);
        std::memcpy(&y, c_data + at, 4);
        want = x;
        got = y;
      } else if (output_type_ == LOWBIT_DTYPE_UINT8) {
        want = expected[at];
        got = c_data[at];
      } else {
        want = static_cast<int8_t>(expected[at]);
        got = static_cast<int8_t>(c_data[at]);
      }
      FAIL() << problem.str() << ": at (" << i << ", " << j << ")"
             << (j >= n_ ? " (row padding, must stay untouched)" : "")
             << " expected " << want << ", got " << got;
    }
  }
}

}  // namespace lowbit
