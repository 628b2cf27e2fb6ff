// The fp32 epilogue of fp32_narrow_avx512-inl.h for the AVX2 kernel: per
// 8-lane vector r = round(min(acc * scale, qmax - zp)) (cvtps2dq: nearest
// even in the default rounding mode, which the shared requantizer's
// magic-bias addition assumes as well, README), then per four vectors
// saturating packs, + zp saturating in int16, max(., qmin) per byte. The
// argument that this gives the shared requantizer's bytes is in that
// header. 4 instructions per vector where the shared form takes 6.
// For files built for the static HWY_AVX2 target.

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

#include "hwy/highway.h"
#include "kernels/gemm/epilogue-inl.h"
#include "kernels/gemm/ukernel.h"

namespace lowbit {
namespace HWY_NAMESPACE {
namespace {

struct Fp32NarrowAvx2 {
  const float* scale;
  __m256 hi;       // qmax - zp
  __m256i zp16;    // zp in int16 lanes
  __m256i qmin;    // per byte
  bool u8;

  explicit Fp32NarrowAvx2(const GemmOutput& out)
      : scale(out.scale),
        hi(_mm256_set1_ps(static_cast<float>(out.qmax - out.zero_point))),
        zp16(_mm256_set1_epi16(static_cast<int16_t>(out.zero_point))),
        qmin(_mm256_set1_epi8(static_cast<char>(out.qmin))),
        u8(out.type == LOWBIT_DTYPE_UINT8) {}

  // r for 8 lanes of channels i..i+7.
  HWY_INLINE __m256i Round(__m256i acc, size_t i) const {
    const __m256 f =
        _mm256_mul_ps(_mm256_cvtepi32_ps(acc), _mm256_loadu_ps(scale + i));
    return _mm256_cvtps_epi32(_mm256_min_ps(f, hi));
  }

  // The bytes of four vectors of r in vector order: q0's 8, then q1's, q2's,
  // q3's (the packs interleave 128-bit lanes; one vpermd undoes it).
  HWY_INLINE __m256i Bytes(__m256i q0, __m256i q1, __m256i q2,
                           __m256i q3) const {
    const __m256i w01 = _mm256_adds_epi16(_mm256_packs_epi32(q0, q1), zp16);
    const __m256i w23 = _mm256_adds_epi16(_mm256_packs_epi32(q2, q3), zp16);
    const __m256i bytes =
        u8 ? _mm256_max_epu8(_mm256_packus_epi16(w01, w23), qmin)
           : _mm256_max_epi8(_mm256_packs_epi16(w01, w23), qmin);
    return _mm256_permutevar8x32_epi32(
        bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
  }
};

// The epilogue of an MR x NV tile (NV of 1, 2 or 4 vectors of 8 channels)
// in the fp32 mode, to 8-bit C (columns [0, nc), nc <= 8 NV, of channel n0
// on): 32 / (8 NV) rows at a time through one Bytes. AVX2 has no byte
// masks: a short row goes through a buffer.
template <size_t MR, size_t NV>
HWY_INLINE void StoreFp32TileAvx2(const __m256i (&acc)[MR][NV],
                                  const GemmOutput& out, size_t n0,
                                  size_t nc, void* c, size_t ldc) {
  static_assert(NV == 1 || NV == 2 || NV == 4, "1, 2 or 4 vectors per row");
  constexpr size_t kRows = 4 / NV, kRowBytes = 8 * NV;
  const Fp32NarrowAvx2 narrow(out);
  const bool full = nc >= kRowBytes;
  auto* dst = static_cast<uint8_t*>(c);
  LOWBIT_UNROLL
  for (size_t m0 = 0; m0 < MR; m0 += kRows) {
    __m256i q[4];
    LOWBIT_UNROLL
    for (size_t i = 0; i < 4; ++i) {
      const size_t r = i / NV, j = i % NV;
      // Past the tile: a repeat, computed but not stored.
      if (i == 0 || m0 + r < MR) {
        q[i] = narrow.Round(acc[m0 + r][j], n0 + 8 * j);
      } else {
        q[i] = q[i > 0 ? i - 1 : 0];
      }
    }
    alignas(32) uint8_t bytes[32];
    _mm256_store_si256(reinterpret_cast<__m256i*>(bytes),
                       narrow.Bytes(q[0], q[1], q[2], q[3]));
    LOWBIT_UNROLL
    for (size_t r = 0; r < kRows; ++r) {
      if (m0 + r >= MR) break;
      uint8_t* row = dst + (m0 + r) * ldc;
      const uint8_t* src = bytes + r * kRowBytes;
      if (!full) {
        std::memcpy(row, src, nc);
      } else if constexpr (kRowBytes == 8) {
        std::memcpy(row, src, 8);
      } else if constexpr (kRowBytes == 16) {
        _mm_storeu_si128(reinterpret_cast<__m128i*>(row),
                         _mm_load_si128(reinterpret_cast<const __m128i*>(src)));
      } else {
        _mm256_storeu_si256(
            reinterpret_cast<__m256i*>(row),
            _mm256_load_si256(reinterpret_cast<const __m256i*>(src)));
      }
    }
  }
}

// GemmKernel::requantize of a kernel whose fp32 epilogue is
// StoreFp32TileAvx2: that path for the fp32 mode, the shared one for the
// others.
inline void RequantizeWithFp32NarrowAvx2(const GemmOutput& out,
                                         const int32_t* acc, size_t n,
                                         int32_t* q) {
  if (out.requant != LOWBIT_REQUANT_FP32) {
    return RequantizeFullVectors(out, acc, n, q);
  }
  for (size_t i = 0; i < n; i += 32) {
    const size_t count = n - i < 32 ? n - i : 32;
    alignas(32) int32_t in[32] = {};
    std::memcpy(in, acc + i, count * sizeof(int32_t));
    __m256i v[1][4];
    for (size_t k = 0; k < 4; ++k) {
      v[0][k] = _mm256_load_si256(reinterpret_cast<const __m256i*>(in + 8 * k));
    }
    uint8_t bytes[32];
    StoreFp32TileAvx2<1, 4>(v, out, i, 32, bytes, 32);
    for (size_t k = 0; k < count; ++k) {
      q[i + k] = out.type == LOWBIT_DTYPE_UINT8
                     ? int32_t{bytes[k]}
                     : int32_t{static_cast<int8_t>(bytes[k])};
    }
  }
}

}  // namespace
}  // namespace HWY_NAMESPACE
}  // namespace lowbit

#endif  // LOWBIT_ARCH_X86_FP32_NARROW_AVX2_INL_H_
