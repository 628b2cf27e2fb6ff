// Activations for the 8-bit dot-product kernels (ActFormat kUint8 / kInt8,
// layout.h): each byte XORed with the form's flip, rows padded with zeros to
// kpad, and optionally each row's sum of A - za. Compiled for the static
// target of each hand-written kernel's translation unit.

#if defined(LOWBIT_KERNELS_GEMM_PREPARE8_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef LOWBIT_KERNELS_GEMM_PREPARE8_INL_H_
#undef LOWBIT_KERNELS_GEMM_PREPARE8_INL_H_
#else
#define LOWBIT_KERNELS_GEMM_PREPARE8_INL_H_
#endif

#include <cstring>

#include "hwy/highway.h"
#include "kernels/gemm/layout.h"

HWY_BEFORE_NAMESPACE();
namespace lowbit {
namespace HWY_NAMESPACE {
namespace {  // internal linkage: see kernels/requant-inl.h
namespace hn = hwy::HWY_NAMESPACE;

template <ActFormat kFormat>
void PrepareActivations8(lowbit_dtype type, const void* a, size_t lda,
                         int32_t za, size_t m, size_t k, size_t kpad,
                         void* out, int32_t* row_sums) {
  const hn::ScalableTag<uint8_t> d8;
  const size_t lanes = hn::Lanes(d8);
  const uint8_t flip = FormatFlip(kFormat, type);
  // Sums are taken over A + 128 for int8 A (unsigned bytes), then corrected.
  const uint8_t sum_flip = type == LOWBIT_DTYPE_INT8 ? 0x80 : 0;
  const uint32_t sum_zero =
      static_cast<uint32_t>(za) + (type == LOWBIT_DTYPE_INT8 ? 128u : 0u);
  const auto vflip = hn::Set(d8, flip);
  const auto vsum_flip = hn::Set(d8, static_cast<uint8_t>(flip ^ sum_flip));
  // Contiguous rows without padding are one long row.
  if (lda == k && kpad == k && row_sums == nullptr) {
    k *= m;
    kpad *= m;
    m = 1;
  }
  for (size_t i = 0; i < m; ++i) {
    const uint8_t* src = static_cast<const uint8_t*>(a) + i * lda;
    uint8_t* dst = static_cast<uint8_t*>(out) + i * kpad;
    size_t x = 0;
    if (row_sums == nullptr) {
      for (; x + lanes <= k; x += lanes) {
        hn::StoreU(hn::Xor(hn::LoadU(d8, src + x), vflip), d8, dst + x);
      }
      for (; x < k; ++x) dst[x] = src[x] ^ flip;
    } else {
      const hn::Repartition<uint64_t, decltype(d8)> d64;
      auto sums = hn::Zero(d64);
      for (; x + lanes <= k; x += lanes) {
        const auto v = hn::Xor(hn::LoadU(d8, src + x), vflip);
        hn::StoreU(v, d8, dst + x);
        sums = hn::Add(sums, hn::SumsOf8(hn::Xor(v, vsum_flip)));
      }
      uint32_t sum = static_cast<uint32_t>(hn::GetLane(hn::SumOfLanes(d64, sums)));
      for (; x < k; ++x) {
        dst[x] = src[x] ^ flip;
        sum += src[x] ^ sum_flip;
      }
      row_sums[i] = static_cast<int32_t>(sum - static_cast<uint32_t>(k) * sum_zero);
    }
    if (kpad > k) std::memset(dst + k, 0, kpad - k);
  }
}

}  // namespace
}  // namespace HWY_NAMESPACE
}  // namespace lowbit
HWY_AFTER_NAMESPACE();

#endif  // LOWBIT_KERNELS_GEMM_PREPARE8_INL_H_
