// The vector body of kernels/gemm16/dwconv16.h, compiled once per Highway
// target (dwconv16.cc).
//
// A vector of int16 inputs (channels c..c+N16) multiplies two vectors of
// weights packed as int16 pairs, (w[c], 0) and (0, w[c+1]): the pair
// multiply-add (MulAddPairs: vpdpwssd, vpmaddwd, smlal) gives the even
// channels' products in one int32 vector and the odd ones' in another, one
// instruction each per tap, no widening. InterleaveLower/Upper then put
// each 128-bit block's channels back in order (c+8k..c+8k+3 and
// c+8k+4..c+8k+7), stored block by block. Channels past the last whole
// vector take the one-lane path on the int32-widened weights.
#if defined(LOWBIT_KERNELS_GEMM16_DWCONV16_INL_H_) == \
    defined(HWY_TARGET_TOGGLE)
#ifdef LOWBIT_KERNELS_GEMM16_DWCONV16_INL_H_
#undef LOWBIT_KERNELS_GEMM16_DWCONV16_INL_H_
#else
#define LOWBIT_KERNELS_GEMM16_DWCONV16_INL_H_
#endif

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "hwy/highway.h"
#include "kernels/gemm16/dwconv16.h"
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

template <bool kSum>
HWY_INLINE void Dw16Pairs(const int16_t* const* taps, size_t count,
                          const int32_t* wp, size_t channels, size_t c,
                          int32_t* out, int32_t* sum) {
  const hn::ScalableTag<int16_t> d16;
  const hn::Repartition<int32_t, decltype(d16)> d32;
  using V = hn::Vec<decltype(d32)>;
  const size_t cp = (channels + 1) / 2;
  const auto one_even = hn::BitCast(d16, hn::Set(d32, 1));
  const auto one_odd = hn::BitCast(d16, hn::Set(d32, 1 << 16));
  V e0 = hn::Zero(d32), e1 = hn::Zero(d32), o0 = hn::Zero(d32),
    o1 = hn::Zero(d32), se0 = hn::Zero(d32), se1 = hn::Zero(d32),
    so0 = hn::Zero(d32), so1 = hn::Zero(d32);
  for (size_t i = 0; i < count; ++i) {
    const auto x = hn::LoadU(d16, taps[i] + c);
    const int32_t* w = wp + i * 2 * cp + c / 2;
    e0 = MulAddPairs(d32, x, hn::BitCast(d16, hn::LoadU(d32, w)), e0, e1);
    o0 = MulAddPairs(d32, x, hn::BitCast(d16, hn::LoadU(d32, w + cp)), o0,
                     o1);
    if (kSum) {
      se0 = MulAddPairs(d32, x, one_even, se0, se1);
      so0 = MulAddPairs(d32, x, one_odd, so0, so1);
    }
  }
  const size_t n32 = hn::Lanes(d32);
  HWY_ALIGN int32_t lower[hn::MaxLanes(d32)];
  HWY_ALIGN int32_t upper[hn::MaxLanes(d32)];
  const auto store = [&](V even, V odd, int32_t* dst) HWY_ATTR {
    hn::Store(hn::InterleaveLower(d32, even, odd), d32, lower);
    hn::Store(hn::InterleaveUpper(d32, even, odd), d32, upper);
    for (size_t k = 0; k < n32 / 4; ++k) {
      std::memcpy(dst + c + 8 * k, lower + 4 * k, 4 * sizeof(int32_t));
      std::memcpy(dst + c + 8 * k + 4, upper + 4 * k, 4 * sizeof(int32_t));
    }
  };
  store(hn::RearrangeToOddPlusEven(e0, e1), hn::RearrangeToOddPlusEven(o0, o1),
        out);
  if (kSum) {
    store(hn::RearrangeToOddPlusEven(se0, se1),
          hn::RearrangeToOddPlusEven(so0, so1), sum);
  }
}

// One channel: the int32-widened weights, one lane.
template <bool kSum>
HWY_INLINE void Dw16Lane(const int16_t* const* taps, size_t count,
                         const int32_t* w, size_t channels, size_t c,
                         int32_t* out, int32_t* sum) {
  const hn::CappedTag<int32_t, 1> d;
  const hn::Rebind<int16_t, decltype(d)> d16;
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
                  const int32_t* wp, size_t channels, int32_t* out,
                  int32_t* sum) {
  const size_t n16 = hn::Lanes(hn::ScalableTag<int16_t>());
  size_t c = 0;
  // Whole 128-bit blocks only (the interleave works within them).
  if (n16 >= 8) {
    for (; c + n16 <= channels; c += n16) {
      Dw16Pairs<kSum>(taps, count, wp, channels, c, out, sum);
    }
  }
  for (; c < channels; ++c) {
    Dw16Lane<kSum>(taps, count, w, channels, c, out, sum);
  }
}

void Dw16AccumulateImpl(const int16_t* const* taps, size_t count,
                        const int32_t* w, const int32_t* wp, size_t channels,
                        int32_t* out, int32_t* sum) {
  if (sum != nullptr) {
    Dw16Channels<true>(taps, count, w, wp, channels, out, sum);
  } else {
    Dw16Channels<false>(taps, count, w, wp, channels, out, sum);
  }
}

}  // namespace
}  // namespace HWY_NAMESPACE
}  // namespace lowbit
HWY_AFTER_NAMESPACE();

#endif  // per-target include guard
