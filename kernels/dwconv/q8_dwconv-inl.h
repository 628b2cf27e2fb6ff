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

// Requantizes and stores channels [c, c + count) of P pixels. The output
// type and the mode are chosen here, per block, so that the tap loop above
// is compiled once rather than once per type and mode.
template <size_t P, size_t NV, typename TOut, class V>
HWY_INLINE void DwStoreAs(const V (&acc)[P][NV], const DwconvArgs& a,
                          size_t c, size_t count, uint8_t* dst) {
  const DwD32 d32;
  const size_t lanes = hn::Lanes(d32);
  WithRequantizer(d32, *a.out, [&](const auto& requant) LOWBIT_LAMBDA_INLINE {
    // Not unrolled over pixels: one copy of each mode's arithmetic per
    // vector keeps the file's compile time (sanitizer builds included) in
    // bounds; the taps above dominate the run time.
    LOWBIT_NO_UNROLL
    for (size_t p = 0; p < P; ++p) {
      TOut* out = reinterpret_cast<TOut*>(dst + p * a.out_stride) + c;
      LOWBIT_UNROLL
      for (size_t j = 0; j < NV; ++j) {
        if (j * lanes >= count) break;
        StoreResults(d32, requant(acc[p][j], c + j * lanes),
                     HWY_MIN(lanes, count - j * lanes), out + j * lanes);
      }
    }
  });
}

template <size_t P, size_t NV, class V>
HWY_INLINE void DwStore(const V (&acc)[P][NV], const DwconvArgs& a, size_t c,
                        size_t count, uint8_t* dst) {
  if (a.out->type == LOWBIT_DTYPE_UINT8) {
    DwStoreAs<P, NV, uint8_t>(acc, a, c, count, dst);
  } else {
    DwStoreAs<P, NV, int8_t>(acc, a, c, count, dst);
  }
}

// The accumulators of P pixels x NV vectors of channels from c. They start
// from the packed bias (from zero on NEON, whose pairwise rearrangement
// would mix it in, so it is added at the end) and end requantized and
// stored.
template <size_t P, size_t NV>
struct DwSums {
  using V = hn::Vec<DwD32>;
  V bias[NV];
  V sum0[P][NV], sum1[P][NV];

  HWY_INLINE DwSums(const DwconvArgs& a, size_t c) {
    const DwD32 d32;
    const size_t lanes = hn::Lanes(d32);
    LOWBIT_UNROLL
    for (size_t j = 0; j < NV; ++j) {
      bias[j] = hn::LoadU(d32, a.packed + c + j * lanes);
    }
    LOWBIT_UNROLL
    for (size_t p = 0; p < P; ++p) {
      LOWBIT_UNROLL
      for (size_t j = 0; j < NV; ++j) {
        sum0[p][j] = kDwInitFirst ? bias[j] : hn::Zero(d32);
        sum1[p][j] = hn::Zero(d32);
      }
    }
  }

  HWY_INLINE void Store(const DwconvArgs& a, size_t c, size_t count,
                        uint8_t* dst) {
    V acc[P][NV];
    LOWBIT_UNROLL
    for (size_t p = 0; p < P; ++p) {
      LOWBIT_UNROLL
      for (size_t j = 0; j < NV; ++j) {
        acc[p][j] = hn::RearrangeToOddPlusEven(sum0[p][j], sum1[p][j]);
        if (!kDwInitFirst) acc[p][j] = hn::Add(acc[p][j], bias[j]);
      }
    }
    DwStore<P, NV>(acc, a, c, count, dst);
  }
};

