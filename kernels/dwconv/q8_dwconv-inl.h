// Portable depthwise convolution microkernel (dwconv.h), compiled once per
// Highway target. No reduction across channels: each int32 lane is one
// channel, inputs widened straight to int32 and multiplied by int32 weights
// (exact), up to four channel vectors in flight so the multiply latency
// overlaps; then the shared requantization primitives.
#if defined(LOWBIT_KERNELS_DWCONV_Q8_DWCONV_INL_H_) == \
    defined(HWY_TARGET_TOGGLE)
#ifdef LOWBIT_KERNELS_DWCONV_Q8_DWCONV_INL_H_
#undef LOWBIT_KERNELS_DWCONV_Q8_DWCONV_INL_H_
#else
#define LOWBIT_KERNELS_DWCONV_Q8_DWCONV_INL_H_
#endif

#include <cstring>

#include "hwy/highway.h"
#include "kernels/dwconv/dwconv.h"
#include "kernels/gemm/epilogue-inl.h"

HWY_BEFORE_NAMESPACE();
namespace lowbit {
namespace HWY_NAMESPACE {
namespace {  // internal linkage: see kernels/requant-inl.h
namespace hn = hwy::HWY_NAMESPACE;

using DwD32 = hn::ScalableTag<int32_t>;

// NV vectors of channels [c, c + NV * lanes) of one output pixel; `count`
// channels are real (the rest of the last vector is neither read from the
// input nor stored).
template <size_t NV, typename TIn, typename TOut, class Requant>
HWY_INLINE void DwconvChannels(const DwconvArgs& a, const int64_t* offsets,
                               size_t c, size_t count, TOut* dst,
                               const Requant& requant) {
  const DwD32 d32;
  const hn::Rebind<TIn, DwD32> d8;
  const size_t lanes = hn::Lanes(d32);
  using V = hn::Vec<DwD32>;
  V acc[NV];
  LOWBIT_UNROLL
  for (size_t j = 0; j < NV; ++j) {
    acc[j] = hn::LoadU(d32, a.packed + c + j * lanes);
  }
  const int32_t* w = a.packed + a.cpad + c;
  const bool whole = count == NV * lanes;
  for (size_t t = 0; t < a.taps; ++t, w += a.cpad) {
    const int64_t offset = offsets[t];
    const TIn* x = reinterpret_cast<const TIn*>(
        (offset < 0 ? a.zero_row : a.image + offset) + c);
    HWY_ALIGN TIn tail[NV * HWY_MAX_BYTES / 4] = {};
    if (!whole) {  // never read past the pixel's channels
      std::memcpy(tail, x, count);
      x = tail;
    }
    LOWBIT_UNROLL
    for (size_t j = 0; j < NV; ++j) {
      const V xv = hn::PromoteTo(d32, hn::LoadU(d8, x + j * lanes));
      acc[j] = hn::Add(acc[j], hn::Mul(xv, hn::LoadU(d32, w + j * lanes)));
    }
  }
  LOWBIT_UNROLL
  for (size_t j = 0; j < NV; ++j) {
    if (j * lanes >= count) break;
    StoreResults(d32, requant(acc[j], c + j * lanes),
                 HWY_MIN(lanes, count - j * lanes), dst + c + j * lanes);
  }
}

template <typename TIn, typename TOut, class Requant>
HWY_INLINE void DwconvPixels(const DwconvArgs& a, const Requant& requant) {
  const size_t lanes = hn::Lanes(DwD32());
  constexpr size_t kNV = 4;
  for (size_t p = 0; p < a.pixels; ++p) {
    const int64_t* offsets = a.offsets + p * a.taps;
    TOut* dst = reinterpret_cast<TOut*>(a.output + p * a.out_stride);
    size_t c = 0;
    for (; c + kNV * lanes <= a.channels; c += kNV * lanes) {
      DwconvChannels<kNV, TIn>(a, offsets, c, kNV * lanes, dst, requant);
    }
    for (; c < a.channels; c += lanes) {
      DwconvChannels<1, TIn>(a, offsets, c, HWY_MIN(lanes, a.channels - c),
                             dst, requant);
    }
  }
}

template <typename TOut>
HWY_INLINE void DwconvOut(const DwconvArgs& a) {
  WithRequantizer(DwD32(), *a.out, [&](const auto& requant)
                                       LOWBIT_LAMBDA_INLINE {
    if (a.input_type == LOWBIT_DTYPE_UINT8) {
      DwconvPixels<uint8_t, TOut>(a, requant);
    } else {
      DwconvPixels<int8_t, TOut>(a, requant);
    }
  });
}

void Q8DwconvUkernel(const DwconvArgs& a) {
  if (a.out->type == LOWBIT_DTYPE_UINT8) {
    DwconvOut<uint8_t>(a);
  } else {
    DwconvOut<int8_t>(a);
  }
}

}  // namespace
}  // namespace HWY_NAMESPACE
}  // namespace lowbit
HWY_AFTER_NAMESPACE();

#endif  // per-target include guard
