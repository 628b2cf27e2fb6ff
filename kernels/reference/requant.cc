#include "kernels/reference/requant.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace lowbit {
namespace ref {

bool ScaleInRange(double scale) {
  return std::isfinite(scale) && scale >= kMinRequantScale &&
         scale < kMaxRequantScale;
}

bool QuantizeMultiplier(double real_scale, int32_t* multiplier,
                        int32_t* shift) {
  if (!ScaleInRange(real_scale)) return false;
  int exponent = 0;
  const double q = std::frexp(real_scale, &exponent);  // q in [0.5, 1)
  int64_t m = static_cast<int64_t>(std::round(q * 2147483648.0));
  if (m == (int64_t{1} << 31)) {
    m /= 2;
    ++exponent;
  }
  *multiplier = static_cast<int32_t>(m);
  *shift = exponent;
  return true;
}

int32_t SaturatingRoundingDoublingHighMul(int32_t a, int32_t b) {
  if (a == std::numeric_limits<int32_t>::min() && a == b) {
    return std::numeric_limits<int32_t>::max();
  }
  const int64_t ab = int64_t{a} * int64_t{b};
  const int64_t nudge = ab >= 0 ? (int64_t{1} << 30) : 1 - (int64_t{1} << 30);
  return static_cast<int32_t>((ab + nudge) / (int64_t{1} << 31));
}

int32_t RoundingDivideByPOT(int32_t x, int exponent) {
  const int64_t mask = (int64_t{1} << exponent) - 1;
  const int64_t remainder = int64_t{x} & mask;
  const int64_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return static_cast<int32_t>((int64_t{x} >> exponent) +
                              (remainder > threshold ? 1 : 0));
}

static int32_t Clamp(int64_t x, int32_t lo, int32_t hi) {
  return static_cast<int32_t>(std::min<int64_t>(std::max<int64_t>(x, lo), hi));
}

int32_t RequantizeFp32(int32_t acc, float scale, int32_t zero_point,
                       int32_t qmin, int32_t qmax) {
  float f = static_cast<float>(acc) * scale;
  f = std::max(f, static_cast<float>(qmin - zero_point));
  f = std::min(f, static_cast<float>(qmax - zero_point));
  return static_cast<int32_t>(std::lrintf(f)) + zero_point;
}

int32_t RequantizeFixedpoint(int32_t acc, int32_t multiplier, int32_t shift,
                             int32_t zero_point, int32_t qmin, int32_t qmax) {
  const int left = std::max<int32_t>(shift, 0);
  const int right = std::max<int32_t>(-shift, 0);
  const int32_t shifted = Clamp(int64_t{acc} * (int64_t{1} << left),
                                std::numeric_limits<int32_t>::min(),
                                std::numeric_limits<int32_t>::max());
  const int32_t x = RoundingDivideByPOT(
      SaturatingRoundingDoublingHighMul(shifted, multiplier), right);
  return Clamp(int64_t{x} + zero_point, qmin, qmax);
}

int32_t RequantizeFixedpointSingle(int32_t acc, int32_t multiplier,
                                   int32_t shift, int32_t zero_point,
                                   int32_t qmin, int32_t qmax) {
  const int64_t x = (int64_t{acc} * multiplier + (int64_t{1} << (30 - shift))) >>
                    (31 - shift);
  const int32_t saturated = Clamp(x, std::numeric_limits<int32_t>::min(),
                                  std::numeric_limits<int32_t>::max());
  return Clamp(int64_t{saturated} + zero_point, qmin, qmax);
}

}  // namespace ref
}  // namespace lowbit
