// Fixed-point requantization primitives of the bare-metal kernels (TFLite's
// double rounding, DESIGN.md §2), written once: the scalar forms here, the
// Helium forms in requant_mve-inl.h, each the same arithmetic as
// kernels/reference/requant.cc, which the sweeps compare against.
#ifndef LOWBIT_KERNELS_BARE_REQUANT_MCU_INL_H_
#define LOWBIT_KERNELS_BARE_REQUANT_MCU_INL_H_

#include <cstdint>

namespace lowbit {
namespace bare {

// gemmlowp's SaturatingRoundingDoublingHighMul for b in [2^30, 2^31)
// (QuantizeMultiplier's multipliers): the INT32_MIN * INT32_MIN saturation
// cannot happen, and floor((ab + 2^30) / 2^31) equals gemmlowp's
// truncating (ab + (ab >= 0 ? 2^30 : 1 - 2^30)) / 2^31, since for ab < 0
// both are -floor((-ab + 2^30 - 1) / 2^31). One SMULL, an add with carry
// and a shift.
inline int32_t DoublingHighMul(int32_t a, int32_t b) {
  const int64_t ab = static_cast<int64_t>(a) * b;
  return static_cast<int32_t>((ab + (int64_t{1} << 30)) >> 31);
}

// x / 2^e rounded half away from zero, e in [0, 31] (gemmlowp's
// RoundingDivideByPOT).
inline int32_t RoundingDivideByPot(int32_t x, int32_t e) {
  const int32_t mask = static_cast<int32_t>((uint32_t{1} << e) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> e) + (remainder > threshold ? 1 : 0);
}

// x * 2^s saturated to int32, s in [0, 8].
inline int32_t SaturatingShiftLeft(int32_t x, int32_t s) {
  const int64_t y = static_cast<int64_t>(x) * (int64_t{1} << s);
  if (y > INT32_MAX) return INT32_MAX;
  if (y < INT32_MIN) return INT32_MIN;
  return static_cast<int32_t>(y);
}

// The fixed-point mode: acc through (multiplier, shift), plus the zero
// point, clamped to [qmin, qmax].
inline int32_t RequantizeFixedpoint(int32_t acc, int32_t multiplier,
                                    int32_t shift, int32_t zero_point,
                                    int32_t qmin, int32_t qmax) {
  int32_t x = shift > 0 ? SaturatingShiftLeft(acc, shift) : acc;
  x = DoublingHighMul(x, multiplier);
  if (shift < 0) x = RoundingDivideByPot(x, -shift);
  x += zero_point;
  x = x < qmin ? qmin : x;
  return x > qmax ? qmax : x;
}

}  // namespace bare
}  // namespace lowbit

#endif  // LOWBIT_KERNELS_BARE_REQUANT_MCU_INL_H_