// Channels [c, c + count) of P output pixels, in NV vectors (count <=
// NV * lanes; kWhole: count == NV * lanes). Each int32 lane holds one
// channel's input, sign- or zero-extended, and its weight with a zero upper
// half (dwconv.h): as int16 pairs, (x, hi) . (w, 0) is x * w exactly, so one
// pair multiply-add (vpdpwssd, vpmaddwd, smlal) does a MAC. Each tap's
// pointer serves NV vectors, each weight load P pixels.
template <size_t P, size_t NV, bool kWhole, typename TIn>
HWY_INLINE void DwconvBlock(const DwconvArgs& a, const int64_t* offsets,
                            size_t c, size_t count, uint8_t* dst) {
  const DwD32 d32;
  const hn::Repartition<int16_t, DwD32> d16;
  const hn::Rebind<TIn, DwD32> d8;
  const size_t lanes = hn::Lanes(d32);
  using V = hn::Vec<DwD32>;
  DwSums<P, NV> sums(a, c);
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
        sums.sum0[p][j] = MulAddPairs(d32, hn::BitCast(d16, xv), wv[j],
                                      sums.sum0[p][j], sums.sum1[p][j]);
      }
    }
  }
  sums.Store(a, c, count, dst);
}

// Channels [c, C) of P pixels, fewer than two vectors. Out of line, as the
// general path below: one copy each, however many paths call them (the
// file's compile time).
template <size_t P, typename TIn>
HWY_NOINLINE void DwconvRest(const DwconvArgs& a, const int64_t* offsets,
                           size_t c, uint8_t* dst) {
  const size_t lanes = hn::Lanes(DwD32());
  if (c + lanes <= a.channels) {
    DwconvBlock<P, 1, true, TIn>(a, offsets, c, lanes, dst);
    c += lanes;
  }
  // The last few channels (fewer than a vector), a pixel at a time.
  for (size_t p = 0; c < a.channels && p < P; ++p) {
    DwconvBlock<1, 1, false, TIn>(a, offsets + p * a.taps, c, a.channels - c,
                                  dst + p * a.out_stride);
  }
}

template <size_t P, typename TIn>
HWY_INLINE void DwconvPixelGroup(const DwconvArgs& a, size_t p0) {
  const size_t lanes = hn::Lanes(DwD32());
  const int64_t* offsets = a.offsets + p0 * a.taps;
  uint8_t* dst = a.output + p0 * a.out_stride;
  size_t c = 0;
  for (; c + 2 * lanes <= a.channels; c += 2 * lanes) {
    DwconvBlock<P, 2, true, TIn>(a, offsets, c, 2 * lanes, dst);
  }
  if (c < a.channels) DwconvRest<P, TIn>(a, offsets, c, dst);
}

// Pixels [p, pixels) on the general path.
template <typename TIn>
HWY_NOINLINE void DwconvPixelsFrom(const DwconvArgs& a, size_t p) {
  for (; p + kDwPixels <= a.pixels; p += kDwPixels) {
    DwconvPixelGroup<kDwPixels, TIn>(a, p);
  }
  // The rest in halving groups: a lone pixel's accumulator is one long
  // dependency chain.
  if constexpr (kDwPixels > 4) {
    if (p + 4 <= a.pixels) {
      DwconvPixelGroup<4, TIn>(a, p);
      p += 4;
    }
  }
  if (p + 2 <= a.pixels) {
    DwconvPixelGroup<2, TIn>(a, p);
    p += 2;
  }
  if (p < a.pixels) DwconvPixelGroup<1, TIn>(a, p);
}

