// Activations for the int16 pair kernels (ActFormat kInt16, layout.h): A - za
// widened to int16, rows padded with zeros to kpad, and optionally each
// row's sum of A - za. Compiled per target by the portable kernel and for
// the static target of the hand-written kernels that read this form.

#if defined(LOWBIT_KERNELS_GEMM_PREPARE16_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef LOWBIT_KERNELS_GEMM_PREPARE16_INL_H_
#undef LOWBIT_KERNELS_GEMM_PREPARE16_INL_H_
#else
#define LOWBIT_KERNELS_GEMM_PREPARE16_INL_H_
#endif

#include <cstdint>

#include "hwy/highway.h"
#include "lowbit/lowbit.h"

HWY_BEFORE_NAMESPACE();
namespace lowbit {
namespace HWY_NAMESPACE {
namespace {  // internal linkage: see kernels/requant-inl.h
namespace hn = hwy::HWY_NAMESPACE;

template <class DN>
HWY_INLINE void WidenRow(DN dn, const hwy::RemoveConst<hn::TFromD<DN>>* src,
                         int32_t za, size_t k, size_t kpad, int16_t* dst) {
  const hn::Rebind<int16_t, DN> d16;
  const size_t lanes = hn::Lanes(d16);
  const auto vza = hn::Set(d16, static_cast<int16_t>(za));
  size_t x = 0;
  for (; x + lanes <= k; x += lanes) {
    hn::StoreU(hn::Sub(hn::PromoteTo(d16, hn::LoadU(dn, src + x)), vza), d16,
               dst + x);
  }
  for (; x < k; ++x) dst[x] = static_cast<int16_t>(src[x] - za);
  for (; x < kpad; ++x) dst[x] = 0;
}

// A PrepareActivationsFn (ukernel.h).
void PrepareActivations16(lowbit_dtype type, const void* a, size_t lda,
                          int32_t za, size_t m, size_t k, size_t kpad,
                          void* out_bytes, int32_t* row_sums) {
  int16_t* out = static_cast<int16_t*>(out_bytes);
  const hn::ScalableTag<int32_t> d32;
  const hn::Repartition<int16_t, decltype(d32)> d16;
  const size_t lanes16 = hn::Lanes(d16);
  // Contiguous rows without padding are one long row: short K (a 1x1
  // convolution's channels) then still runs whole vectors.
  if (lda == k && kpad == k && row_sums == nullptr) {
    k *= m;
    kpad *= m;
    m = 1;
  }
  for (size_t i = 0; i < m; ++i) {
    int16_t* dst = out + i * kpad;
    if (type == LOWBIT_DTYPE_UINT8) {
      WidenRow(hn::Rebind<uint8_t, decltype(d16)>(),
               static_cast<const uint8_t*>(a) + i * lda, za, k, kpad, dst);
    } else {
      WidenRow(hn::Rebind<int8_t, decltype(d16)>(),
               static_cast<const int8_t*>(a) + i * lda, za, k, kpad, dst);
    }
    if (row_sums == nullptr) continue;
    const auto ones = hn::Set(d16, 1);
    auto s0 = hn::Zero(d32);
    auto s1 = hn::Zero(d32);
    size_t x = 0;
    for (; x + lanes16 <= kpad; x += lanes16) {
      s0 = hn::ReorderWidenMulAccumulate(d32, hn::LoadU(d16, dst + x), ones,
                                         s0, s1);
    }
    uint32_t sum = static_cast<uint32_t>(
        hn::GetLane(hn::SumOfLanes(d32, hn::RearrangeToOddPlusEven(s0, s1))));
    for (; x < kpad; ++x) sum += static_cast<uint32_t>(dst[x]);
    row_sums[i] = static_cast<int32_t>(sum);
  }
}

}  // namespace
}  // namespace HWY_NAMESPACE
}  // namespace lowbit
HWY_AFTER_NAMESPACE();

#endif  // LOWBIT_KERNELS_GEMM_PREPARE16_INL_H_
