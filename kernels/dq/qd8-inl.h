// The vector bodies of kernels/dq/qd8.h, compiled once per Highway target
// (qd8.cc). Each loop's tail is the same operations on one lane.
#if defined(LOWBIT_KERNELS_DQ_QD8_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef LOWBIT_KERNELS_DQ_QD8_INL_H_
#undef LOWBIT_KERNELS_DQ_QD8_INL_H_
#else
#define LOWBIT_KERNELS_DQ_QD8_INL_H_
#endif

#include <cstddef>
#include <cstdint>

#include "hwy/highway.h"
#include "kernels/dq/qd8.h"

HWY_BEFORE_NAMESPACE();
namespace lowbit {
namespace HWY_NAMESPACE {
namespace {  // internal linkage: see kernels/requant-inl.h
namespace hn = hwy::HWY_NAMESPACE;

// Finite values give x - x = +0 exactly; an infinity or a NaN gives a NaN,
// which every later sum keeps.
bool Qd8RangeImpl(const float* a, size_t k, float* lo, float* hi) {
  const hn::ScalableTag<float> d;
  const size_t n = hn::Lanes(d);
  auto vlo = hn::Zero(d), vhi = hn::Zero(d), bad = hn::Zero(d);
  // Two sets: the add's latency bounded the loop (min and max and the sum
  // of +0s are exact in any order).
  auto vlo1 = hn::Zero(d), vhi1 = hn::Zero(d), bad1 = hn::Zero(d);
  size_t i = 0;
  for (; i + 2 * n <= k; i += 2 * n) {
    const auto v = hn::LoadU(d, a + i);
    const auto v1 = hn::LoadU(d, a + i + n);
    vlo = hn::Min(vlo, v);
    vhi = hn::Max(vhi, v);
    bad = hn::Add(bad, hn::Sub(v, v));
    vlo1 = hn::Min(vlo1, v1);
    vhi1 = hn::Max(vhi1, v1);
    bad1 = hn::Add(bad1, hn::Sub(v1, v1));
  }
  vlo = hn::Min(vlo, vlo1);
  vhi = hn::Max(vhi, vhi1);
  bad = hn::Add(bad, bad1);
  for (; i + n <= k; i += n) {
    const auto v = hn::LoadU(d, a + i);
    vlo = hn::Min(vlo, v);
    vhi = hn::Max(vhi, v);
    bad = hn::Add(bad, hn::Sub(v, v));
  }
  float l = hn::GetLane(hn::MinOfLanes(d, vlo));
  float h = hn::GetLane(hn::MaxOfLanes(d, vhi));
  float b = hn::GetLane(hn::SumOfLanes(d, bad));
  for (; i < k; ++i) {
    l = a[i] < l ? a[i] : l;
    h = a[i] > h ? a[i] : h;
    b += a[i] - a[i];
  }
  *lo = l;
  *hi = h;
  return b == 0.0f && h - l <= 3.40282347e38f;
}

void Qd8QuantizeImpl(const float* a, size_t k, const Qd8Row& row, int8_t* q,
                     uint8_t flip) {
  const hn::ScalableTag<float> d;
  const hn::RebindToSigned<decltype(d)> di;
  const hn::Rebind<int8_t, decltype(d)> d8;
  const size_t n = hn::Lanes(d);
  const auto inv = hn::Set(d, row.inv_scale);
  const auto zp = hn::Set(di, row.zero_point);
  const auto vflip = hn::Set(d8, static_cast<int8_t>(flip));
  size_t i = 0;
  for (; i + n <= k; i += n) {
    // |a * inv| <= 255 (plus rounding): NearestInt is exact, and the
    // saturating narrowing is the clamp.
    const auto v = hn::Add(hn::NearestInt(hn::Mul(hn::LoadU(d, a + i), inv)),
                           zp);
    hn::StoreU(hn::Xor(hn::DemoteTo(d8, v), vflip), d8, q + i);
  }
  for (; i < k; ++i) {
    const auto v = hn::Add(
        hn::NearestInt(hn::Mul(hn::Set(d, a[i]), inv)), zp);
    q[i] = static_cast<int8_t>(hn::GetLane(hn::DemoteTo(d8, v)) ^ flip);
  }
}

void Qd8AccumulateBlockImpl(const int32_t* raw, size_t rows, size_t cols,
                            size_t stride, const int32_t* r,
                            const int32_t* wsum, const float* wscale,
                            bool first, float* dst) {
  const hn::ScalableTag<float> d;
  const hn::RebindToSigned<decltype(d)> di;
  const hn::CappedTag<float, 1> d1;
  const hn::CappedTag<int32_t, 1> di1;
  const size_t n = hn::Lanes(d);
  for (size_t i = 0; i < rows; ++i) {
    const int32_t* ri = raw + i * stride;
    float* out = dst + i * stride;
    if (r == nullptr) {
      size_t j = 0;
      for (; j + n <= cols; j += n) {
        const auto term = hn::Mul(hn::ConvertTo(d, hn::LoadU(di, ri + j)),
                                  hn::LoadU(d, wscale + j));
        const auto d0 = first ? hn::Zero(d) : hn::LoadU(d, out + j);
        hn::StoreU(hn::Add(d0, term), d, out + j);
      }
      for (; j < cols; ++j) {
        const auto term = hn::Mul(hn::ConvertTo(d1, hn::Set(di1, ri[j])),
                                  hn::Set(d1, wscale[j]));
        const auto d0 = first ? hn::Zero(d1) : hn::Set(d1, out[j]);
        out[j] = hn::GetLane(hn::Add(d0, term));
      }
      continue;
    }
    const auto vr = hn::Set(di, r[i]);
    size_t j = 0;
    for (; j + n <= cols; j += n) {
      const auto acc = hn::Sub(hn::LoadU(di, ri + j),
                               hn::Mul(vr, hn::LoadU(di, wsum + j)));
      const auto term =
          hn::Mul(hn::ConvertTo(d, acc), hn::LoadU(d, wscale + j));
      const auto d0 = first ? hn::Zero(d) : hn::LoadU(d, out + j);
      hn::StoreU(hn::Add(d0, term), d, out + j);
    }
    for (; j < cols; ++j) {
      const auto acc = hn::Sub(hn::Set(di1, ri[j]),
                               hn::Mul(hn::Set(di1, r[i]), hn::Set(di1, wsum[j])));
      const auto term =
          hn::Mul(hn::ConvertTo(d1, acc), hn::Set(d1, wscale[j]));
      const auto d0 = first ? hn::Zero(d1) : hn::Set(d1, out[j]);
      out[j] = hn::GetLane(hn::Add(d0, term));
    }
  }
}

template <class D, class V>
HWY_INLINE V Qd8Clamp(D, V y, V lo, V hi) {
  y = hn::IfThenElse(y < lo, lo, y);
  return hn::IfThenElse(y > hi, hi, y);
}

void Qd8FinishImpl(const float* src, size_t rows, size_t cols,
                   size_t d_stride, const float* scale, const float* zp,
                   const float* z, const float* bias, float lo, float hi,
                   float* c, size_t ldc) {
  const hn::ScalableTag<float> d;
  const hn::CappedTag<float, 1> d1;
  const size_t n = hn::Lanes(d);
  for (size_t i = 0; i < rows; ++i) {
    const float* s = src + i * d_stride;
    float* out = c + i * ldc;
    const float zpi = z != nullptr ? zp[i] : 0.0f;
    size_t j = 0;
    for (; j + n <= cols; j += n) {
      auto v = hn::LoadU(d, s + j);
      if (z != nullptr) {
        v = hn::Sub(v, hn::Mul(hn::Set(d, zpi), hn::LoadU(d, z + j)));
      }
      const auto y =
          hn::Add(hn::Mul(v, hn::Set(d, scale[i])), hn::LoadU(d, bias + j));
      hn::StoreU(Qd8Clamp(d, y, hn::Set(d, lo), hn::Set(d, hi)), d, out + j);
    }
    for (; j < cols; ++j) {
      auto v = hn::Set(d1, s[j]);
      if (z != nullptr) {
        v = hn::Sub(v, hn::Mul(hn::Set(d1, zpi), hn::Set(d1, z[j])));
      }
      const auto y = hn::Add(hn::Mul(v, hn::Set(d1, scale[i])),
                             hn::Set(d1, bias[j]));
      out[j] = hn::GetLane(Qd8Clamp(d1, y, hn::Set(d1, lo), hn::Set(d1, hi)));
    }
  }
}

}  // namespace
}  // namespace HWY_NAMESPACE
}  // namespace lowbit
HWY_AFTER_NAMESPACE();

#endif  // LOWBIT_KERNELS_DQ_QD8_INL_H_
