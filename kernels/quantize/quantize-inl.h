// The vector bodies of kernels/quantize/quantize.h, compiled once per
// Highway target (quantize.cc). Whole vectors here, the last few elements
// by the scalar forms, which give the same bits by definition.
#if defined(LOWBIT_KERNELS_QUANTIZE_QUANTIZE_INL_H_) == \
    defined(HWY_TARGET_TOGGLE)
#ifdef LOWBIT_KERNELS_QUANTIZE_QUANTIZE_INL_H_
#undef LOWBIT_KERNELS_QUANTIZE_QUANTIZE_INL_H_
#else
#define LOWBIT_KERNELS_QUANTIZE_QUANTIZE_INL_H_
#endif

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "hwy/highway.h"
#include "kernels/quantize/quantize.h"

HWY_BEFORE_NAMESPACE();
namespace lowbit {
namespace HWY_NAMESPACE {
namespace {  // internal linkage: see kernels/requant-inl.h
namespace hn = hwy::HWY_NAMESPACE;

// ARMv7 NEON flushes denormals to zero and divides by a reciprocal
// estimate (Highway's Div there: 39% of random quotients off by an ulp
// under qemu-arm): its float loops are the scalar forms (VFP, IEEE).
// Debian's armhf Highway dispatches to EMU128 anyway (its baseline has no
// NEON), but a build with NEON in its baseline would take this target.
// Elsewhere every vector float operation is the IEEE one.
#if HWY_ARCH_ARM_V7 && HWY_TARGET == HWY_NEON
#define LOWBIT_QUANTIZE_IEEE_VECTORS 0
#else
#define LOWBIT_QUANTIZE_IEEE_VECTORS 1
#endif

// INT4 goes through int8 bytes in chunks of this many elements (even, and a
// multiple of every vector's lanes).
constexpr size_t kChunk = 256;

// x - x is +0 for a finite x and NaN for an infinity or a NaN, and a NaN
// stays in every later sum: two subtractions and additions per two vectors.
bool AllFiniteImpl(const float* x, size_t n) {
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  auto bad0 = hn::Zero(d), bad1 = hn::Zero(d);
  size_t i = 0;
  for (; i + 2 * N <= n; i += 2 * N) {
    const auto v0 = hn::LoadU(d, x + i), v1 = hn::LoadU(d, x + i + N);
    bad0 = hn::Add(bad0, hn::Sub(v0, v0));
    bad1 = hn::Add(bad1, hn::Sub(v1, v1));
  }
  for (; i + N <= n; i += N) {
    const auto v = hn::LoadU(d, x + i);
    bad0 = hn::Add(bad0, hn::Sub(v, v));
  }
  return hn::AllTrue(d, hn::Eq(hn::Add(bad0, bad1), hn::Zero(d))) &&
         AllFiniteRef(x + i, n - i);
}

// Min and max are exact in any order; finiteness as in AllFiniteImpl.
bool MinMaxImpl(const float* x, size_t n, float* lo, float* hi) {
  if (!LOWBIT_QUANTIZE_IEEE_VECTORS) return MinMaxRef(x, n, lo, hi);
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  if (n < N) return MinMaxRef(x, n, lo, hi);
  auto vlo = hn::LoadU(d, x), vhi = vlo;
  auto bad = hn::Sub(vlo, vlo);
  size_t i = N;
  for (; i + N <= n; i += N) {
    const auto v = hn::LoadU(d, x + i);
    vlo = hn::Min(vlo, v);
    vhi = hn::Max(vhi, v);
    bad = hn::Add(bad, hn::Sub(v, v));
  }
  if (!hn::AllTrue(d, hn::Eq(bad, hn::Zero(d)))) return false;
  float l = hn::GetLane(hn::MinOfLanes(d, vlo));
  float h = hn::GetLane(hn::MaxOfLanes(d, vhi));
  if (i < n) {
    float tl = 0.0f, th = 0.0f;
    if (!MinMaxRef(x + i, n - i, &tl, &th)) return false;
    l = tl < l ? tl : l;
    h = th > h ? th : h;
  }
  *lo = l;
  *hi = h;
  return true;
}

float MaxAbsImpl(const float* x, size_t n) {
  if (!LOWBIT_QUANTIZE_IEEE_VECTORS) return MaxAbsRef(x, n);
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  auto m = hn::Zero(d);
  size_t i = 0;
  for (; i + N <= n; i += N) m = hn::Max(m, hn::Abs(hn::LoadU(d, x + i)));
  const float v = hn::GetLane(hn::MaxOfLanes(d, m));
  const float t = MaxAbsRef(x + i, n - i);
  return t > v ? t : v;
}

// The quotient x / scale as Quantize needs it: x times the reciprocal where
// that cannot change the result, a division where it might. With inv =
// fl(1 / scale) a normal float, v = fl(x * inv) is within 2^-23 |q| of the
// exact quotient q, and the division's fl(q) within 2^-24 |q|. Beyond the
// clamp (|v| >= B, B a power of two above every |bound - zp|) both clamp to
// the same end; below it, both round to the same integer unless v is within
// B 2^-21 of a half-integer. Such lanes are 2 B 2^-21 of random ones: one
// vector of 16 in 256 divides for int8 (B = 256), most do for int16.
struct Quotient {
  bool multiply;   // inv is a normal float
  float inv, tol;  // 1 / scale, B 2^-21
};

Quotient QuotientFor(const QuantizeSpec& s) {
  const float inv = 1.0f / s.scale;
  const int32_t m0 = s.hi - s.zero_point, m1 = s.zero_point - s.lo;
  const int32_t m = m0 > m1 ? m0 : m1;
  float b = 1.0f;
  while (b <= static_cast<float>(m)) b *= 2.0f;
  return {std::isnormal(inv), inv, b * (1.0f / 2097152.0f)};
}

// clamp(round_half_away(x / scale), lo - zp, hi - zp) + zp.
//
// Fast path (inv normal, the vector has no lane near a half-integer): v =
// clamp(x * inv) (clamping before rounding is the same, the bounds being
// integers), then adding 1.5 * 2^23 rounds v to the nearest integer r and
// leaves r + 2^22 in the low 23 bits of the float's encoding, so
// subtracting that encoding less zp gives r + zp as int32. No lane within
// tol of a half-integer means no ties (so nearest equals half away) and the
// quotient's rounding (see Quotient).
//
// Otherwise: the division; the difference from the truncation is exact, so
// comparing it with 0.5 rounds half away from zero, and an infinite
// quotient keeps its sign through Trunc and the clamp.
//
// Either way the result is within T's range, so the saturating narrowing
// is exact. (Not TruncateTo: Highway 1.0.3's uint32 -> uint8 one on
// AVX3_DL permutes 32-bit lanes, not bytes.)
template <typename T>
void QuantizeTo(const float* x, size_t n, const QuantizeSpec& s,
                const Quotient& qt, T* q) {
  const hn::ScalableTag<float> d;
  const hn::RebindToSigned<decltype(d)> di;
  const hn::Rebind<T, decltype(d)> dt;
  const size_t N = hn::Lanes(d);
  size_t i = 0;
  if (!LOWBIT_QUANTIZE_IEEE_VECTORS) return QuantizeRef(x, n, s, q);
  // Locals: q may alias s (T is a character type), which would reload them.
  const auto scale = hn::Set(d, s.scale), inv = hn::Set(d, qt.inv);
  const auto near = hn::Set(d, 0.5f - qt.tol), half = hn::Set(d, 0.5f);
  const auto one = hn::Set(d, 1.0f);
  const auto lo = hn::Set(d, static_cast<float>(s.lo - s.zero_point));
  const auto hi = hn::Set(d, static_cast<float>(s.hi - s.zero_point));
  const auto magic = hn::Set(d, 12582912.0f);  // 1.5 * 2^23: 0x4B400000
  const auto unbias = hn::Set(di, 0x4B400000 - s.zero_point);
  const auto zp = hn::Set(di, s.zero_point);
  const bool multiply = qt.multiply;
  for (; i + N <= n; i += N) {
    const auto xv = hn::LoadU(d, x + i);
    if (multiply) {
      const auto v = hn::Min(hn::Max(hn::Mul(xv, inv), lo), hi);
      const auto m = hn::Add(v, magic);
      const auto off = hn::Abs(hn::Sub(v, hn::Sub(m, magic)));  // exact
      if (hn::AllFalse(d, hn::Ge(off, near))) {
        hn::StoreU(hn::DemoteTo(dt, hn::Sub(hn::BitCast(di, m), unbias)), dt,
                   q + i);
        continue;
      }
    }
    const auto v = hn::Div(xv, scale);
    const auto t = hn::Trunc(v);
    const auto away = hn::Ge(hn::Abs(hn::Sub(v, t)), half);
    auto r = hn::IfThenElse(away, hn::Add(t, hn::CopySign(one, v)), t);
    r = hn::Min(hn::Max(r, lo), hi);
    hn::StoreU(hn::DemoteTo(dt, hn::Add(hn::ConvertTo(di, r), zp)), dt, q + i);
  }
  QuantizeRef(x + i, n - i, s, q + i);
}

// Bytes b0 b1 (int8, in [-8, 7]) as one uint16 lane -> nibbles b0 | b1 << 4.
void PackNibbles(const int8_t* b, size_t n, uint8_t* q) {
  const hn::ScalableTag<uint16_t> d16;
  const hn::Rebind<uint8_t, decltype(d16)> d8;
  const hn::Repartition<uint8_t, decltype(d16)> dbytes;
  const size_t N = hn::Lanes(d16);
  const auto lo = hn::Set(d16, 0x000F), hi = hn::Set(d16, 0x00F0);
  size_t i = 0;
  for (; i + 2 * N <= n; i += 2 * N) {
    const auto v = hn::BitCast(
        d16, hn::LoadU(dbytes, reinterpret_cast<const uint8_t*>(b + i)));
    const auto p = hn::Or(hn::And(v, lo), hn::And(hn::ShiftRight<4>(v), hi));
    hn::StoreU(hn::TruncateTo(d8, p), d8, q + i / 2);
  }
  for (; i < n; i += 2) {
    const int hi4 = i + 1 < n ? (b[i + 1] & 0xF) << 4 : 0;
    q[i / 2] = static_cast<uint8_t>((b[i] & 0xF) | hi4);
  }
}

void QuantizeImpl(const float* x, size_t n, const QuantizeSpec& s, void* q) {
  const Quotient qt = QuotientFor(s);  // once, also for INT4's chunks
  switch (s.type) {
    case LOWBIT_DTYPE_UINT8:
      return QuantizeTo(x, n, s, qt, static_cast<uint8_t*>(q));
    case LOWBIT_DTYPE_INT16:
      return QuantizeTo(x, n, s, qt, static_cast<int16_t*>(q));
    case LOWBIT_DTYPE_INT4: {
      HWY_ALIGN int8_t bytes[kChunk];
      QuantizeSpec s8 = s;  // the staging bytes: int8 with INT4's clamp
      s8.type = LOWBIT_DTYPE_INT8;
      for (size_t i = 0; i < n; i += kChunk) {
        const size_t len = n - i < kChunk ? n - i : kChunk;
        QuantizeTo(x + i, len, s8, qt, bytes);
        PackNibbles(bytes, len, static_cast<uint8_t*>(q) + i / 2);
      }
      return;
    }
    default:
      return QuantizeTo(x, n, s, qt, static_cast<int8_t*>(q));
  }
}

template <typename T>
void DequantizeFrom(const T* q, size_t n, float scale, int32_t zero_point,
                    float* x) {
  const hn::ScalableTag<float> d;
  const hn::RebindToSigned<decltype(d)> di;
  const hn::Rebind<T, decltype(d)> dt;
  const size_t N = hn::Lanes(d);
  const auto zp = hn::Set(di, zero_point);
  const auto vs = hn::Set(d, scale);
  size_t i = 0;
  for (; LOWBIT_QUANTIZE_IEEE_VECTORS && i + N <= n; i += N) {
    const auto v = hn::Sub(hn::PromoteTo(di, hn::LoadU(dt, q + i)), zp);
    hn::StoreU(hn::Mul(hn::ConvertTo(d, v), vs), d, x + i);
  }
  for (; i < n; ++i) {
    x[i] = static_cast<float>(static_cast<int32_t>(q[i]) - zero_point) * scale;
  }
}

// Nibble bytes -> one int8 per nibble: each byte as an int16 lane whose low
// byte is the sign-extended low nibble and high byte the high one, which is
// the two int8 elements in memory order.
void UnpackNibbles(const uint8_t* q, size_t n, int8_t* b) {
  const hn::ScalableTag<int16_t> d16;
  const hn::Rebind<uint8_t, decltype(d16)> d8;
  const hn::Repartition<int8_t, decltype(d16)> dbytes;
  const size_t N = hn::Lanes(d16);
  size_t i = 0;
  for (; i + 2 * N <= n; i += 2 * N) {
    const auto w = hn::PromoteTo(d16, hn::LoadU(d8, q + i / 2));
    const auto lo =
        hn::And(hn::ShiftRight<12>(hn::ShiftLeft<12>(w)), hn::Set(d16, 0x00FF));
    const auto hi = hn::ShiftLeft<8>(hn::ShiftRight<12>(hn::ShiftLeft<8>(w)));
    hn::StoreU(hn::BitCast(dbytes, hn::Or(lo, hi)), dbytes, b + i);
  }
  for (; i < n; ++i) {
    const int32_t v = (i % 2 == 0 ? q[i / 2] : q[i / 2] >> 4) & 0xF;
    b[i] = static_cast<int8_t>(v - ((v & 8) << 1));
  }
}

void DequantizeImpl(const void* q, size_t n, lowbit_dtype type, float scale,
                    int32_t zero_point, float* x) {
  switch (type) {
    case LOWBIT_DTYPE_UINT8:
      return DequantizeFrom(static_cast<const uint8_t*>(q), n, scale,
                            zero_point, x);
    case LOWBIT_DTYPE_INT16:
      return DequantizeFrom(static_cast<const int16_t*>(q), n, scale,
                            zero_point, x);
    case LOWBIT_DTYPE_INT4: {
      HWY_ALIGN int8_t bytes[kChunk];
      for (size_t i = 0; i < n; i += kChunk) {
        const size_t len = n - i < kChunk ? n - i : kChunk;
        UnpackNibbles(static_cast<const uint8_t*>(q) + i / 2, len, bytes);
        DequantizeFrom(bytes, len, scale, zero_point, x + i);
      }
      return;
    }
    default:
      return DequantizeFrom(static_cast<const int8_t*>(q), n, scale, zero_point,
                            x);
  }
}

// Where element i starts (i even for INT4).
HWY_MAYBE_UNUSED const void* ElementAt(const void* q, lowbit_dtype type,
                                       size_t i) {
  const uint8_t* b = static_cast<const uint8_t*>(q);
  return type == LOWBIT_DTYPE_INT4    ? b + i / 2
         : type == LOWBIT_DTYPE_INT16 ? b + 2 * i
                                      : b + i;
}

// Lane j of the partial sums is element i % 8 == j, as in the scalar form:
// 8 doubles are one to four vectors, whatever the target.
void SqnrSumsImpl(const float* x, const void* q, size_t n, lowbit_dtype type,
                  float scale, int32_t zero_point, SqnrSums* sums) {
#if HWY_HAVE_FLOAT64 && LOWBIT_QUANTIZE_IEEE_VECTORS
  const hn::CappedTag<double, kSqnrLanes> dd;
  const hn::Rebind<float, decltype(dd)> df;
  constexpr size_t N = hn::MaxLanes(dd);
  constexpr size_t kVecs = kSqnrLanes / N;
  static_assert(kVecs * N == kSqnrLanes, "8 doubles in whole vectors");
  hn::Vec<decltype(dd)> signal[kVecs], noise[kVecs];
  for (size_t v = 0; v < kVecs; ++v) signal[v] = noise[v] = hn::Zero(dd);
  HWY_ALIGN float dq[kChunk];
  size_t i = 0;
  for (; i + kSqnrLanes <= n; i += kChunk) {
    const size_t len =
        (n - i < kChunk ? n - i : kChunk) / kSqnrLanes * kSqnrLanes;
    DequantizeImpl(ElementAt(q, type, i), len, type, scale, zero_point, dq);
    for (size_t j = 0; j < len; j += kSqnrLanes) {
      for (size_t v = 0; v < kVecs; ++v) {
        const auto xv = hn::PromoteTo(dd, hn::LoadU(df, x + i + j + v * N));
        const auto e =
            hn::Sub(xv, hn::PromoteTo(dd, hn::LoadU(df, dq + j + v * N)));
        signal[v] = hn::Add(signal[v], hn::Mul(xv, xv));
        noise[v] = hn::Add(noise[v], hn::Mul(e, e));
      }
    }
    if (len < kChunk) {
      i += len;
      break;
    }
  }
  for (size_t v = 0; v < kVecs; ++v) {
    hn::StoreU(signal[v], dd, sums->signal + v * N);
    hn::StoreU(noise[v], dd, sums->noise + v * N);
  }
  if (i < n) {
    // Whole groups of 8 are done, so the tail starts at lane 0.
    const size_t rest = n - i;
    HWY_ALIGN float dt[kSqnrLanes];
    DequantizeRef(ElementAt(q, type, i), rest, type, scale, zero_point, dt);
    for (size_t j = 0; j < rest; ++j) {
      const double xd = x[i + j];
      const double e = xd - dt[j];
      sums->signal[j] += xd * xd;
      sums->noise[j] += e * e;
    }
  }
#else
  SqnrSumsRef(x, q, n, type, scale, zero_point, sums);
#endif
}

void ScaleImpl(float* w, size_t n, float s) {
  if (!LOWBIT_QUANTIZE_IEEE_VECTORS) return ScaleRef(w, n, s);
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  const auto vs = hn::Set(d, s);
  size_t i = 0;
  for (; i + N <= n; i += N) {
    hn::StoreU(hn::Mul(hn::LoadU(d, w + i), vs), d, w + i);
  }
  ScaleRef(w + i, n - i, s);
}

#undef LOWBIT_QUANTIZE_IEEE_VECTORS

}  // namespace
}  // namespace HWY_NAMESPACE
}  // namespace lowbit
HWY_AFTER_NAMESPACE();

#endif  // include guard
