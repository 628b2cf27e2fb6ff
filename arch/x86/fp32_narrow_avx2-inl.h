// fp32_narrow-inl.h's instructions on 256-bit vectors (8 int32 lanes), for
// files built for the static HWY_AVX2 target: cvtps2dq (nearest even in
// the default rounding mode, which the shared requantizer's magic-bias
// addition assumes as well, README); AVX2 has no byte masks, so a short
// row goes through a buffer.

// Per-target include guard, as Highway requires.
#if defined(LOWBIT_ARCH_X86_FP32_NARROW_AVX2_INL_H_) == \
    defined(HWY_TARGET_TOGGLE)
#ifdef LOWBIT_ARCH_X86_FP32_NARROW_AVX2_INL_H_
#undef LOWBIT_ARCH_X86_FP32_NARROW_AVX2_INL_H_
#else
#define LOWBIT_ARCH_X86_FP32_NARROW_AVX2_INL_H_
#endif

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "arch/x86/fp32_narrow-inl.h"
#include "hwy/highway.h"

namespace lowbit {
namespace HWY_NAMESPACE {
namespace {

struct Avx2Narrow {
  using I = __m256i;
  using F = __m256;
  static constexpr size_t kLanes = 8;
  static HWY_INLINE F SetF(float x) { return _mm256_set1_ps(x); }
  static HWY_INLINE I Set8(char x) { return _mm256_set1_epi8(x); }
  static HWY_INLINE I Set16(int16_t x) { return _mm256_set1_epi16(x); }
  static HWY_INLINE I Set32(int32_t x) { return _mm256_set1_epi32(x); }
  static HWY_INLINE I Load32(const int32_t* p) {
    return _mm256_load_si256(reinterpret_cast<const __m256i*>(p));
  }
  static HWY_INLINE F LoadF(const float* p) { return _mm256_loadu_ps(p); }
  static HWY_INLINE I Sub32(I a, I b) { return _mm256_sub_epi32(a, b); }
  static HWY_INLINE F ToFloat(I v) { return _mm256_cvtepi32_ps(v); }
  static HWY_INLINE F MulF(F a, F b) { return _mm256_mul_ps(a, b); }
  static HWY_INLINE F MinF(F a, F b) { return _mm256_min_ps(a, b); }
  static HWY_INLINE I RoundNearest(F f) { return _mm256_cvtps_epi32(f); }
  static HWY_INLINE I Packs32(I a, I b) { return _mm256_packs_epi32(a, b); }
  static HWY_INLINE I AddsSat16(I a, I b) { return _mm256_adds_epi16(a, b); }
  static HWY_INLINE I PacksU8(I a, I b) { return _mm256_packus_epi16(a, b); }
  static HWY_INLINE I PacksI8(I a, I b) { return _mm256_packs_epi16(a, b); }
  static HWY_INLINE I MaxU8(I a, I b) { return _mm256_max_epu8(a, b); }
  static HWY_INLINE I MaxI8(I a, I b) { return _mm256_max_epi8(a, b); }

  // The packs interleave 128-bit lanes; one vpermd puts q0's 8 bytes first,
  // then q1's, q2's, q3's.
  static HWY_INLINE I InOrder(I bytes) {
    return _mm256_permutevar8x32_epi32(
        bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
  }

  template <size_t NV>
  static constexpr size_t Rows() {
    static_assert(NV == 1 || NV == 2 || NV == 4, "1, 2 or 4 vectors per row");
    return 4 / NV;
  }

  // Rows of 8 NV bytes, through a buffer: whole, or the first nc bytes.
  template <size_t NV>
  struct RowStore {
    static constexpr size_t kRowBytes = 8 * NV;
    size_t nc;
    bool full;
    explicit RowStore(size_t n) : nc(n), full(n >= kRowBytes) {}

    template <size_t kRows>
    HWY_INLINE void Rows(uint8_t* dst, size_t ldc, size_t rows,
                         I v) const {
      alignas(32) uint8_t bytes[32];
      _mm256_store_si256(reinterpret_cast<__m256i*>(bytes), v);
      LOWBIT_UNROLL
      for (size_t r = 0; r < kRows; ++r) {
        if (r >= rows) break;
        uint8_t* row = dst + r * ldc;
        const uint8_t* src = bytes + r * kRowBytes;
        if (!full) {
          std::memcpy(row, src, nc);
        } else if constexpr (kRowBytes == 8) {
          std::memcpy(row, src, 8);
        } else if constexpr (kRowBytes == 16) {
          _mm_storeu_si128(
              reinterpret_cast<__m128i*>(row),
              _mm_load_si128(reinterpret_cast<const __m128i*>(src)));
        } else {
          _mm256_storeu_si256(
              reinterpret_cast<__m256i*>(row),
              _mm256_load_si256(reinterpret_cast<const __m256i*>(src)));
        }
      }
    }
  };
};

}  // namespace
}  // namespace HWY_NAMESPACE
}  // namespace lowbit

#endif  // LOWBIT_ARCH_X86_FP32_NARROW_AVX2_INL_H_
