// The dynamically quantized GEMM (fp32 in and out, int8 or int4 weights with
// per-channel or blockwise scales): the row quantization against values
// derived by hand, every kernel against the reference bit for bit, and what
// the entry points reject.
#include <gtest/gtest.h>
#include <pthreadpool.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <vector>

#include "gemm_tester.h"
#include "hwy/targets.h"
#include "kernel_test.h"
#include "kernels/dq/qd8.h"
#include "kernels/gemm/kernel_table.h"
#include "kernels/operator/dq_gemm_op.h"
#include "kernels/reference/dq_gemm.h"
#include "lowbit/lowbit.h"

namespace lowbit {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();


struct Quantized {
  std::vector<int8_t> q;
  float scale;
  int32_t zero_point;
};

Quantized QuantizeOne(const std::vector<float>& row) {
  Quantized out{std::vector<int8_t>(row.size()), 0.0f, 0};
  EXPECT_EQ(lowbit_quantize_qd8(1, row.size(), row.data(), row.size(),
                                out.q.data(), row.size(), &out.scale,
                                &out.zero_point),
            LOWBIT_OK)
      << lowbit_last_error();
  return out;
}

// Worked by hand from lowbit.h's formulas.
TEST(Qd8, HandDerivedRows) {
  ForEachHwyTarget([] {
    // lo -1, hi 3: inv 255/4 = 63.75, zp rne(-128 + 63.75) = -64.
    Quantized r = QuantizeOne({-1.0f, 0.0f, 3.0f});
    EXPECT_EQ(r.scale, 4.0f / 255.0f);
    EXPECT_EQ(r.zero_point, -64);
    EXPECT_EQ(r.q, (std::vector<int8_t>{-128, -64, 127}));
    // lo 0 (the range holds zero), hi 2: inv 127.5; 1 * 127.5 is a tie,
    // to even 128, + zp -128 = 0.
    r = QuantizeOne({1.0f, 2.0f});
    EXPECT_EQ(r.zero_point, -128);
    EXPECT_EQ(r.q, (std::vector<int8_t>{0, 127}));
    // lo -2, hi 0: zp rne(-128 + 255) = 127; -1 * 127.5 ties to -128.
    r = QuantizeOne({-2.0f, -1.0f});
    EXPECT_EQ(r.zero_point, 127);
    EXPECT_EQ(r.q, (std::vector<int8_t>{-128, -1}));
    // All zeros (negative zero too): scale 1, zero point 0.
    r = QuantizeOne({0.0f, -0.0f, 0.0f});
    EXPECT_EQ(r.scale, 1.0f);
    EXPECT_EQ(r.zero_point, 0);
    EXPECT_EQ(r.q, (std::vector<int8_t>{0, 0, 0}));
    // One value: it maps to an end of the range.
    r = QuantizeOne(std::vector<float>(37, 5.0f));
    EXPECT_EQ(r.q, std::vector<int8_t>(37, 127));
  });
}

TEST(Qd8, MatchesTheReferenceOnEveryTarget) {
  std::mt19937 rng(7);
  std::vector<std::vector<float>> rows;
  for (size_t k : {1, 3, 15, 16, 17, 64, 100, 1000}) {
    for (float spread : {1e-30f, 1e-3f, 1.0f, 1e3f, 1e30f}) {
      std::uniform_real_distribution<float> dist(-spread, spread * 0.3f);
      std::vector<float> row(k);
      for (float& x : row) x = dist(rng);
      rows.push_back(row);
      for (float& x : row) x = std::fabs(x);
      rows.push_back(row);
    }
  }
  ForEachHwyTarget([&] {
    for (const auto& row : rows) {
      const Qd8Row want = ref::Qd8Params(row.data(), row.size());
      std::vector<int8_t> want_q(row.size());
      ref::Qd8Quantize(row.data(), row.size(), want, want_q.data());
      const Quantized got = QuantizeOne(row);
      ASSERT_EQ(got.scale, want.scale) << "k " << row.size();
      ASSERT_EQ(got.zero_point, want.zero_point) << "k " << row.size();
      ASSERT_EQ(got.q, want_q) << "k " << row.size();
    }
  });
}

TEST(Qd8, NonFiniteRowsAreRejectedBeforeAnyWrite) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (float bad : {nan, kInf, -kInf}) {
    for (size_t at : {0, 5, 16, 40}) {
      std::vector<float> a(2 * 41, 1.0f);
      a[41 + at] = bad;  // row 1
      std::vector<int8_t> q(2 * 41, 42);
      float scales[2] = {-1, -1};
      int32_t zps[2] = {99, 99};
      EXPECT_EQ(lowbit_quantize_qd8(2, 41, a.data(), 41, q.data(), 41, scales,
                                    zps),
                LOWBIT_ERROR_INVALID_ARGUMENT);
      EXPECT_EQ(q, std::vector<int8_t>(2 * 41, 42));
      EXPECT_EQ(scales[0], -1.0f);
    }
  }
  // Finite values whose range overflows float.
  const std::vector<float> wide = {-3e38f, 3e38f};
  int8_t q[2];
  float s;
  int32_t zp;
  EXPECT_EQ(lowbit_quantize_qd8(1, 2, wide.data(), 2, q, 2, &s, &zp),
            LOWBIT_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(lowbit_quantize_qd8(1, 0, wide.data(), 2, q, 2, &s, &zp),
            LOWBIT_ERROR_INVALID_SIZE);
  EXPECT_EQ(lowbit_quantize_qd8(1, 2, wide.data(), 1, q, 2, &s, &zp),
            LOWBIT_ERROR_INVALID_STRIDE);
  EXPECT_EQ(lowbit_quantize_qd8(1, 2, nullptr, 2, q, 2, &s, &zp),
            LOWBIT_ERROR_NULL_POINTER);
}

// Weights W[n][k] (row stride, type, block size G or 0 per channel), their
// scales and bias, the clamp left open.
lowbit_dq_gemm_params DqParams(size_t n, size_t k, lowbit_dtype type,
                               const void* w, size_t stride, size_t block,
                               const float* scales, const float* bias) {
  lowbit_dq_gemm_params p;
  lowbit_dq_gemm_params_init(&p);
  p.n = n;
  p.k = k;
  p.weight_type = type;
  p.weights = w;
  p.weight_stride = stride;
  p.block_size = block;
  p.weight_scales = scales;
  p.bias = bias;
  return p;
}

enum class AFill { kRandom, kZeroRows, kOneSided, kExtremeSpread, kConstant };

// Fluent tester: one dynamically quantized GEMM on one kernel, compared
// with ref::DqGemm bit for bit, the output guarded by canaries.
class DqGemmTester {
 public:
  DqGemmTester& m(size_t v) { m_ = v; return *this; }
  DqGemmTester& n(size_t v) { n_ = v; return *this; }
  DqGemmTester& k(size_t v) { k_ = v; return *this; }
  DqGemmTester& block(size_t v) { block_ = v; return *this; }
  DqGemmTester& int4(bool v) { int4_ = v; return *this; }
  DqGemmTester& strides(size_t extra) { extra_ = extra; return *this; }
  DqGemmTester& bias(bool v) { bias_ = v; return *this; }
  DqGemmTester& clamp(float lo, float hi) {
    lo_ = lo;
    hi_ = hi;
    return *this;
  }
  DqGemmTester& w_fill(Fill f) { w_fill_ = f; return *this; }
  DqGemmTester& a_fill(AFill f) { a_fill_ = f; return *this; }
  DqGemmTester& threads(size_t v) { threads_ = v; return *this; }

