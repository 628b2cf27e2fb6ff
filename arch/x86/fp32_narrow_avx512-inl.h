// The fp32 requantization of the hand-written AVX-512 kernels, with its
// lower clamp and zero point moved past the narrowing. Per vector:
// r = round(min(acc * scale, qmax - zp)) to nearest even (the shared
// requantizer rounds by adding 1.5 * 2^23, also to nearest even); per four
// vectors: saturation to 16 bits, + zp saturating, saturation to 8 bits,
// max(., qmin) per byte. Every step after the rounding is monotone and the
// identity plus zp on [qmin - zp, qmax - zp], so an r below qmin - zp
// (even the 0x80000000 of an out-of-range conversion) still ends at qmin:
// the bytes of kernels/requant-inl.h's RequantizeFp32, from 4 instructions
// per vector where that takes 6, plus 1.75 per vector for four vectors'
// packs. The min keeps a large positive product from converting to
// 0x80000000, and makes r <= qmax - zp, so no upper clamp is needed.
// For files built for the static HWY_AVX3 target.

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
#include <cstring>

#include "hwy/highway.h"
#include "kernels/gemm/epilogue-inl.h"
#include "kernels/gemm/ukernel.h"

namespace lowbit {
namespace HWY_NAMESPACE {
namespace {

struct Fp32Narrow {
  const float* scale;
  __m512 hi;       // qmax - zp
  __m512i zp16;    // zp in int16 lanes
  __m512i qmin;    // per byte
  bool u8;

  explicit Fp32Narrow(const GemmOutput& out)
      : scale(out.scale),
        hi(_mm512_set1_ps(static_cast<float>(out.qmax - out.zero_point))),
        zp16(_mm512_set1_epi16(static_cast<int16_t>(out.zero_point))),
        qmin(_mm512_set1_epi8(static_cast<char>(out.qmin))),
        u8(out.type == LOWBIT_DTYPE_UINT8) {}

  // r for 16 lanes of channels i..i+15.
  HWY_INLINE __m512i Round(__m512i acc, size_t i) const {
    const __m512 f =
        _mm512_mul_ps(_mm512_cvtepi32_ps(acc), _mm512_loadu_ps(scale + i));
    return _mm512_cvt_roundps_epi32(
        _mm512_min_ps(f, hi), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  }

  // The output bytes of four vectors of r, as the packs leave them: 128-bit
  // lane k holds lanes 4k..4k+3 of q0, then of q1, q2, q3.
  HWY_INLINE __m512i Bytes(__m512i q0, __m512i q1, __m512i q2,
                           __m512i q3) const {
    const __m512i w01 = _mm512_adds_epi16(_mm512_packs_epi32(q0, q1), zp16);
    const __m512i w23 = _mm512_adds_epi16(_mm512_packs_epi32(q2, q3), zp16);
    if (u8) return _mm512_max_epu8(_mm512_packus_epi16(w01, w23), qmin);
    return _mm512_max_epi8(_mm512_packs_epi16(w01, w23), qmin);
  }
};

// Bytes' result in vector order: q0's 16 bytes, then q1's, q2's, q3's.
HWY_INLINE __m512i InVectorOrder(__m512i bytes) {
  const __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10,
                                          14, 3, 7, 11, 15);
  return _mm512_permutexvar_epi32(order, bytes);
}

HWY_INLINE __mmask64 FirstBytes(size_t n) {
  return n >= 64 ? ~__mmask64{0} : (__mmask64{1} << n) - 1;
}

// 128-bit lane kLane of v.
template <int kLane>
HWY_INLINE __m128i Lane(__m512i v) {
  return _mm512_extracti32x4_epi32(v, kLane);
}

// One row of NV vectors' bytes, from byte 0 of v (at most 64): n of them,
// or all 16 NV when full. Full rows store whole: a masked 64-byte store of
// 48 bytes crosses a cache line wherever those do not (tok128-ffn-up lost
// 3% to it).
template <size_t NV>
HWY_INLINE void StoreRow(uint8_t* dst, __m512i v, bool full, __mmask64 n) {
  if constexpr (NV == 1) {
    const __m128i x = _mm512_castsi512_si128(v);
    if (full) return _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), x);
    _mm_mask_storeu_epi8(dst, static_cast<__mmask16>(n), x);
  } else if constexpr (NV == 2) {
    const __m256i x = _mm512_castsi512_si256(v);
    if (full) return _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), x);
    _mm256_mask_storeu_epi8(dst, static_cast<__mmask32>(n), x);
  } else if constexpr (NV == 3) {
    if (!full) return _mm512_mask_storeu_epi8(dst, n, v);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst),
                        _mm512_castsi512_si256(v));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + 32), Lane<2>(v));
  } else {
    if (!full) return _mm512_mask_storeu_epi8(dst, n, v);
    _mm512_storeu_si512(dst, v);
  }
}

