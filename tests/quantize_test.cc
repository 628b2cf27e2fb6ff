// The quantization toolkit (lowbit.h): parameters from ranges, quantize,
// dequantize and SQNR on hand-derived values and edge cases.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "lowbit/lowbit.h"
#include "lowbit/lowbit.hpp"

namespace {

lowbit_qparams Choose(float lo, float hi, lowbit_dtype t, int symmetric) {
  lowbit_qparams p{-1.0f, -1};
  EXPECT_EQ(lowbit_choose_qparams(lo, hi, t, symmetric, &p), LOWBIT_OK)
      << lowbit_last_error();
  return p;
}

TEST(QuantParams, AsymmetricNudgesZeroOntoTheGrid) {
  // [-1, 1] on uint8: scale 2/255; both zero points are 127.5, the one
  // from min has the smaller error (0 + 127.5 < 255 + 127.5): rounds to 128.
  lowbit_qparams p = Choose(-1.0f, 1.0f, LOWBIT_DTYPE_UINT8, 0);
  EXPECT_EQ(p.scale, static_cast<float>(2.0 / 255.0));
  EXPECT_EQ(p.zero_point, 128);
  // On int8 the one from max wins (127 + 127.5 < 128 + 127.5): -0.5 rounds
  // half away from zero to -1.
  p = Choose(-1.0f, 1.0f, LOWBIT_DTYPE_INT8, 0);
  EXPECT_EQ(p.scale, static_cast<float>(2.0 / 255.0));
  EXPECT_EQ(p.zero_point, -1);
  // [-0.5, 1.5] on uint8: scale 2/255, from min 63.75 -> 64.
  p = Choose(-0.5f, 1.5f, LOWBIT_DTYPE_UINT8, 0);
  EXPECT_EQ(p.zero_point, 64);
}

TEST(QuantParams, RangeWidenedToContainZero) {
  lowbit_qparams p = Choose(2.0f, 5.0f, LOWBIT_DTYPE_UINT8, 0);
  EXPECT_EQ(p.scale, static_cast<float>(5.0 / 255.0));
  EXPECT_EQ(p.zero_point, 0);
  p = Choose(-5.0f, -2.0f, LOWBIT_DTYPE_INT8, 0);
  EXPECT_EQ(p.scale, static_cast<float>(5.0 / 255.0));
  EXPECT_EQ(p.zero_point, 127);
}

TEST(QuantParams, AllZeroAndSinglePointRanges) {
  lowbit_qparams p = Choose(0.0f, 0.0f, LOWBIT_DTYPE_UINT8, 0);
  EXPECT_EQ(p.scale, 1.0f);
  EXPECT_EQ(p.zero_point, 0);
  p = Choose(0.0f, 0.0f, LOWBIT_DTYPE_INT8, 1);
  EXPECT_EQ(p.scale, 1.0f);
  EXPECT_EQ(p.zero_point, 0);
  // min = max != 0 widens to [0, 3].
  p = Choose(3.0f, 3.0f, LOWBIT_DTYPE_UINT8, 0);
  EXPECT_EQ(p.scale, static_cast<float>(3.0 / 255.0));
  EXPECT_EQ(p.zero_point, 0);
}

TEST(QuantParams, SymmetricRanges) {
  lowbit_qparams p = Choose(-3.0f, 1.0f, LOWBIT_DTYPE_INT8, 1);
  EXPECT_EQ(p.scale, static_cast<float>(3.0 / 127.0));
  EXPECT_EQ(p.zero_point, 0);
  p = Choose(-0.5f, 0.7f, LOWBIT_DTYPE_INT4, 1);
  EXPECT_EQ(p.scale, static_cast<float>(static_cast<double>(0.7f) / 7.0));
  p = Choose(-2.0f, 1.0f, LOWBIT_DTYPE_INT16, 1);
  EXPECT_EQ(p.scale, static_cast<float>(2.0 / 32767.0));
}

TEST(QuantParams, BadInputIsAStatus) {
  lowbit_qparams p{1.0f, 0};
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(lowbit_choose_qparams(nan, 1.0f, LOWBIT_DTYPE_INT8, 0, &p),
            LOWBIT_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(lowbit_choose_qparams(0.0f, inf, LOWBIT_DTYPE_INT8, 0, &p),
            LOWBIT_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(lowbit_choose_qparams(2.0f, 1.0f, LOWBIT_DTYPE_INT8, 0, &p),
            LOWBIT_ERROR_INVALID_RANGE);
  EXPECT_EQ(lowbit_choose_qparams(0.0f, 1.0f, LOWBIT_DTYPE_UINT8, 1, &p),
            LOWBIT_ERROR_UNSUPPORTED);
  EXPECT_EQ(lowbit_choose_qparams(0.0f, 1.0f, LOWBIT_DTYPE_INT4, 0, &p),
            LOWBIT_ERROR_UNSUPPORTED);
  EXPECT_EQ(lowbit_choose_qparams(0.0f, 1.0f, LOWBIT_DTYPE_INT8, 0, nullptr),
            LOWBIT_ERROR_NULL_POINTER);
  EXPECT_EQ(p.scale, 1.0f);  // untouched
}

TEST(Quantize, RoundsHalfAwayFromZeroAndClamps) {
  const lowbit_qparams p{0.5f, 3};
  const float x[] = {1.25f, -1.25f, 0.0f, 1000.0f, -1000.0f, 0.24f};
  uint8_t q[6];
  ASSERT_EQ(lowbit_quantize(6, x, &p, LOWBIT_DTYPE_UINT8, q), LOWBIT_OK);
  // 2.5 -> 3 (+3 = 6); -2.5 -> -3 (+3 = 0); 0 -> 3; clamps; 0.48 -> 0 (+3).
  const uint8_t want[] = {6, 0, 3, 255, 0, 3};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(q[i], want[i]) << i;
  int8_t q8[6];
  ASSERT_EQ(lowbit_quantize(6, x, &p, LOWBIT_DTYPE_INT8, q8), LOWBIT_OK);
  const int8_t want8[] = {6, 0, 3, 127, -128, 3};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(q8[i], want8[i]) << i;
}

TEST(Quantize, Int4PacksLowNibbleFirst) {
  const lowbit_qparams p{1.0f, 0};
  const float x[] = {-8.0f, 7.0f, 1.0f, -100.0f, 100.0f};
  uint8_t q[3] = {0xFF, 0xFF, 0xFF};
  ASSERT_EQ(lowbit_quantize(5, x, &p, LOWBIT_DTYPE_INT4, q), LOWBIT_OK);
  EXPECT_EQ(q[0], 0x78);  // -8 low, 7 high
  EXPECT_EQ(q[1], 0x81);  // 1 low, -8 (clamped -100) high
  EXPECT_EQ(q[2], 0x07);  // 7 (clamped 100), high nibble 0
  float back[5];
  ASSERT_EQ(lowbit_dequantize(5, q, LOWBIT_DTYPE_INT4, &p, back), LOWBIT_OK);
  const float want[] = {-8.0f, 7.0f, 1.0f, -8.0f, 7.0f};
  for (int i = 0; i < 5; ++i) EXPECT_EQ(back[i], want[i]) << i;
}

TEST(Quantize, Int16AndRoundTrip) {
  lowbit_qparams p = Choose(-2.0f, 2.0f, LOWBIT_DTYPE_INT16, 1);
  std::vector<float> x(1000);
  for (size_t i = 0; i < x.size(); ++i) {
    x[i] = -2.0f + 4.0f * static_cast<float>(i) / 999.0f;
  }
  std::vector<int16_t> q(x.size());
  ASSERT_EQ(
      lowbit_quantize(x.size(), x.data(), &p, LOWBIT_DTYPE_INT16, q.data()),
      LOWBIT_OK);
  std::vector<float> back(x.size());
  ASSERT_EQ(lowbit_dequantize(x.size(), q.data(), LOWBIT_DTYPE_INT16, &p,
                              back.data()),
            LOWBIT_OK);
  for (size_t i = 0; i < x.size(); ++i) {
    // Within half a step (plus the float rounding of the division).
    EXPECT_LE(std::fabs(back[i] - x[i]), 0.5f * p.scale * 1.0001f) << i;
    EXPECT_EQ(back[i], static_cast<float>(q[i]) * p.scale);
  }
}

TEST(Quantize, BadInputWritesNothing) {
  const lowbit_qparams p{0.5f, 0};
  const float x[] = {1.0f, std::numeric_limits<float>::quiet_NaN()};
  int8_t q[2] = {9, 9};
  EXPECT_EQ(lowbit_quantize(2, x, &p, LOWBIT_DTYPE_INT8, q),
            LOWBIT_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(q[0], 9);
  const lowbit_qparams zero_scale{0.0f, 0};
  EXPECT_EQ(lowbit_quantize(1, x, &zero_scale, LOWBIT_DTYPE_INT8, q),
            LOWBIT_ERROR_INVALID_SCALE);
  const lowbit_qparams bad_zp{1.0f, 300};
  EXPECT_EQ(lowbit_quantize(1, x, &bad_zp, LOWBIT_DTYPE_INT8, q),
            LOWBIT_ERROR_INVALID_ZERO_POINT);
  EXPECT_EQ(lowbit_quantize(1, x, &p, LOWBIT_DTYPE_INT32, q),
            LOWBIT_ERROR_UNSUPPORTED);
  EXPECT_EQ(lowbit_quantize(1, nullptr, &p, LOWBIT_DTYPE_INT8, q),
            LOWBIT_ERROR_NULL_POINTER);
  EXPECT_EQ(lowbit_quantize(0, nullptr, &p, LOWBIT_DTYPE_INT8, nullptr),
            LOWBIT_OK);
}

TEST(Sqnr, HandDerivedValues) {
  // x = {1, -1}, step 0.5: exact, infinite SQNR.
  const lowbit_qparams p{0.5f, 0};
  const float x[] = {1.0f, -1.0f};
  int8_t q[2];
  ASSERT_EQ(lowbit_quantize(2, x, &p, LOWBIT_DTYPE_INT8, q), LOWBIT_OK);
  double db = 0.0;
  ASSERT_EQ(lowbit_sqnr(2, x, q, LOWBIT_DTYPE_INT8, &p, &db), LOWBIT_OK);
  EXPECT_TRUE(std::isinf(db) && db > 0);
  // x = {1.1, 3}: q = {1, 3} at scale 1: signal 1.21 + 9, noise 0.01.
  const lowbit_qparams unit{1.0f, 0};
  const float y[] = {1.1f, 3.0f};
  const int8_t qy[] = {1, 3};
  ASSERT_EQ(lowbit_sqnr(2, y, qy, LOWBIT_DTYPE_INT8, &unit, &db), LOWBIT_OK);
  const double e = static_cast<double>(1.1f) - 1.0;
  const double want =
      10.0 * std::log10((static_cast<double>(1.1f) * 1.1f + 9.0) / (e * e));
  EXPECT_EQ(db, want);
  EXPECT_NEAR(db, 10.0 * std::log10(10.21 / 0.01), 1e-4);
  // Zero signal, nonzero noise: -inf.
  const float z[] = {0.0f};
  const int8_t qz[] = {1};
  ASSERT_EQ(lowbit_sqnr(1, z, qz, LOWBIT_DTYPE_INT8, &unit, &db), LOWBIT_OK);
  EXPECT_TRUE(std::isinf(db) && db < 0);
  EXPECT_EQ(lowbit_sqnr(0, z, qz, LOWBIT_DTYPE_INT8, &unit, &db),
            LOWBIT_ERROR_INVALID_SIZE);
}

}  // namespace

namespace {

TEST(QuantizeWeights, PerChannelSymmetric) {
  // Channel 0: max |w| 2 -> scale 2/127; channel 1 all zero -> scale 1.
  const float w[] = {2.0f, -1.0f, 0.5f, 0.0f, 0.0f, 0.0f};
  float scales[2];
  int8_t q[6];
  ASSERT_EQ(lowbit_quantize_weights(2, 3, w, LOWBIT_DTYPE_INT8, 1, scales, q),
            LOWBIT_OK);
  EXPECT_EQ(scales[0], static_cast<float>(2.0 / 127.0));
  EXPECT_EQ(scales[1], 1.0f);
  // 2 / (2/127) = 127; -1 -> -63.5 -> -64 (half away); 0.5 -> 31.75 -> 32.
  const int8_t want[] = {127, -64, 32, 0, 0, 0};
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(q[i], want[i]) << i;
    EXPECT_EQ(q[i], static_cast<int8_t>(std::round(w[i] / scales[i / 3])));
  }
  // Per tensor: one scale for both.
  float scale = 0.0f;
  ASSERT_EQ(lowbit_quantize_weights(2, 3, w, LOWBIT_DTYPE_INT8, 0, &scale, q),
            LOWBIT_OK);
  EXPECT_EQ(scale, static_cast<float>(2.0 / 127.0));
}

TEST(QuantizeWeights, Int4PackedAndInt16) {
  const float w[] = {0.7f, -0.7f, 0.1f};
  float scale = 0.0f;
  uint8_t q4[2] = {0xFF, 0xFF};
  ASSERT_EQ(lowbit_quantize_weights(1, 3, w, LOWBIT_DTYPE_INT4, 1, &scale, q4),
            LOWBIT_OK);
  EXPECT_EQ(scale, static_cast<float>(static_cast<double>(0.7f) / 7.0));
  // 7, -7 (0x9), 1.
  EXPECT_EQ(q4[0], 0x97);
  EXPECT_EQ(q4[1], 0x01);
  int16_t q16[3];
  ASSERT_EQ(
      lowbit_quantize_weights(1, 3, w, LOWBIT_DTYPE_INT16, 1, &scale, q16),
      LOWBIT_OK);
  EXPECT_EQ(q16[0], 32767);
  EXPECT_EQ(q16[1], -32767);
  const float bad[] = {1.0f, std::numeric_limits<float>::infinity(), 0.0f};
  EXPECT_EQ(
      lowbit_quantize_weights(1, 3, bad, LOWBIT_DTYPE_INT8, 1, &scale, q16),
      LOWBIT_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(
      lowbit_quantize_weights(1, 3, w, LOWBIT_DTYPE_UINT8, 1, &scale, q16),
      LOWBIT_ERROR_UNSUPPORTED);
  EXPECT_EQ(lowbit_quantize_weights(0, 3, w, LOWBIT_DTYPE_INT8, 1, &scale, q16),
            LOWBIT_ERROR_INVALID_SIZE);
}

TEST(FoldBatchNorm, HandDerived) {
  // gamma 2, var 3, eps 1: s = 2 / sqrt(4) = 1; gamma 1, var 0.25 - eps 0:
  // s = 2. bias: (b - mean) * s + beta.
  float w[] = {1.0f, -2.0f, 3.0f, 0.5f};
  float b[] = {1.0f, 4.0f};
  const float gamma[] = {2.0f, 1.0f}, beta[] = {0.5f, -1.0f};
  const float mean[] = {3.0f, 1.0f}, var[] = {3.0f, -0.75f};
  ASSERT_EQ(lowbit_fold_batch_norm(2, 2, w, b, gamma, beta, mean, var, 1.0f),
            LOWBIT_OK);
  EXPECT_EQ(w[0], 1.0f);
  EXPECT_EQ(w[1], -2.0f);
  EXPECT_EQ(w[2], 6.0f);  // var -0.75 + eps 1 = 0.25: s = 1 / 0.5 = 2
  EXPECT_EQ(w[3], 1.0f);
  EXPECT_EQ(b[0], (1.0f - 3.0f) * 1.0f + 0.5f);
  EXPECT_EQ(b[1], (4.0f - 1.0f) * 2.0f - 1.0f);
  const float neg[] = {-2.0f, -2.0f};
  EXPECT_EQ(lowbit_fold_batch_norm(2, 2, w, b, gamma, beta, mean, neg, 1.0f),
            LOWBIT_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(w[2], 6.0f);  // untouched
}

TEST(MinMax, RunningAndMovingAverage) {
  lowbit_minmax mm;
  ASSERT_EQ(lowbit_minmax_init(&mm, 0.5f), LOWBIT_OK);
  const float a[] = {-1.0f, 2.0f}, b[] = {-3.0f, 4.0f}, c[] = {0.5f};
  ASSERT_EQ(lowbit_minmax_update(&mm, 2, a), LOWBIT_OK);
  EXPECT_EQ(mm.min, -1.0f);
  EXPECT_EQ(mm.avg_max, 2.0f);
  ASSERT_EQ(lowbit_minmax_update(&mm, 2, b), LOWBIT_OK);
  EXPECT_EQ(mm.min, -3.0f);
  EXPECT_EQ(mm.max, 4.0f);
  EXPECT_EQ(mm.avg_min, -2.0f);  // -1 * 0.5 + -3 * 0.5
  EXPECT_EQ(mm.avg_max, 3.0f);
  ASSERT_EQ(lowbit_minmax_update(&mm, 1, c), LOWBIT_OK);
  EXPECT_EQ(mm.avg_min, -0.75f);  // -2 * 0.5 + 0.5 * 0.5
  EXPECT_EQ(mm.avg_max, 1.75f);
  EXPECT_EQ(mm.batches, 3u);
  const float nan[] = {std::numeric_limits<float>::quiet_NaN()};
  EXPECT_EQ(lowbit_minmax_update(&mm, 1, nan), LOWBIT_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(mm.batches, 3u);
  EXPECT_EQ(lowbit_minmax_init(&mm, 1.0f), LOWBIT_ERROR_INVALID_ARGUMENT);
}

TEST(QuantizeBias, TfliteConverterArithmetic) {
  // Scale 0.5 * 0.25 = 0.125, inv 8: 1.0625 * 8 = 8.5 -> 9 (half away).
  const float w[] = {0.25f, 0.1f};
  const float b[] = {1.0625f, 0.025f};
  int32_t q[2] = {7, 7};
  ASSERT_EQ(lowbit_quantize_bias(2, b, 0.5f, w, 2, q), LOWBIT_OK);
  EXPECT_EQ(q[0], 9);
  // 0.025f is 0.1f / 4 exactly and 0.5 * 0.1f = 0.1f / 2: the quotient is
  // 0.5 (inv = float(1 / 0.05f) = 20), a tie -> 1.
  EXPECT_EQ(q[1], 1);
  const float neg[] = {-1.0625f, -0.025f};
  ASSERT_EQ(lowbit_quantize_bias(2, neg, 0.5f, w, 2, q), LOWBIT_OK);
  EXPECT_EQ(q[0], -9);
  EXPECT_EQ(q[1], -1);
  // One scale for every channel: 1.0625 / 0.125 and -1.0625 / 0.125.
  const float both[] = {1.0625f, -1.0625f};
  ASSERT_EQ(lowbit_quantize_bias(2, both, 0.5f, w, 1, q), LOWBIT_OK);
  EXPECT_EQ(q[0], 9);
  EXPECT_EQ(q[1], -9);
  // Saturation, as TFLite: 1e4 at scale 1e-6 is 1e10.
  const float big[] = {1e4f, -1e4f};
  const float tiny[] = {1e-3f};
  ASSERT_EQ(lowbit_quantize_bias(2, big, 1e-3f, tiny, 1, q), LOWBIT_OK);
  EXPECT_EQ(q[0], 2147483647);
  EXPECT_EQ(q[1], -2147483647);
  int64_t q64[2];
  ASSERT_EQ(lowbit_quantize_bias64(2, big, 1e-3f, tiny, 1, q64), LOWBIT_OK);
  EXPECT_NEAR(static_cast<double>(q64[0]), 1e10, 1e4);
  EXPECT_EQ(q64[1], -q64[0]);
  EXPECT_EQ(lowbit::QuantizeBias({1.0625f}, 0.5f, {0.25f}),
            std::vector<int32_t>{9});
  EXPECT_EQ(lowbit::QuantizeBias64({1.0625f}, 0.5f, {0.25f}),
            std::vector<int64_t>{9});
}

TEST(QuantizeBias, BadInputWritesNothing) {
  const float w[] = {0.25f, 0.1f};
  const float b[] = {1.0f, 2.0f};
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float bad_w[] = {0.25f, 0.0f};
  const float bad_b[] = {1.0f, nan};
  int32_t q[2] = {7, 7};
  EXPECT_EQ(lowbit_quantize_bias(2, b, 0.5f, bad_w, 2, q),
            LOWBIT_ERROR_INVALID_SCALE);
  EXPECT_EQ(lowbit_quantize_bias(2, b, -0.5f, w, 2, q),
            LOWBIT_ERROR_INVALID_SCALE);
  EXPECT_EQ(lowbit_quantize_bias(2, b, nan, w, 2, q),
            LOWBIT_ERROR_INVALID_SCALE);
  // The product underflows to 0, or its reciprocal overflows.
  const float small[] = {1e-30f}, denormal[] = {1e-10f};
  EXPECT_EQ(lowbit_quantize_bias(2, b, 1e-30f, small, 1, q),
            LOWBIT_ERROR_INVALID_SCALE);
  EXPECT_EQ(lowbit_quantize_bias(2, b, 1e-30f, denormal, 1, q),
            LOWBIT_ERROR_INVALID_SCALE);
  EXPECT_EQ(lowbit_quantize_bias(2, bad_b, 0.5f, w, 2, q),
            LOWBIT_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(lowbit_quantize_bias(2, b, 0.5f, w, 3, q),
            LOWBIT_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(lowbit_quantize_bias(0, b, 0.5f, w, 1, q),
            LOWBIT_ERROR_INVALID_SIZE);
  EXPECT_EQ(lowbit_quantize_bias(2, nullptr, 0.5f, w, 2, q),
            LOWBIT_ERROR_NULL_POINTER);
  EXPECT_EQ(lowbit_quantize_bias64(2, b, 0.5f, w, 2, nullptr),
            LOWBIT_ERROR_NULL_POINTER);
  EXPECT_EQ(q[0], 7);
  EXPECT_EQ(q[1], 7);
  EXPECT_THROW(lowbit::QuantizeBias({1.0f}, 0.0f, {1.0f}), lowbit::Error);
}

// The C++ layer: the C functions' bytes, and exceptions for bad input.
TEST(QuantizeCpp, VectorsGiveTheCFunctionsBytes) {
  const std::vector<float> x = {-1.0f, -0.25f, 0.0f, 0.3f, 0.9f, 2.0f, 0.5f};
  const lowbit_qparams p =
      lowbit::ChooseQParams(-1.0f, 1.0f, LOWBIT_DTYPE_UINT8);
  EXPECT_EQ(p.zero_point, 128);
  const std::vector<uint8_t> q = lowbit::Quantize<uint8_t>(x, p);
  std::vector<uint8_t> want(x.size());
  ASSERT_EQ(
      lowbit_quantize(x.size(), x.data(), &p, LOWBIT_DTYPE_UINT8, want.data()),
      LOWBIT_OK);
  EXPECT_EQ(q, want);
  EXPECT_EQ(q[5], 255);  // 2.0 clamps
  const std::vector<float> back = lowbit::Dequantize(q, p);
  EXPECT_EQ(back[2], 0.0f);  // zero is exact
  double db = 0.0;
  ASSERT_EQ(
      lowbit_sqnr(x.size(), x.data(), q.data(), LOWBIT_DTYPE_UINT8, &p, &db),
      LOWBIT_OK);
  EXPECT_EQ(lowbit::Sqnr(x, q, p), db);

  const lowbit_qparams s =
      lowbit::ChooseQParams(-2.0f, 1.0f, LOWBIT_DTYPE_INT4, true);
  const lowbit::Int4Vector q4 = lowbit::QuantizeInt4(x, s);
  ASSERT_EQ(q4.bytes.size(), 4u);
  // float(2/7) is above 2/7, so -1 / scale = -3.4999998 -> -3 (0xD), not
  // the tie; -0.25 / scale = -0.875 -> -1 (0xF).
  EXPECT_EQ(q4.bytes[0], 0xFD);
  EXPECT_EQ(lowbit::Dequantize(q4, s).size(), x.size());
  EXPECT_TRUE(std::isfinite(lowbit::Sqnr(x, q4, s)));

  const std::vector<float> w = {0.5f, -1.0f, 0.25f, 0.0f, 0.0f, 0.0f};
  const auto qw = lowbit::QuantizeWeights<int8_t>(2, w);
  EXPECT_EQ(qw.scales, (std::vector<float>{1.0f / 127.0f, 1.0f}));
  EXPECT_EQ(qw.q, (std::vector<int8_t>{64, -127, 32, 0, 0, 0}));
  const auto qw4 = lowbit::QuantizeWeightsInt4(2, w, false);
  EXPECT_EQ(qw4.scales.size(), 1u);
  // Per tensor, scale float(1/7) (above 1/7): 0.5 -> 3.4999998 -> 3,
  // -1 -> -7 (0x9), 0.25 -> 1.75 -> 2.
  EXPECT_EQ(qw4.q.bytes, (std::vector<uint8_t>{0x93, 0x02, 0x00}));
}

TEST(QuantizeCpp, BatchNormAndObserver) {
  std::vector<float> w = {1.0f, 2.0f}, b = {0.5f};
  lowbit::FoldBatchNorm(w, b, {2.0f}, {1.0f}, {0.25f}, {3.0f}, 1.0f);
  EXPECT_EQ(w, (std::vector<float>{1.0f, 2.0f}));  // 2 / sqrt(4) = 1
  EXPECT_EQ(b, (std::vector<float>{1.25f}));       // (0.5 - 0.25) + 1
  lowbit::MinMaxObserver obs(0.5f);
  obs.Observe(std::vector<float>{-1.0f, 3.0f});
  obs.Observe(std::vector<float>{-3.0f, 1.0f});
  EXPECT_EQ(obs.state().min, -3.0f);
  EXPECT_EQ(obs.state().avg_min, -2.0f);
  const lowbit_qparams run = obs.QParams(LOWBIT_DTYPE_INT8, true);
  const lowbit_qparams avg = obs.QParams(LOWBIT_DTYPE_INT8, true, true);
  EXPECT_EQ(run.scale, static_cast<float>(3.0 / 127.0));
  EXPECT_EQ(avg.scale, static_cast<float>(2.0 / 127.0));
}

TEST(QuantizeCpp, BadInputThrows) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THROW(lowbit::ChooseQParams(1.0f, -1.0f, LOWBIT_DTYPE_INT8),
               lowbit::Error);
  const lowbit_qparams p{0.1f, 0};
  try {
    lowbit::Quantize<int8_t>({1.0f, nan}, p);
    ADD_FAILURE() << "no exception";
  } catch (const lowbit::Error& e) {
    EXPECT_EQ(e.status(), LOWBIT_ERROR_INVALID_ARGUMENT);
  }
  EXPECT_THROW(lowbit::Quantize<uint8_t>({1.0f}, lowbit_qparams{0.0f, 0}),
               lowbit::Error);
  EXPECT_THROW(
      lowbit::Sqnr(std::vector<float>{1.0f}, std::vector<int8_t>{1, 2}, p),
      std::invalid_argument);
  EXPECT_THROW(lowbit::QuantizeWeights<int8_t>(4, std::vector<float>(6)),
               std::invalid_argument);
  std::vector<float> w = {1.0f}, b = {0.0f};
  EXPECT_THROW(
      lowbit::FoldBatchNorm(w, b, {1.0f}, {0.0f}, {0.0f}, {-1.0f}, 0.0f),
      lowbit::Error);
  EXPECT_THROW(lowbit::MinMaxObserver(1.0f), lowbit::Error);
}

}  // namespace
