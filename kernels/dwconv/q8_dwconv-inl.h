// Portable depthwise convolution microkernel (dwconv.h), compiled once per
// Highway target. No reduction across channels: each int32 lane is one
// channel. A step takes one vector of channels of several output pixels, so
// each weight load serves all of them and their independent accumulators
// cover the multiply-add latency; then the shared requantization
// primitives.
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
#include "kernels/mul_add_pairs-inl.h"

HWY_BEFORE_NAMESPACE();
// For MulAddPairs's vpdpwssd (kernels/mul_add_pairs-inl.h).
#if HWY_TARGET == HWY_AVX3_DL && !defined(__clang__) && defined(__GNUC__)
#pragma GCC target("avx512vnni")
#endif
namespace lowbit {
namespace HWY_NAMESPACE {
namespace {  // internal linkage: see kernels/requant-inl.h
namespace hn = hwy::HWY_NAMESPACE;

using DwD32 = hn::ScalableTag<int32_t>;

// Pixels per step: accumulators that cover the multiply-add latency and
// share each weight load, within the register file.
#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
constexpr size_t kDwPixels = 8;
#else
constexpr size_t kDwPixels = 4;
#endif

#if HWY_ARCH_ARM
constexpr bool kDwInitFirst = false;  // NEON's rearrangement adds pairwise
#else
constexpr bool kDwInitFirst = true;
#endif

// Channels [c, c + count) of P output pixels, in NV vectors (count <=
// NV * lanes; kWhole: count == NV * lanes). Each int32 lane holds one
// channel's input, sign- or zero-extended, and its weight with a zero upper
// half (dwconv.h): as int16 pairs, (x, hi) . (w, 0) is x * w exactly, so one
// pair multiply-add (vpdpwssd, vpmaddwd, smlal) does a MAC. Each tap's
// pointer serves NV vectors, each weight load P pixels.
template <size_t P, size_t NV, bool kWhole, typename TIn, typename TOut,
          class Requant>
HWY_INLINE void DwconvBlock(const DwconvArgs& a, const int64_t* offsets,
                            size_t c, size_t count, TOut* dst,
                            const Requant& requant) {
  const DwD32 d32;
  const hn::Repartition<int16_t, DwD32> d16;
  const hn::Rebind<TIn, DwD32> d8;
  const size_t lanes = hn::Lanes(d32);
  using V = hn::Vec<DwD32>;
  V bias[NV];
  LOWBIT_UNROLL
  for (size_t j = 0; j < NV; ++j) bias[j] = hn::LoadU(d32, a.packed + c + j * lanes);
  V sum0[P][NV], sum1[P][NV];
  LOWBIT_UNROLL
  for (size_t p = 0; p < P; ++p) {
    LOWBIT_UNROLL
    for (size_t j = 0; j < NV; ++j) {
      sum0[p][j] = kDwInitFirst ? bias[j] : hn::Zero(d32);
      sum1[p][j] = hn::Zero(d32);
    }
  }
  const int32_t* w = a.packed + a.cpad + c;
  for (size_t t = 0; t < a.taps; ++t, w += a.cpad) {
    hn::Vec<decltype(d16)> wv[NV];
    LOWBIT_UNROLL
    for (size_t j = 0; j < NV; ++j) {
      wv[j] = hn::BitCast(d16, hn::LoadU(d32, w + j * lanes));
    }
    LOWBIT_UNROLL
    for (size_t p = 0; p < P; ++p) {
      const int64_t offset = offsets[p * a.taps + t];
      const TIn* x = reinterpret_cast<const TIn*>(
          (offset < 0 ? a.zero_row : a.image + offset) + c);
      HWY_ALIGN TIn tail[kWhole ? 1 : NV * HWY_MAX_BYTES / 4];
      if constexpr (!kWhole) {  // never read past the pixel's channels
        std::memset(tail, 0, sizeof(tail));
        std::memcpy(tail, x, count);
        x = tail;
      }
      LOWBIT_UNROLL
      for (size_t j = 0; j < NV; ++j) {
        const V xv = hn::PromoteTo(d32, hn::LoadU(d8, x + j * lanes));
        sum0[p][j] = MulAddPairs(d32, hn::BitCast(d16, xv), wv[j], sum0[p][j],
                                 sum1[p][j]);
      }
    }
  }
  LOWBIT_UNROLL
  for (size_t p = 0; p < P; ++p) {
    TOut* out = reinterpret_cast<TOut*>(reinterpret_cast<uint8_t*>(dst) +
                                        p * a.out_stride) + c;
    LOWBIT_UNROLL
    for (size_t j = 0; j < NV; ++j) {
      if (!kWhole && j * lanes >= count) break;
      V acc = hn::RearrangeToOddPlusEven(sum0[p][j], sum1[p][j]);
      if (!kDwInitFirst) acc = hn::Add(acc, bias[j]);
      StoreResults(d32, requant(acc, c + j * lanes),
                   HWY_MIN(lanes, count - j * lanes), out + j * lanes);
    }
  }
}

template <size_t P, typename TIn, typename TOut, class Requant>
HWY_INLINE void DwconvPixelGroup(const DwconvArgs& a, size_t p0,
                                 const Requant& requant) {
  const size_t lanes = hn::Lanes(DwD32());
  const int64_t* offsets = a.offsets + p0 * a.taps;
  TOut* dst = reinterpret_cast<TOut*>(a.output + p0 * a.out_stride);
  size_t c = 0;
  for (; c + 2 * lanes <= a.channels; c += 2 * lanes) {
    DwconvBlock<P, 2, true, TIn>(a, offsets, c, 2 * lanes, dst, requant);
  }
  if (c + lanes <= a.channels) {
    DwconvBlock<P, 1, true, TIn>(a, offsets, c, lanes, dst, requant);
    c += lanes;
  }
  if (c < a.channels) {
    DwconvBlock<P, 1, false, TIn>(a, offsets, c, a.channels - c, dst,
                                  requant);
  }
}

template <typename TIn, typename TOut, class Requant>
HWY_INLINE void DwconvPixels(const DwconvArgs& a, const Requant& requant) {
  size_t p = 0;
  for (; p + kDwPixels <= a.pixels; p += kDwPixels) {
    DwconvPixelGroup<kDwPixels, TIn, TOut>(a, p, requant);
  }
  // The rest in halving groups: a lone pixel's accumulator is one long
  // dependency chain.
  if constexpr (kDwPixels > 4) {
    if (p + 4 <= a.pixels) {
      DwconvPixelGroup<4, TIn, TOut>(a, p, requant);
      p += 4;
    }
  }
  if (p + 2 <= a.pixels) {
    DwconvPixelGroup<2, TIn, TOut>(a, p, requant);
    p += 2;
  }
  if (p < a.pixels) DwconvPixelGroup<1, TIn, TOut>(a, p, requant);
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

void Q8DwconvUkernel(const DwconvArgs& args) {
  // A local copy: the int8 output stores may alias the caller's struct,
  // which would make the compiler reload every field after each store.
  const DwconvArgs a = args;
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