  void Test(const GemmKernel& kernel) const {
    std::mt19937 rng(static_cast<unsigned>(m_ * 131 + n_ * 7 + k_));
    const size_t lda = k_ + extra_, ldc = n_ + extra_;
    const size_t wstride = k_ + (int4_ ? 2 * extra_ : extra_);
    std::vector<uint8_t> w =
        int4_ ? FillInt4(n_ * wstride, w_fill_, rng)
              : Fill8(n_ * wstride, LOWBIT_DTYPE_INT8, w_fill_, rng);
    const size_t groups = block_ != 0 ? k_ / block_ : 1;
    std::vector<float> scales(n_ * groups), bias(n_);
    std::uniform_real_distribution<float> unit(0.5f, 2.0f);
    for (float& s : scales) s = unit(rng) * 1e-2f;
    for (float& b : bias) b = unit(rng) - 1.25f;
    std::vector<float> a(m_ * lda);
    std::uniform_real_distribution<float> dist(-3.0f, 2.0f);
    for (size_t i = 0; i < m_; ++i) {
      for (size_t t = 0; t < k_; ++t) {
        float x = dist(rng);
        switch (a_fill_) {
          case AFill::kRandom: break;
          case AFill::kZeroRows: x = i % 2 == 0 ? 0.0f : x; break;
          case AFill::kOneSided: x = i % 2 == 0 ? std::fabs(x) : -std::fabs(x); break;
          case AFill::kExtremeSpread: x = t % 7 == 0 ? x * 1e6f : x * 1e-6f; break;
          case AFill::kConstant: x = i % 2 == 0 ? 2.5f : -2.5f; break;
        }
        a[i * lda + t] = x;
      }
    }
    lowbit_dq_gemm_params p =
        DqParams(n_, k_, int4_ ? LOWBIT_DTYPE_INT4 : LOWBIT_DTYPE_INT8,
                 w.data(), wstride, block_, scales.data(),
                 bias_ ? bias.data() : nullptr);
    p.output_min = lo_;
    p.output_max = hi_;

    lowbit_dq_gemm_t gemm = nullptr;
    ASSERT_EQ(PackDqGemm(&p, kernel, &gemm), LOWBIT_OK) << lowbit_last_error();
    std::unique_ptr<lowbit_dq_gemm, decltype(&lowbit_dq_gemm_destroy)> owner(
        gemm, &lowbit_dq_gemm_destroy);
    EXPECT_STREQ(lowbit_dq_gemm_kernel_name(gemm), kernel.name);

    constexpr size_t kGuard = 16;
    const float canary = -12345.5f;
    const size_t c_count = (m_ - 1) * ldc + n_;
    std::vector<float> c(c_count + 2 * kGuard, canary);
    std::unique_ptr<pthreadpool, PoolDeleter> pool(
        threads_ > 1 ? pthreadpool_create(threads_) : nullptr);
    ASSERT_EQ(lowbit_dq_gemm_run(gemm, m_, a.data(), lda, c.data() + kGuard,
                                 ldc, pool.get()),
              LOWBIT_OK)
        << lowbit_last_error();
    std::vector<float> want(c_count, canary);
    ref::DqGemm(p, m_, a.data(), lda, want.data(), ldc);
    for (size_t i = 0; i < kGuard; ++i) {
      ASSERT_EQ(c[i], canary) << "written before C";
      ASSERT_EQ(c[kGuard + c_count + i], canary) << "written past C";
    }
    for (size_t i = 0; i < m_; ++i) {
      for (size_t j = 0; j < ldc && i * ldc + j < c_count; ++j) {
        const float got = c[kGuard + i * ldc + j];
        const float exp = want[i * ldc + j];
        ASSERT_EQ(std::memcmp(&got, &exp, sizeof(float)), 0)
            << kernel.name << " m " << m_ << " n " << n_ << " k " << k_
            << " block " << block_ << " at (" << i << ", " << j
            << ") expected " << exp << " got " << got;
      }
    }
  }

