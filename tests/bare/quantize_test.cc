// The quantization toolkit on bare metal (its scalar forms): the hosted
// tests' hand-derived values (tests/quantize_test.cc) and bad input.
#include <cmath>
#include <cstdint>

#include "lowbit/lowbit.h"
#include "tests/bare/check.h"

namespace lowbit_test {

void QuantizeTests() {
  lowbit_qparams p{-1.0f, -1};
  // [-1, 1] on uint8: scale 2/255, zero point 127.5 from min -> 128.
  LOWBIT_CHECK(lowbit_choose_qparams(-1.0f, 1.0f, LOWBIT_DTYPE_UINT8, 0, &p) ==
               LOWBIT_OK);
  LOWBIT_CHECK(p.scale == static_cast<float>(2.0 / 255.0));
  LOWBIT_CHECK(p.zero_point == 128);
  LOWBIT_CHECK(lowbit_choose_qparams(-1.0f, 1.0f, LOWBIT_DTYPE_INT8, 0, &p) ==
               LOWBIT_OK);
  LOWBIT_CHECK(p.zero_point == -1);  // -0.5 half away from zero

  // Half away from zero and clamps: 2.5 -> 3, -2.5 -> -3, 0.48 -> 0, + 3.
  const lowbit_qparams h{0.5f, 3};
  const float x[] = {1.25f, -1.25f, 0.0f, 1000.0f, -1000.0f, 0.24f};
  uint8_t q[6];
  LOWBIT_CHECK(lowbit_quantize(6, x, &h, LOWBIT_DTYPE_UINT8, q) == LOWBIT_OK);
  const uint8_t want[] = {6, 0, 3, 255, 0, 3};
  for (int i = 0; i < 6; ++i) LOWBIT_CHECK(q[i] == want[i]);

  // INT4: nibbles low first, clamped to [-8, 7], and back.
  const lowbit_qparams unit{1.0f, 0};
  const float y[] = {-8.0f, 7.0f, 1.0f, -100.0f, 100.0f};
  uint8_t q4[3] = {0xFF, 0xFF, 0xFF};
  LOWBIT_CHECK(lowbit_quantize(5, y, &unit, LOWBIT_DTYPE_INT4, q4) ==
               LOWBIT_OK);
  LOWBIT_CHECK(q4[0] == 0x78 && q4[1] == 0x81 && q4[2] == 0x07);
  float back[5];
  LOWBIT_CHECK(lowbit_dequantize(5, q4, LOWBIT_DTYPE_INT4, &unit, back) ==
               LOWBIT_OK);
  LOWBIT_CHECK(back[3] == -8.0f && back[4] == 7.0f);

  // SQNR of {1.1, 3} against {1, 3}.
  const float s[] = {1.1f, 3.0f};
  const int8_t qs[] = {1, 3};
  double db = 0.0;
  LOWBIT_CHECK(lowbit_sqnr(2, s, qs, LOWBIT_DTYPE_INT8, &unit, &db) ==
               LOWBIT_OK);
  const double e = static_cast<double>(1.1f) - 1.0;
  LOWBIT_CHECK(
      db ==
      10.0 * std::log10((static_cast<double>(1.1f) * 1.1f + 9.0) / (e * e)));

  // Per-channel int8 weights: channel 0 max 1 -> 1/127; an all-zero
  // channel gets scale 1.
  const float w[] = {0.5f, -1.0f, 0.25f, 0.0f, 0.0f, 0.0f};
  float scales[2];
  int8_t qw[6];
  LOWBIT_CHECK(lowbit_quantize_weights(2, 3, w, LOWBIT_DTYPE_INT8, 1, scales,
                                       qw) == LOWBIT_OK);
  LOWBIT_CHECK(scales[0] == 1.0f / 127.0f && scales[1] == 1.0f);
  LOWBIT_CHECK(qw[0] == 64 && qw[1] == -127 && qw[2] == 32 && qw[3] == 0);

  // Bias at 0.5 * 0.25: 1.0625 * 8 = 8.5 -> 9; 1e4 at 1e-6 saturates.
  const float bias[] = {1.0625f, -1e4f}, bscale[] = {0.25f}, tiny[] = {1e-3f};
  int32_t qb[2];
  LOWBIT_CHECK(lowbit_quantize_bias(1, bias, 0.5f, bscale, 1, qb) == LOWBIT_OK);
  LOWBIT_CHECK(qb[0] == 9);
  LOWBIT_CHECK(lowbit_quantize_bias(2, bias, 1e-3f, tiny, 1, qb) == LOWBIT_OK);
  LOWBIT_CHECK(qb[1] == -2147483647);

  // Batch norm: s = 2 / sqrt(3 + 1) = 1; bias (0.5 - 0.25) * 1 + 1.
  float fw[] = {1.0f, 2.0f}, fb[] = {0.5f};
  const float gamma[] = {2.0f}, beta[] = {1.0f}, mean[] = {0.25f},
              var[] = {3.0f};
  LOWBIT_CHECK(lowbit_fold_batch_norm(1, 2, fw, fb, gamma, beta, mean, var,
                                      1.0f) == LOWBIT_OK);
  LOWBIT_CHECK(fw[0] == 1.0f && fw[1] == 2.0f && fb[0] == 1.25f);

  // Calibration: running min and the moving average with decay 0.5.
  lowbit_minmax mm;
  LOWBIT_CHECK(lowbit_minmax_init(&mm, 0.5f) == LOWBIT_OK);
  const float b0[] = {-1.0f, 3.0f}, b1[] = {-3.0f, 1.0f};
  LOWBIT_CHECK(lowbit_minmax_update(&mm, 2, b0) == LOWBIT_OK);
  LOWBIT_CHECK(lowbit_minmax_update(&mm, 2, b1) == LOWBIT_OK);
  LOWBIT_CHECK(mm.min == -3.0f && mm.avg_min == -2.0f && mm.max == 3.0f);

  // NaN: a status and nothing written.
  const float bad[] = {1.0f, NAN};
  int8_t untouched[2] = {42, 42};
  LOWBIT_CHECK(lowbit_quantize(2, bad, &unit, LOWBIT_DTYPE_INT8, untouched) ==
               LOWBIT_ERROR_INVALID_ARGUMENT);
  LOWBIT_CHECK(untouched[0] == 42 && untouched[1] == 42);
  LOWBIT_CHECK(lowbit_choose_qparams(1.0f, -1.0f, LOWBIT_DTYPE_INT8, 0, &p) ==
               LOWBIT_ERROR_INVALID_RANGE);
}

}  // namespace lowbit_test
