// Vector requantization, per Highway target: the three modes of DESIGN.md §2
// built from a few primitives, each equal lane by lane to its scalar
// counterpart in kernels/reference/requant.cc.

// Per-target include guard, as Highway requires.
#if defined(LOWBIT_KERNELS_REQUANT_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef LOWBIT_KERNELS_REQUANT_INL_H_
#undef LOWBIT_KERNELS_REQUANT_INL_H_
#else
#define LOWBIT_KERNELS_REQUANT_INL_H_
#endif

#include <cstdint>

#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
// AVX3_DL code is compiled with AVX512-VNNI (kernels/mul_add_pairs-inl.h),
// so kernels that use it can inline this header's functions and lambdas.
#if HWY_TARGET == HWY_AVX3_DL && !defined(__clang__) && defined(__GNUC__)
#pragma GCC target("avx512vnni")
#endif
namespace lowbit {
namespace HWY_NAMESPACE {
// Kernel code is compiled for one target by several translation units (per
// Highway target through foreach_target.h, and with a static target in each
// hand-written kernel's file, built with other flags). Internal linkage
// keeps each unit's instantiations its own; with external linkage the linker
// would keep one copy for all of them (an ODR violation that can run another
// closure layout or instructions the CPU lacks). Every -inl.h of kernel code
// opens this anonymous namespace; cmake/CheckKernelSymbols.cmake fails the
// build when a kernel symbol escapes it.
namespace {
namespace hn = hwy::HWY_NAMESPACE;

// x * 2^shift saturated to int32; shift in [0, 31].
template <class D, class V = hn::VFromD<D>>
HWY_INLINE V SaturatingShiftLeft(D d, V x, V shift) {
  const V max = hn::Set(d, INT32_MAX);
  const V hi = max >> shift;  // the largest x that fits
  const V lo = hn::Not(hi);                       // INT32_MIN >> shift
  V r = hn::IfThenElse(hn::Gt(x, hi), max, x << shift);
  return hn::IfThenElse(hn::Lt(x, lo), hn::Set(d, INT32_MIN), r);
}

// Even and odd int32 lanes as int64 lanes (sign- or zero-extension is not
// needed: MulEven reads only the low halves).
template <class D, class V = hn::VFromD<D>>
HWY_INLINE V OddToEven(D d, V v) {
  const hn::Repartition<uint64_t, D> du64;
  return hn::BitCast(d, hn::ShiftRight<32>(hn::BitCast(du64, v)));
}

// Joins the low 32 bits of int64 lanes back into one int32 vector.
template <class D, class V64>
HWY_INLINE hn::VFromD<D> JoinLow32(D d, V64 even, V64 odd) {
  return hn::OddEven(hn::BitCast(d, hn::ShiftLeft<32>(odd)),
                     hn::BitCast(d, even));
}

// gemmlowp's SaturatingRoundingDoublingHighMul for b > 0: with the nudge
// 1 - 2^30 and truncation for negative products it equals
// floor((a*b + 2^30) / 2^31), and cannot saturate.
template <class D, class V = hn::VFromD<D>>
HWY_INLINE V RoundingDoublingHighMulPositive(D d, V a, V b) {
  const hn::Repartition<int64_t, D> d64;
  const auto round = hn::Set(d64, int64_t{1} << 30);
  const auto even = hn::ShiftRight<31>(hn::Add(hn::MulEven(a, b), round));
  const auto odd = hn::ShiftRight<31>(
      hn::Add(hn::MulEven(OddToEven(d, a), OddToEven(d, b)), round));
  return JoinLow32(d, even, odd);
}

// x / 2^exponent rounded half away from zero; exponent in [0, 31].
template <class D, class V = hn::VFromD<D>>
HWY_INLINE V RoundingDivideByPOT(D d, V x, V exponent) {
  const V one = hn::Set(d, 1);
  const V mask = hn::Sub(one << exponent, one);
  const V remainder = hn::And(x, mask);
  // Subtracting the all-ones mask adds 1 for negative x.
  const V threshold = hn::Sub(hn::ShiftRight<1>(mask),
                              hn::VecFromMask(d, hn::Lt(x, hn::Zero(d))));
  return hn::Sub(x >> exponent,
                 hn::VecFromMask(d, hn::Gt(remainder, threshold)));
}

// Output parameters splatted once per tile.
template <class D>
struct RequantConsts {
  using V = hn::VFromD<D>;
  using VF = hn::VFromD<hn::RebindToFloat<D>>;
  int32_t lo_s, hi_s;    // qmin/qmax - zero_point
  V zero_point, lo, hi;
  VF lo_f, hi_f, magic_f;
  V magic_minus_zero_point;

