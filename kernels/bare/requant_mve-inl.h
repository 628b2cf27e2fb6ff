// Helium forms of requant_mcu-inl.h's fixed-point primitives, four int32
// lanes at a time; gemmlowp's NEON forms, which are exact:
//   DoublingHighMul: VQRDMULH = (2ab + 2^31) >> 32 saturated, which is
//     floor((ab + 2^30) / 2^31), the scalar form, with gemmlowp's saturation;
//   RoundingDivideByPot: VRSHL by -e rounds half up; adding -1 to negative
//     x first (saturating) makes it half away from zero;
//   SaturatingShiftLeft: VQSHL.
#ifndef LOWBIT_KERNELS_BARE_REQUANT_MVE_INL_H_
#define LOWBIT_KERNELS_BARE_REQUANT_MVE_INL_H_

#include <arm_mve.h>

#include <cstdint>

namespace lowbit {
namespace bare {

// Per-channel parameters of four lanes, in the form the primitives take.
struct FixedpointLanes {
  int32x4_t multiplier;
  int32x4_t left;   // max(shift, 0)
  int32x4_t right;  // min(shift, 0): minus the right shift
};

// The lanes `lanes` says; the others read as multiplier 0, shift 0.
inline FixedpointLanes LoadFixedpointLanes(const int32_t* multiplier,
                                           const int32_t* shift,
                                           mve_pred16_t lanes) {
  const int32x4_t s = vld1q_z_s32(shift, lanes);
  return {vld1q_z_s32(multiplier, lanes), vmaxq_s32(s, vdupq_n_s32(0)),
          vminq_s32(s, vdupq_n_s32(0))};
}

inline int32x4_t RequantizeFixedpoint(int32x4_t acc, const FixedpointLanes& p,
                                      int32_t zero_point, int32_t qmin,
                                      int32_t qmax) {
  int32x4_t x = vqshlq_s32(acc, p.left);
  x = vqrdmulhq_s32(x, p.multiplier);
  // -1 for negative x when there is a right shift (p.right < 0 has its
  // sign bit set), 0 otherwise.
  const int32x4_t fixup = vshrq_n_s32(vandq_s32(x, p.right), 31);
  x = vrshlq_s32(vqaddq_s32(x, fixup), p.right);
  x = vaddq_n_s32(x, zero_point);
  x = vmaxq_s32(x, vdupq_n_s32(qmin));
  return vminq_s32(x, vdupq_n_s32(qmax));
}

// The single-rounding mode (ruy's ApplyMultiplier) for shifts <= 0, with
// P = acc * multiplier = hi * 2^31 + lo (0 <= lo < 2^31): hi is VQDMULH's
// floor(P / 2^31), and (P + 2^(30+e)) >> (31+e), e = -shift, is
// (hi + 2^(e-1)) >> e for e >= 1 (lo cannot carry), VRSHL by -e; for e = 0
// it is hi + (lo >= 2^30), bit 30 of P's low word (VMUL). The result fits
// int32, so the saturation never acts. Left shifts (shift > 0) are not
// covered: SingleLanes::left says a vector has one.
struct SingleLanes {
  int32x4_t multiplier;
  int32x4_t right;     // min(shift, 0)
  uint32x4_t bit30;    // 1 where shift == 0
  bool left;           // some lane shifts left
};

inline SingleLanes LoadSingleLanes(const int32_t* multiplier,
                                   const int32_t* shift, mve_pred16_t lanes) {
  const int32x4_t s = vld1q_z_s32(shift, lanes);
  SingleLanes l;
  l.multiplier = vld1q_z_s32(multiplier, lanes);
  l.right = vminq_s32(s, vdupq_n_s32(0));
  l.bit30 = vpselq_u32(vdupq_n_u32(1), vdupq_n_u32(0), vcmpeqq_n_s32(s, 0));
  l.left = vmaxvq_s32(INT32_MIN, s) > 0;
  return l;
}

inline int32x4_t RequantizeFixedpointSingle(int32x4_t acc,
                                            const SingleLanes& l,
                                            int32_t zero_point, int32_t qmin,
                                            int32_t qmax) {
  const int32x4_t hi = vqdmulhq_s32(acc, l.multiplier);
  const uint32x4_t low = vreinterpretq_u32_s32(vmulq_s32(acc, l.multiplier));
  const uint32x4_t carry = vandq_u32(vshrq_n_u32(low, 30), l.bit30);
  int32x4_t x = vaddq_s32(vrshlq_s32(hi, l.right), vreinterpretq_s32_u32(carry));
  x = vaddq_n_s32(x, zero_point);
  x = vmaxq_s32(x, vdupq_n_s32(qmin));
  return vminq_s32(x, vdupq_n_s32(qmax));
}

// XNNPACK's fp32 mode (DESIGN.md §2) on four lanes: int32 to float (VCVT
// rounds to nearest even, as the C conversion does), one multiply (never
// fused), the clamp in float, the conversion to nearest even (VCVTN, as
// lrintf in the default rounding mode), the zero point.
inline int32x4_t RequantizeFp32(int32x4_t acc, float32x4_t scale,
                                int32_t zero_point, int32_t qmin,
                                int32_t qmax) {
  float32x4_t f = vmulq_f32(vcvtq_f32_s32(acc), scale);
  f = vmaxnmq_f32(f, vdupq_n_f32(static_cast<float>(qmin - zero_point)));
  f = vminnmq_f32(f, vdupq_n_f32(static_cast<float>(qmax - zero_point)));
  return vaddq_n_s32(vcvtnq_s32_f32(f), zero_point);
}

}  // namespace bare
}  // namespace lowbit

#endif  // LOWBIT_KERNELS_BARE_REQUANT_MVE_INL_H_
