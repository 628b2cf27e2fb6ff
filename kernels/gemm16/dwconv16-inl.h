// The vector body of kernels/gemm16/dwconv16.h, compiled once per Highway
// target (dwconv16.cc); the tail is the same operations on one lane.
#if defined(LOWBIT_KERNELS_GEMM16_DWCONV16_INL_H_) == \
    defined(HWY_TARGET_TOGGLE)
#ifdef LOWBIT_KERNELS_GEMM16_DWCONV16_INL_H_
#undef LOWBIT_KERNELS_GEMM16_DWCONV16_INL_H_
#else
#define LOWBIT_KERNELS_GEMM16_DWCONV16_INL_H_
#endif

#include <cstddef>
#include <cstdint>

#include "hwy/highway.h"
#include "kernels/gemm16/dwconv16.h"

HWY_BEFORE_NAMESPACE();
namespace lowbit {
namespace HWY_NAMESPACE {
namespace {  // internal linkage: see kernels/requant-inl.h
namespace hn = hwy::HWY_NAMESPACE;

template <bool kSum, class D>
HWY_INLINE void Dw16Step(D d, const int16_t* const* taps, size_t count,
                         const int32_t* w, size_t channels, size_t c,
                         int32_t* out, int32_t* sum) {
  const hn::Rebind<int16_t, D> d16;
  auto acc = hn::Zero(d);
  auto total = hn::Zero(d);
  for (size_t i = 0; i < count; ++i) {
    const auto x = hn::PromoteTo(d, hn::LoadU(d16, taps[i] + c));
    acc = hn::Add(acc, hn::Mul(x, hn::LoadU(d, w + i * channels + c)));
    if (kSum) total = hn::Add(total, x);
  }
  hn::StoreU(acc, d, out + c);
  if (kSum) hn::StoreU(total, d, sum + c);
}

template <bool kSum>
void Dw16Channels(const int16_t* const* taps, size_t count, const int32_t* w,
                  size_t channels, int32_t* out, int32_t* sum) {
  const hn::ScalableTag<int32_t> d;
  const hn::CappedTag<int32_t, 1> d1;
  const size_t n = hn::Lanes(d);
  size_t c = 0;
  for (; c + n <= channels; c += n) {
    Dw16Step<kSum>(d, taps, count, w, channels, c, out, sum);
  }
  for (; c < channels; ++c) {
    Dw16Step<kSum>(d1, taps, count, w, channels, c, out, sum);
  }
}

void Dw16AccumulateImpl(const int16_t* const* taps, size_t count,
                        const int32_t* w, size_t channels, int32_t* out,
                        int32_t* sum) {
  if (sum != nullptr) {
    Dw16Channels<true>(taps, count, w, channels, out, sum);
  } else {
    Dw16Channels<false>(taps, count, w, channels, out, sum);
  }
}

}  // namespace
}  // namespace HWY_NAMESPACE
}  // namespace lowbit
HWY_AFTER_NAMESPACE();

#endif  // per-target include guard
