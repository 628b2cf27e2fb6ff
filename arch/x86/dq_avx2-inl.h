// The per-block float stage the AVX2 kernels' dynamically quantized loops
// share (GemmDqUkernelFn): each block's int32 start value and the running
// float sum f = f + float(acc) * wscale, kept in the output tile (16 ymm
// registers do not hold it beside the accumulators).
#ifndef LOWBIT_ARCH_X86_DQ_AVX2_INL_H_
#define LOWBIT_ARCH_X86_DQ_AVX2_INL_H_

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "hwy/highway.h"

namespace lowbit {
namespace HWY_NAMESPACE {
namespace {

// The start of row m's accumulator for 8 channels whose sums are at p:
// -r[m] * sum (modulo 2^32), or the sum itself when r is nullptr.
HWY_INLINE __m256i DqStart(const int32_t* p, const int32_t* r, size_t m) {
  const __m256i start = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  if (r == nullptr) return start;
  return _mm256_mullo_epi32(
      _mm256_set1_epi32(static_cast<int32_t>(0u - static_cast<uint32_t>(r[m]))),
      start);
}

// f = (first ? 0 : f) + float(acc) * scale, one rounding each.
HWY_INLINE void DqAddBlock(__m256i acc, __m256 scale, bool first, float* f) {
  const __m256 sum = first ? _mm256_setzero_ps() : _mm256_loadu_ps(f);
  _mm256_storeu_ps(
      f, _mm256_add_ps(sum, _mm256_mul_ps(_mm256_cvtepi32_ps(acc), scale)));
}

}  // namespace
}  // namespace HWY_NAMESPACE
}  // namespace lowbit

#endif  // LOWBIT_ARCH_X86_DQ_AVX2_INL_H_
