// The quantization toolkit (lowbit.h): parameters from ranges, quantize,
// dequantize and SQNR on hand-derived values and edge cases.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "lowbit/lowbit.h"

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
  ASSERT_EQ(lowbit_quantize(x.size(), x.data(), &p, LOWBIT_DTYPE_INT16,
                            q.data()),
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
