// fp32_narrow-inl.h's instructions on 512-bit vectors (16 int32 lanes),
// for files built for the static HWY_AVX3 target: {rn-sae} conversion,
// rows stored whole or under byte masks.

// Per-target include guard, as Highway requires.
#if defined(LOWBIT_ARCH_X86_FP32_NARROW_AVX512_INL_H_) == \
    defined(HWY_TARGET_TOGGLE)
#ifdef LOWBIT_ARCH_X86_FP32_NARROW_AVX512_INL_H_
#undef LOWBIT_ARCH_X86_FP32_NARROW_AVX512_INL_H_
#else
#define LOWBIT_ARCH_X86_FP32_NARROW_AVX512_INL_H_
#endif

// GCC 12 flags the deliberately undefined source operand of its own
// AVX-512 insert and extract intrinsics (_mm512_undefined_epi32).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "arch/x86/fp32_narrow-inl.h"
#include "hwy/highway.h"

namespace lowbit {
namespace HWY_NAMESPACE {
namespace {

struct Avx512Narrow {
  using I = __m512i;
  using F = __m512;
  static constexpr size_t kLanes = 16;
  static HWY_INLINE F SetF(float x) { return _mm512_set1_ps(x); }
  static HWY_INLINE I Set8(char x) { return _mm512_set1_epi8(x); }
  static HWY_INLINE I Set16(int16_t x) { return _mm512_set1_epi16(x); }
  static HWY_INLINE I Set32(int32_t x) { return _mm512_set1_epi32(x); }
  static HWY_INLINE I Load32(const int32_t* p) { return _mm512_load_si512(p); }
  static HWY_INLINE F LoadF(const float* p) { return _mm512_loadu_ps(p); }
  static HWY_INLINE I Sub32(I a, I b) { return _mm512_sub_epi32(a, b); }
  static HWY_INLINE F ToFloat(I v) { return _mm512_cvtepi32_ps(v); }
  static HWY_INLINE F MulF(F a, F b) { return _mm512_mul_ps(a, b); }
  static HWY_INLINE F MinF(F a, F b) { return _mm512_min_ps(a, b); }
  static HWY_INLINE I RoundNearest(F f) {
    return _mm512_cvt_roundps_epi32(
        f, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  }
  static HWY_INLINE I Packs32(I a, I b) { return _mm512_packs_epi32(a, b); }
  static HWY_INLINE I AddsSat16(I a, I b) { return _mm512_adds_epi16(a, b); }
  static HWY_INLINE I PacksU8(I a, I b) { return _mm512_packus_epi16(a, b); }
  static HWY_INLINE I PacksI8(I a, I b) { return _mm512_packs_epi16(a, b); }
  static HWY_INLINE I MaxU8(I a, I b) { return _mm512_max_epu8(a, b); }
  static HWY_INLINE I MaxI8(I a, I b) { return _mm512_max_epi8(a, b); }

  // The packs leave 128-bit lane k holding lanes 4k..4k+3 of q0, then of
  // q1, q2, q3; one vpermd puts q0's 16 bytes first, then q1's, q2's, q3's.
  static HWY_INLINE I InOrder(I bytes) {
    const I order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14,
                                      3, 7, 11, 15);
    return _mm512_permutexvar_epi32(order, bytes);
  }

  // Rows per four vectors: one of 48 bytes, its last vector repeated, for
  // NV = 3.
  template <size_t NV>
  static constexpr size_t Rows() {
    static_assert(NV >= 1 && NV <= 4, "one to four vectors per row");
    return NV == 3 ? 1 : 4 / NV;
  }

  // Rows of NV vectors' bytes: whole, or the first nc bytes under a mask.
  // Full rows store whole: a masked 64-byte store of 48 bytes crosses a
  // cache line wherever those do not (tok128-ffn-up lost 3% to it).
  template <size_t NV>
  struct RowStore {
    bool full;
    __mmask64 mask;
    explicit RowStore(size_t nc)
        : full(nc >= 16 * NV),
          mask(nc >= 64 ? ~__mmask64{0} : (__mmask64{1} << nc) - 1) {}

    // One row from byte 0 of v.
    HWY_INLINE void Row(uint8_t* dst, I v) const {
      if constexpr (NV == 1) {
        const __m128i x = _mm512_castsi512_si128(v);
        if (full) return _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), x);
        _mm_mask_storeu_epi8(dst, static_cast<__mmask16>(mask), x);
      } else if constexpr (NV == 2) {
        const __m256i x = _mm512_castsi512_si256(v);
        if (full) {
          return _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), x);
        }
        _mm256_mask_storeu_epi8(dst, static_cast<__mmask32>(mask), x);
      } else if constexpr (NV == 3) {
        if (!full) return _mm512_mask_storeu_epi8(dst, mask, v);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst),
                            _mm512_castsi512_si256(v));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + 32),
                         _mm512_extracti32x4_epi32(v, 2));
      } else {
        if (!full) return _mm512_mask_storeu_epi8(dst, mask, v);
        _mm512_storeu_si512(dst, v);
      }
    }

    // Rows [0, rows) of kRows, row r from byte 16 NV r of `bytes`.
    template <size_t kRows>
    HWY_INLINE void Rows(uint8_t* dst, size_t ldc, size_t rows,
                         I bytes) const {
      Row(dst, bytes);
      if constexpr (kRows >= 2) {
        if (rows > 1) {
          Row(dst + ldc, kRows == 2 ? _mm512_shuffle_i64x2(bytes, bytes, 0x0E)
                                    : _mm512_shuffle_i32x4(bytes, bytes, 0x01));
        }
      }
      if constexpr (kRows == 4) {
        if (rows > 2) {
          Row(dst + 2 * ldc,
              _mm512_castsi128_si512(_mm512_extracti32x4_epi32(bytes, 2)));
        }
        if (rows > 3) {
          Row(dst + 3 * ldc,
              _mm512_castsi128_si512(_mm512_extracti32x4_epi32(bytes, 3)));
        }
      }
    }
  };
};

}  // namespace
}  // namespace HWY_NAMESPACE
}  // namespace lowbit

#endif  // LOWBIT_ARCH_X86_FP32_NARROW_AVX512_INL_H_