// A row run (dwconv.h) of P pixels, NV whole vectors of channels from c,
// kernel KW wide with stride S: kernel row ky's columns j = p * S + kx are
// each loaded once and multiplied into every pixel that reads them, with
// the row's KW weights held in registers. A kernel row in the vertical
// padding reads za from zero_row at every column (step 0).
template <size_t KW, size_t S, size_t P, size_t NV, typename TIn>
HWY_INLINE void DwconvRunBlock(const DwconvArgs& a, const int64_t* offsets,
                               size_t c, uint8_t* dst) {
  const DwD32 d32;
  const hn::Repartition<int16_t, DwD32> d16;
  const hn::Rebind<TIn, DwD32> d8;
  const size_t lanes = hn::Lanes(d32);
  using V16 = hn::Vec<decltype(d16)>;
  DwSums<P, NV> sums(a, c);
  const size_t kh = a.taps / KW;
  for (size_t ky = 0; ky < kh; ++ky) {
    const int64_t offset = offsets[ky * KW];  // pixel 0's tap (ky, 0)
    const uint8_t* row = (offset < 0 ? a.zero_row : a.image + offset) + c;
    const size_t step = offset < 0 ? 0 : a.in_stride;
    const int32_t* w = a.packed + a.cpad * (1 + ky * KW) + c;
    V16 wv[KW][NV];
    LOWBIT_UNROLL
    for (size_t kx = 0; kx < KW; ++kx) {
      LOWBIT_UNROLL
      for (size_t j = 0; j < NV; ++j) {
        wv[kx][j] = hn::BitCast(d16, hn::LoadU(d32, w + kx * a.cpad + j * lanes));
      }
    }
    LOWBIT_UNROLL
    for (size_t col = 0; col < (P - 1) * S + KW; ++col) {
      const TIn* x = reinterpret_cast<const TIn*>(row + col * step);
      LOWBIT_UNROLL
      for (size_t j = 0; j < NV; ++j) {
        const V16 xv =
            hn::BitCast(d16, hn::PromoteTo(d32, hn::LoadU(d8, x + j * lanes)));
        LOWBIT_UNROLL
        for (size_t kx = 0; kx < KW; ++kx) {
          if (col < kx || (col - kx) % S != 0 || (col - kx) / S >= P) continue;
          const size_t p = (col - kx) / S;
          sums.sum0[p][j] = MulAddPairs(d32, xv, wv[kx][j], sums.sum0[p][j],
                                        sums.sum1[p][j]);
        }
      }
    }
  }
  sums.Store(a, c, NV * lanes, dst);
}

// A row run, kDwPixels pixels at a time on the run path; the channels
// past the last pair of vectors and the last pixels on the general one.
template <size_t KW, size_t S, typename TIn>
HWY_NOINLINE void DwconvRun(const DwconvArgs& a) {
  const size_t lanes = hn::Lanes(DwD32());
  constexpr size_t P = kDwPixels;
  size_t p = 0;
  for (; p + P <= a.pixels; p += P) {
    const int64_t* offsets = a.offsets + p * a.taps;
    uint8_t* dst = a.output + p * a.out_stride;
    size_t c = 0;
    for (; c + 2 * lanes <= a.channels; c += 2 * lanes) {
      DwconvRunBlock<KW, S, P, 2, TIn>(a, offsets, c, dst);
    }
    if (c < a.channels) {
      DwconvRest<P, TIn>(a, offsets, c, dst);
    }
  }
  DwconvPixelsFrom<TIn>(a, p);
}

void Q8DwconvUkernel(const DwconvArgs& args) {
  // A local copy: the int8 output stores may alias the caller's struct,
  // which would make the compiler reload every field after each store.
  const DwconvArgs a = args;
  const bool u8 = a.input_type == LOWBIT_DTYPE_UINT8;
  if (a.row_run &&
      DwconvRowRunSpecialized(a.kernel_w, a.stride_w, a.dilation_w)) {
    if (a.stride_w == 1) {
      return u8 ? DwconvRun<3, 1, uint8_t>(a) : DwconvRun<3, 1, int8_t>(a);
    }
    return u8 ? DwconvRun<3, 2, uint8_t>(a) : DwconvRun<3, 2, int8_t>(a);
  }
  if (u8) {
    DwconvPixelsFrom<uint8_t>(a, 0);
  } else {
    DwconvPixelsFrom<int8_t>(a, 0);
  }
}

}  // namespace
}  // namespace HWY_NAMESPACE
}  // namespace lowbit
HWY_AFTER_NAMESPACE();

#endif  // per-target include guard