 private:
  size_t m_ = 1, n_ = 1, k_ = 32, block_ = 0, extra_ = 0, threads_ = 1;
  bool int4_ = false, bias_ = true;
  float lo_ = -kInf, hi_ = kInf;
  Fill w_fill_ = Fill::kRandom;
  AFill a_fill_ = AFill::kRandom;
};

// Every int8 kernel on int8 weights, every int4 kernel on int4 ones.
std::vector<const GemmKernel*> DqKernels() {
  std::vector<const GemmKernel*> all = GemmKernels();
  all.insert(all.end(), Int4GemmKernels().begin(), Int4GemmKernels().end());
  return all;
}

class DqGemmSweep : public KernelTest {
 protected:
  DqGemmTester T() const {
    return DqGemmTester().int4(kernel().layout.nibble_span != 0);
  }
};

TEST_P(DqGemmSweep, PerChannelKSweep) {
  const size_t mr = kernel().mr;
  for (size_t k = 1; k <= 80; k += 3) T().m(mr).n(kernel().layout.nr).k(k).Test(kernel());
  for (size_t k : {127, 256, 771}) T().m(2).n(17).k(k).Test(kernel());
}

TEST_P(DqGemmSweep, BlockwiseMNK) {
  const size_t nr = kernel().layout.nr, mr = kernel().mr;
  for (size_t block : {32, 64, 96}) {
    for (size_t blocks : {1, 2, 5}) {
      for (size_t n : {size_t{1}, nr - 1, nr, nr + 1, 2 * nr + 3}) {
        T().m(3).n(n).k(block * blocks).block(block).Test(kernel());
      }
    }
  }
  for (size_t m = 1; m <= 2 * mr + 1; ++m) {
    T().m(m).n(nr + 5).k(128).block(32).Test(kernel());
  }
  // Tasks of several row tiles (expanded weights where the kernel has them).
  T().m(4 * mr + 3).n(2 * nr + 1).k(192).block(64).Test(kernel());
  // Whole tasks of 16 tiles and a last task of one row (the GEMV form).
  T().m(16 * mr + 1).n(nr + 3).k(96).block(32).Test(kernel());
  T().m(5 * mr).n(nr).k(96).Test(kernel());
}

TEST_P(DqGemmSweep, StridesBiasAndClamps) {
  const size_t nr = kernel().layout.nr;
  T().m(5).n(nr + 3).k(64).block(32).strides(7).Test(kernel());
  T().m(5).n(nr + 3).k(64).block(32).bias(false).Test(kernel());
  T().m(5).n(nr + 3).k(70).clamp(-0.25f, 0.5f).Test(kernel());
  T().m(5).n(nr + 3).k(64).block(32).clamp(0.0f, kInf).Test(kernel());
  T().m(5).n(nr + 3).k(64).block(32).clamp(0.125f, 0.125f).Test(kernel());
}

TEST_P(DqGemmSweep, ExtremeInputs) {
  const size_t mr = kernel().mr, nr = kernel().layout.nr;
  for (Fill w : {Fill::kMin, Fill::kMax, Fill::kRandom}) {
    for (AFill a : {AFill::kZeroRows, AFill::kOneSided, AFill::kExtremeSpread}) {
      T().m(mr + 1).n(nr + 1).k(96).block(32).w_fill(w).a_fill(a).Test(
          kernel());
      T().m(mr + 1).n(nr + 1).k(97).w_fill(w).a_fill(a).Test(kernel());
    }
  }
}

// One block at the exact-accumulation limit (lowbit.h): weights at their
// minimum and constant rows, q - zp = 255 and -255 throughout, so the sums
// reach -255 * 128 * K and +255 * 128 * K (int8; 8 for int4), just inside
// int32.
TEST_P(DqGemmSweep, BlockAtTheInt32Limit) {
  const bool int4 = kernel().layout.nibble_span != 0;
  const size_t k = int4 ? 1052688 : 65793;
  T().m(2).n(3).k(k).w_fill(Fill::kMin).a_fill(AFill::kConstant).Test(
      kernel());
}

TEST_P(DqGemmSweep, ThreadCounts) {
  const size_t mr = kernel().mr, nr = kernel().layout.nr;
  for (size_t threads : {2, 3}) {
    T().m(6 * mr + 1).n(3 * nr + 2).k(128).block(32).threads(threads).Test(
        kernel());
    T().m(1).n(5 * nr).k(64).threads(threads).Test(kernel());
  }
}

INSTANTIATE_TEST_SUITE_P(Kernels, DqGemmSweep, ::testing::ValuesIn(DqKernels()),
                         KernelName);

lowbit_dq_gemm_params ValidParams(const int8_t* w, const float* scales) {
  return DqParams(2, 64, LOWBIT_DTYPE_INT8, w, 64, 32, scales, nullptr);
}

TEST(DqGemmApi, PackRunAndReject) {
  std::vector<int8_t> w(2 * 64, 3);
  std::vector<float> scales(4, 0.5f);
  lowbit_dq_gemm_params p = ValidParams(w.data(), scales.data());
  lowbit_dq_gemm_t gemm = nullptr;
  ASSERT_EQ(lowbit_dq_gemm_pack(&p, &gemm), LOWBIT_OK) << lowbit_last_error();
  std::unique_ptr<lowbit_dq_gemm, decltype(&lowbit_dq_gemm_destroy)> owner(
      gemm, &lowbit_dq_gemm_destroy);
  EXPECT_NE(std::strstr(lowbit_dq_gemm_kernel_name(gemm), "gemm"), nullptr);

  std::vector<float> a(3 * 64, 0.25f), c(3 * 2, -1.0f), want(3 * 2);
  a[5] = -1.0f;
  ASSERT_EQ(lowbit_dq_gemm_run(gemm, 3, a.data(), 64, c.data(), 2, nullptr),
            LOWBIT_OK);
  ref::DqGemm(p, 3, a.data(), 64, want.data(), 2);
  EXPECT_EQ(std::memcmp(c.data(), want.data(), sizeof(float) * 6), 0);

  // Run-time rejects, nothing written.
  std::vector<float> before = c;
  a[64 + 9] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(lowbit_dq_gemm_run(gemm, 3, a.data(), 64, c.data(), 2, nullptr),
            LOWBIT_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(c, before);
  EXPECT_EQ(lowbit_dq_gemm_run(gemm, 3, a.data(), 63, c.data(), 2, nullptr),
            LOWBIT_ERROR_INVALID_STRIDE);
  EXPECT_EQ(lowbit_dq_gemm_run(gemm, 3, a.data(), 64, c.data(), 1, nullptr),
            LOWBIT_ERROR_INVALID_STRIDE);
  EXPECT_EQ(lowbit_dq_gemm_run(gemm, 3, nullptr, 64, c.data(), 2, nullptr),
            LOWBIT_ERROR_NULL_POINTER);
  EXPECT_EQ(lowbit_dq_gemm_run(nullptr, 3, a.data(), 64, c.data(), 2, nullptr),
            LOWBIT_ERROR_NULL_POINTER);
  EXPECT_EQ(lowbit_dq_gemm_run(gemm, 0, nullptr, 64, nullptr, 2, nullptr),
            LOWBIT_OK);
  EXPECT_EQ(c, before);

  // Pack-time rejects.
  auto expect = [&](lowbit_dq_gemm_params q, lowbit_status status) {
    lowbit_dq_gemm_t g = nullptr;
    EXPECT_EQ(lowbit_dq_gemm_pack(&q, &g), status) << lowbit_last_error();
    EXPECT_EQ(g, nullptr);
    EXPECT_STRNE(lowbit_last_error(), "");
  };
  lowbit_dq_gemm_params q = p;
  q.weights = nullptr;
  expect(q, LOWBIT_ERROR_NULL_POINTER);
  q = p;
  q.weight_scales = nullptr;
  expect(q, LOWBIT_ERROR_NULL_POINTER);
  q = p;
  q.k = 0;
  expect(q, LOWBIT_ERROR_INVALID_SIZE);
  q = p;
  q.block_size = 48;  // not a multiple of 32
  expect(q, LOWBIT_ERROR_INVALID_SIZE);
  q = p;
  q.k = 48;
  q.block_size = 32;  // does not divide k
  expect(q, LOWBIT_ERROR_INVALID_SIZE);
  q = p;
  q.weight_stride = 63;
  expect(q, LOWBIT_ERROR_INVALID_STRIDE);
  q = p;
  q.weight_type = LOWBIT_DTYPE_UINT8;
  expect(q, LOWBIT_ERROR_UNSUPPORTED);
  for (float bad : {0.0f, -1.0f, kInf, std::numeric_limits<float>::quiet_NaN()}) {
    std::vector<float> s = scales;
    s[3] = bad;
    q = p;
    q.weight_scales = s.data();
    expect(q, LOWBIT_ERROR_INVALID_SCALE);
  }
  std::vector<float> bias = {1.0f, std::numeric_limits<float>::quiet_NaN()};
  q = p;
  q.bias = bias.data();
  expect(q, LOWBIT_ERROR_INVALID_ARGUMENT);
  q = p;
  q.output_min = 1.0f;
  q.output_max = 0.0f;
  expect(q, LOWBIT_ERROR_INVALID_RANGE);
  q = p;
  q.output_max = std::numeric_limits<float>::quiet_NaN();
  expect(q, LOWBIT_ERROR_INVALID_RANGE);
  // Blocks beyond the exact int32 limit (checked before any weight is read).
  q = p;
  q.n = 1;
  q.k = 65794;
  q.weight_stride = 65794;
  q.block_size = 0;
  expect(q, LOWBIT_ERROR_K_TOO_LARGE);
  q.k = 65793;
  q.weight_stride = 65793;
  std::vector<int8_t> big(65793, -128);
  q.weights = big.data();
  lowbit_dq_gemm_t g = nullptr;
  EXPECT_EQ(lowbit_dq_gemm_pack(&q, &g), LOWBIT_OK) << lowbit_last_error();
  lowbit_dq_gemm_destroy(g);
  EXPECT_EQ(lowbit_dq_gemm_pack(nullptr, &g), LOWBIT_ERROR_NULL_POINTER);
  lowbit_dq_gemm_destroy(nullptr);
}


// Rows are quantized on the pool's threads: a run with bad rows reports
// the first one whatever the threads did first, and writes nothing.
TEST(DqGemmApi, RejectsTheFirstBadRowAtThreadCounts) {
  std::vector<int8_t> w(2 * 64, 3);
  std::vector<float> scales(4, 0.5f);
  const lowbit_dq_gemm_params p = ValidParams(w.data(), scales.data());
  lowbit_dq_gemm_t gemm = nullptr;
  ASSERT_EQ(lowbit_dq_gemm_pack(&p, &gemm), LOWBIT_OK) << lowbit_last_error();
  std::unique_ptr<lowbit_dq_gemm, decltype(&lowbit_dq_gemm_destroy)> owner(
      gemm, &lowbit_dq_gemm_destroy);
  constexpr size_t m = 40;
  std::vector<float> a(m * 64);
  for (size_t i = 0; i < a.size(); ++i) a[i] = 0.01f * (i % 97) - 0.3f;
  for (size_t threads : {2, 3}) {
    std::unique_ptr<pthreadpool, PoolDeleter> pool(pthreadpool_create(threads));
    std::vector<float> c(m * 2, -7.0f), want(m * 2);
    ASSERT_EQ(lowbit_dq_gemm_run(gemm, m, a.data(), 64, c.data(), 2,
                                 pool.get()),
              LOWBIT_OK);
    ref::DqGemm(p, m, a.data(), 64, want.data(), 2);
    EXPECT_EQ(std::memcmp(c.data(), want.data(), c.size() * 4), 0);
    std::vector<float> bad = a;
    bad[31 * 64 + 2] = std::numeric_limits<float>::quiet_NaN();
    bad[20 * 64 + 60] = kInf;
    bad[7 * 64 + 63] = -kInf;
    const std::vector<float> before = c;
    EXPECT_EQ(lowbit_dq_gemm_run(gemm, m, bad.data(), 64, c.data(), 2,
                                 pool.get()),
              LOWBIT_ERROR_INVALID_ARGUMENT);
    EXPECT_NE(std::strstr(lowbit_last_error(), "row 7 "), nullptr)
        << lowbit_last_error();
    EXPECT_EQ(c, before);
  }
}

// A kernel that reads unsigned activations (kUint8: A_u = q + 128) runs
// the blockwise form from per-block start values it computes itself: the
// operator relies on both forms being there.
TEST(DqGemmKernels, UnsignedFormKernelsHaveTheBlockSums) {
  for (const GemmKernel* kernel : DqKernels()) {
    if (kernel->layout.act != ActFormat::kUint8) continue;
    EXPECT_NE(kernel->dq_block_sums, nullptr) << kernel->name;
  }
}

// lowbit.h's blockwise formula written out here, one float operation per
// statement (volatile: each rounded once, nothing fused), from the row
// parameters lowbit_quantize_qd8 gives, on rows whose zero point is far
// from 0 and sums large enough to round: the reference and every kernel
// agree with it bit for bit.
TEST(DqGemmApi, BlockwiseFormulaAsDocumented) {
  constexpr size_t m = 3, n = 5, k = 96, g = 32, blocks = k / g;
  std::mt19937 rng(99);
  std::uniform_int_distribution<int> wd(-128, 127);
  std::uniform_real_distribution<float> ad(-0.3f, 5.0f), sd(1e-3f, 1.0f);
  std::vector<int8_t> w(n * k);
  for (int8_t& x : w) x = static_cast<int8_t>(wd(rng));
  std::vector<float> scales(n * blocks), bias(n), a(m * k);
  for (float& s : scales) s = sd(rng);
  for (float& b : bias) b = sd(rng) - 0.5f;
  for (float& x : a) x = ad(rng);
  std::vector<int8_t> q(m * k);
  float row_scale[m];
  int32_t zp[m];
  ASSERT_EQ(lowbit_quantize_qd8(m, k, a.data(), k, q.data(), k, row_scale, zp),
            LOWBIT_OK);
  std::vector<float> want(m * n);
  bool rounded = false;
  for (size_t i = 0; i < m; ++i) {
    EXPECT_LT(zp[i], -90) << "rows mostly positive: zp far from 0";
    for (size_t j = 0; j < n; ++j) {
      volatile float d = 0.0f, z = 0.0f;
      for (size_t b = 0; b < blocks; ++b) {
        int32_t acc = 0, wsum = 0;
        for (size_t t = b * g; t < (b + 1) * g; ++t) {
          acc += int32_t{q[i * k + t]} * w[j * k + t];
          wsum += w[j * k + t];
        }
        const float s = scales[j * blocks + b];
        volatile float term = static_cast<float>(acc) * s;
        d = d + term;
        volatile float zterm = static_cast<float>(wsum) * s;
        z = z + zterm;
      }
      volatile float zp_term = static_cast<float>(zp[i]) * z;
      volatile float dz = d - zp_term;
      volatile float scaled = dz * row_scale[i];
      want[i * n + j] = scaled + bias[j];
      rounded |= static_cast<double>(dz) !=
                 static_cast<double>(d) - static_cast<double>(zp_term);
    }
  }
  EXPECT_TRUE(rounded) << "no subtraction rounded: the case checks no order";
  const lowbit_dq_gemm_params p = DqParams(
      n, k, LOWBIT_DTYPE_INT8, w.data(), k, g, scales.data(), bias.data());
  std::vector<float> ref_c(m * n);
  ref::DqGemm(p, m, a.data(), k, ref_c.data(), n);
  EXPECT_EQ(std::memcmp(ref_c.data(), want.data(), want.size() * 4), 0);
  for (const GemmKernel* kernel : GemmKernels()) {
    if (!CpuSupports(*kernel)) continue;  // the sweep reports the skip
    lowbit_dq_gemm_t gemm = nullptr;
    ASSERT_EQ(PackDqGemm(&p, *kernel, &gemm), LOWBIT_OK) << lowbit_last_error();
    std::vector<float> c(m * n);
    ASSERT_EQ(lowbit_dq_gemm_run(gemm, m, a.data(), k, c.data(), n, nullptr),
              LOWBIT_OK);
    lowbit_dq_gemm_destroy(gemm);
    EXPECT_EQ(std::memcmp(c.data(), want.data(), want.size() * 4), 0)
        << kernel->name;
  }
}

// The handle's size (lowbit_dq_gemm_packed_size): with N a whole number of
// the kernel's channel blocks, int4 weights take at most 0.5 + 4 / G + 8 /
// K bytes each (nibbles, a scale per block, and per channel the bias and
// one word of weight sums), G = K per channel; int8 ones 1 + 4 / G + 8 / K.
TEST(DqGemmApi, PackedSizeStaysWithinItsBound) {
  for (const GemmKernel* kernel : DqKernels()) {
    if (!CpuSupports(*kernel)) continue;
    const bool int4 = kernel->layout.nibble_span != 0;
    const size_t n = 2 * kernel->layout.nr;
    for (size_t g : {size_t{0}, size_t{32}, size_t{128}}) {
      const size_t k = 512;
      const size_t groups = g != 0 ? k / g : 1;
      std::vector<uint8_t> w(n * k, 0x35);
      std::vector<float> scales(n * groups, 0.5f), bias(n, 1.0f);
      const lowbit_dq_gemm_params p =
          DqParams(n, k, int4 ? LOWBIT_DTYPE_INT4 : LOWBIT_DTYPE_INT8,
                   w.data(), k, g, scales.data(), bias.data());
      lowbit_dq_gemm_t gemm = nullptr;
      ASSERT_EQ(PackDqGemm(&p, *kernel, &gemm), LOWBIT_OK)
          << lowbit_last_error();
      const double per_weight = (int4 ? 0.5 : 1.0) + 4.0 / (g != 0 ? g : k) +
                                8.0 / k;
      const size_t bytes = lowbit_dq_gemm_packed_size(gemm);
      EXPECT_LE(static_cast<double>(bytes), per_weight * n * k)
          << kernel->name << " G " << g;
      EXPECT_GE(bytes, n * k / (int4 ? 2 : 1)) << kernel->name;
      lowbit_dq_gemm_destroy(gemm);
    }
  }
  EXPECT_EQ(lowbit_dq_gemm_packed_size(nullptr), 0u);
}

}  // namespace
}  // namespace lowbit