// The epilogue of an MR x NV tile of a GEMM kernel in the fp32 mode, to
// 8-bit C (columns [0, nc), nc <= 16 NV, of channel n0 on): rows go four
// vectors at a time through one Bytes, 64 / (16 NV) rows of NV vectors
// each (one row, its last vector repeated, for NV = 3).
template <size_t MR, size_t NV>
HWY_INLINE void StoreFp32Tile(const __m512i (&acc)[MR][NV],
                              const GemmOutput& out, size_t n0, size_t nc,
                              void* c, size_t ldc) {
  static_assert(NV >= 1 && NV <= 4, "one to four vectors per row");
  constexpr size_t kRows = NV == 3 ? 1 : 4 / NV;
  const Fp32Narrow narrow(out);
  const bool full = nc >= 16 * NV;
  const __mmask64 mask = FirstBytes(nc);
  auto* dst = static_cast<uint8_t*>(c);
  LOWBIT_UNROLL
  for (size_t m0 = 0; m0 < MR; m0 += kRows) {
    __m512i q[4];
    LOWBIT_UNROLL
    for (size_t i = 0; i < 4; ++i) {
      const size_t r = i / NV, j = i % NV;
      // Past the group's rows or the tile: a repeat, computed but not stored.
      if (i == 0 || (r < kRows && m0 + r < MR)) {
        q[i] = narrow.Round(acc[m0 + r][j], n0 + 16 * j);
      } else {
        q[i] = q[i > 0 ? i - 1 : 0];
      }
    }
    const __m512i bytes = InVectorOrder(narrow.Bytes(q[0], q[1], q[2], q[3]));
    // Row m0 + r from byte 16 NV r of `bytes`.
    StoreRow<NV>(dst + m0 * ldc, bytes, full, mask);
    if constexpr (kRows >= 2) {
      if (m0 + 1 < MR) {
        StoreRow<NV>(dst + (m0 + 1) * ldc,
                     kRows == 2 ? _mm512_shuffle_i64x2(bytes, bytes, 0x0E)
                                : _mm512_shuffle_i32x4(bytes, bytes, 0x01),
                     full, mask);
      }
    }
    if constexpr (kRows == 4) {
      if (m0 + 2 < MR) {
        StoreRow<NV>(dst + (m0 + 2) * ldc,
                     _mm512_castsi128_si512(Lane<2>(bytes)), full, mask);
      }
      if (m0 + 3 < MR) {
        StoreRow<NV>(dst + (m0 + 3) * ldc,
                     _mm512_castsi128_si512(Lane<3>(bytes)), full, mask);
      }
    }
  }
}

// GemmKernel::requantize of a kernel whose fp32 epilogue is StoreFp32Tile:
// that path for the fp32 mode, the shared one for the others.
inline void RequantizeWithFp32Narrow(const GemmOutput& out,
                                     const int32_t* acc, size_t n,
                                     int32_t* q) {
  if (out.requant != LOWBIT_REQUANT_FP32) {
    return RequantizeFullVectors(out, acc, n, q);
  }
  for (size_t i = 0; i < n; i += 64) {
    const size_t count = n - i < 64 ? n - i : 64;
    alignas(64) int32_t in[64] = {};
    std::memcpy(in, acc + i, count * sizeof(int32_t));
    __m512i v[1][4];
    for (size_t k = 0; k < 4; ++k) v[0][k] = _mm512_load_si512(in + 16 * k);
    alignas(64) uint8_t bytes[64];
    StoreFp32Tile<1, 4>(v, out, i, 64, bytes, 64);
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

#endif  // LOWBIT_ARCH_X86_FP32_NARROW_AVX512_INL_H_