  RequantConsts(D d, int32_t zp, int32_t qmin, int32_t qmax) {
    const hn::RebindToFloat<D> df;
    lo_s = qmin - zp;
    hi_s = qmax - zp;
    zero_point = hn::Set(d, zp);
    lo = hn::Set(d, qmin - zp);
    hi = hn::Set(d, qmax - zp);
    lo_f = hn::Set(df, static_cast<float>(qmin - zp));
    hi_f = hn::Set(df, static_cast<float>(qmax - zp));
    // 1.5 * 2^23: adding it rounds |f| <= 2^22 to an integer (nearest even)
    // that then sits in the low mantissa bits.
    magic_f = hn::Set(df, 12582912.0f);
    magic_minus_zero_point = hn::Set(d, 0x4B400000 - zp);
  }
};

template <class D, class V = hn::VFromD<D>>
HWY_INLINE V RequantizeFp32(D d, V acc, hn::VFromD<hn::RebindToFloat<D>> scale,
                            const RequantConsts<D>& k) {
  const hn::RebindToFloat<D> df;
  auto f = hn::Mul(hn::ConvertTo(df, acc), scale);
  f = hn::Min(hn::Max(f, k.lo_f), k.hi_f);
  return hn::Sub(hn::BitCast(d, hn::Add(f, k.magic_f)),
                 k.magic_minus_zero_point);
}

template <class D, class V = hn::VFromD<D>>
HWY_INLINE V RequantizeFixedpoint(D d, V acc, V multiplier, V shift,
                                  const RequantConsts<D>& k) {
  const V zero = hn::Zero(d);
  const V left = hn::Max(shift, zero);
  const V right = hn::Max(hn::Neg(shift), zero);
  V x = SaturatingShiftLeft(d, acc, left);
  x = RoundingDoublingHighMulPositive(d, x, multiplier);
  x = RoundingDivideByPOT(d, x, right);
  return hn::Add(hn::Min(hn::Max(x, k.lo), k.hi), k.zero_point);
}

// (acc * m + 2^(30 - shift)) >> (31 - shift) in int64; clamping in int64 to
// [qmin - zp, qmax - zp] equals saturating to int32 first.
template <class D, class V = hn::VFromD<D>>
HWY_INLINE V RequantizeFixedpointSingle(D d, V acc, V multiplier, V shift,
                                        const RequantConsts<D>& k) {
  const hn::Repartition<int64_t, D> d64;
  const V total = hn::Sub(hn::Set(d, 31), shift);  // in [22, 62]
  const auto low32 = hn::Set(d64, int64_t{0xFFFFFFFF});
  const auto lo = hn::Set(d64, k.lo_s);
  const auto hi = hn::Set(d64, k.hi_s);
  const auto one = hn::Set(d64, 1);
  const auto half = [&](V a, V m, V t) {
    const auto t64 = hn::And(hn::BitCast(d64, t), low32);
    const auto round = one << hn::Sub(t64, one);
    const auto x = hn::Add(hn::MulEven(a, m), round) >> t64;
    return hn::Min(hn::Max(x, lo), hi);
  };
  const auto even = half(acc, multiplier, total);
  const auto odd = half(OddToEven(d, acc), OddToEven(d, multiplier),
                        OddToEven(d, total));
  return hn::Add(JoinLow32(d, even, odd), k.zero_point);
}

}  // namespace
}  // namespace HWY_NAMESPACE
}  // namespace lowbit
HWY_AFTER_NAMESPACE();

#endif  // LOWBIT_KERNELS_REQUANT_INL_H_
