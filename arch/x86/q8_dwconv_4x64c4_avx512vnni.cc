// lowbit_q8_dwconv_ukernel_4x64c4__avx512vnni: depthwise 3x3 row runs on
// AVX512-VNNI, reading the c4 form (kernels/dwconv/dwconv.h). One column of
// the three kernel rows, 64 channels, becomes four vectors whose int32 lanes
// hold (row 0, row 1, row 2, 0) of one channel, by byte then word unpacks;
// one vpdpbusd per vector then does three exact MACs per lane, where the
// portable kernel's vpdpwssd does one. Each column serves every pixel of a
// step that reads it. Blocks of 32 channels put two pixels in one vector.
// Results leave through the shared requantization, then saturating packs,
// which restore the channel order the unpacks permuted (exact: the values
// are already in the output range).
// GCC 12 flags the deliberately undefined source operand of its own
// AVX-512 insert and extract intrinsics (_mm512_undefined_epi32).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include <cstring>

#include "arch/kernels.h"
#include "hwy/highway.h"
#include "kernels/dwconv/dwconv.h"
#include "kernels/gemm/epilogue-inl.h"

#if HWY_TARGET != HWY_AVX3
#error "build this file with the AVX-512 flags of CMakeLists.txt"
#endif

namespace lowbit {
namespace HWY_NAMESPACE {
namespace {

// Vectors of channels per step: each holds one pixel's 64 channels (kPV =
// 1) or two pixels' 32 (kPV = 2); kP vectors, kPV * kP pixels.
constexpr size_t kSteps = 4;

// The four c4 vectors of one column: lane bytes (r0, r1, r2, 0) per channel
// in slot order (dwconv.h).
HWY_INLINE void Quads(__m512i r0, __m512i r1, __m512i r2, __m512i (&t)[4]) {
  const __m512i zero = _mm512_setzero_si512();
  const __m512i u0 = _mm512_unpacklo_epi8(r0, r1);
  const __m512i u1 = _mm512_unpackhi_epi8(r0, r1);
  const __m512i v0 = _mm512_unpacklo_epi8(r2, zero);
  const __m512i v1 = _mm512_unpackhi_epi8(r2, zero);
  t[0] = _mm512_unpacklo_epi16(u0, v0);
  t[1] = _mm512_unpackhi_epi16(u0, v0);
  t[2] = _mm512_unpacklo_epi16(u1, v1);
  t[3] = _mm512_unpackhi_epi16(u1, v1);
}

// 64 bytes of one row at two columns: one load for a 64-channel block, two
// 32-byte halves (two pixels) for a 32-channel one.
template <size_t kPV>
HWY_INLINE __m512i LoadColumns(const uint8_t* row, size_t step, size_t col0,
                               size_t col1) {
  if constexpr (kPV == 1) {
    (void)col1;
    return _mm512_loadu_si512(row + col0 * step);
  } else {
    const __m256i lo =
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + col0 * step));
    const __m256i hi =
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + col1 * step));
    return _mm512_inserti64x4(_mm512_zextsi256_si512(lo), hi, 1);
  }
}

struct Rows {
  const uint8_t* row[3];  // kernel row ky at the block's first channel
  size_t step[3];         // bytes per column (0: a padding row of za)
};

// kP vectors x 4 of one block (slots at `slot`), pixels p0.. of the run.
// Vector v holds pixels q0 = p0 + kPV * v and q1 = q0 + 1 (kPV = 2; with
// kOdd the second half repeats q0 and is not stored). Vector v at kernel
// column kx reads column q0 * S + kx in its first half, q1 * S + kx in its
// second: key v * kPV * S + kx relative to p0 * S, and equal keys share
// one set of quads.
template <size_t kPV, size_t kP, size_t S, bool kOdd, bool kFlip>
HWY_INLINE void Step(const DwconvArgs& a, const Rows& rows, size_t p0,
                     size_t slot, size_t c0) {
  static_assert(!kOdd || (kP == 1 && kPV == 2), "an odd pixel is one vector");
  const int32_t* bias = a.packed + slot;
  const int32_t* w = a.packed + a.cpad + slot;
  __m512i acc[kP][4];
  LOWBIT_UNROLL
  for (size_t v = 0; v < kP; ++v) {
    LOWBIT_UNROLL
    for (size_t k = 0; k < 4; ++k) acc[v][k] = _mm512_loadu_si512(bias + 16 * k);
  }
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  // Relative columns: the first half of vector v at kx is key v*kPV*S + kx.
  constexpr size_t kKeys = (kP - 1) * kPV * S + 3;
  LOWBIT_UNROLL
  for (size_t key = 0; key < kKeys; ++key) {
    bool used = false;
    LOWBIT_UNROLL
    for (size_t kx = 0; kx < 3; ++kx) {
      used |= key >= kx && (key - kx) % (kPV * S) == 0 &&
              (key - kx) / (kPV * S) < kP;
    }
    if (!used) continue;
    // The second half: pixel q0 + 1's column, or q0's again for the odd
    // last pixel (kOdd steps are one vector).
    const size_t col0 = p0 * S + key;
    const size_t col1 = kOdd ? col0 : col0 + S;
    __m512i r[3];
    LOWBIT_UNROLL
    for (size_t ky = 0; ky < 3; ++ky) {
      r[ky] = LoadColumns<kPV>(rows.row[ky], rows.step[ky], col0, col1);
      if constexpr (kFlip) r[ky] = _mm512_xor_si512(r[ky], flip);
    }
    __m512i t[4];
    Quads(r[0], r[1], r[2], t);
    LOWBIT_UNROLL
    for (size_t kx = 0; kx < 3; ++kx) {
      if (key < kx || (key - kx) % (kPV * S) != 0 ||
          (key - kx) / (kPV * S) >= kP) {
        continue;
      }
      const size_t v = (key - kx) / (kPV * S);
      LOWBIT_UNROLL
      for (size_t k = 0; k < 4; ++k) {
        acc[v][k] = _mm512_dpbusd_epi32(
            acc[v][k], t[k], _mm512_loadu_si512(w + kx * a.cpad + 16 * k));
      }
    }
  }
  // Requantize, pack back to channel order, store.
  const hn::ScalableTag<int32_t> d32;
  const bool u8 = a.out->type == LOWBIT_DTYPE_UINT8;
  WithRequantizer(d32, *a.out, [&](const auto& requant) LOWBIT_LAMBDA_INLINE {
    LOWBIT_UNROLL
    for (size_t v = 0; v < kP; ++v) {
      __m512i q[4];
      LOWBIT_UNROLL
      for (size_t k = 0; k < 4; ++k) {
        q[k] = requant(hn::Vec512<int32_t>{acc[v][k]}, slot + 16 * k).raw;
      }
      const __m512i w01 = _mm512_packs_epi32(q[0], q[1]);
      const __m512i w23 = _mm512_packs_epi32(q[2], q[3]);
      const __m512i bytes = u8 ? _mm512_packus_epi16(w01, w23)
                               : _mm512_packs_epi16(w01, w23);
      const size_t q0 = p0 + kPV * v;
      uint8_t* dst = a.output + q0 * a.out_stride + c0;
      if constexpr (kPV == 1) {
        _mm512_storeu_si512(dst, bytes);
      } else {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst),
                            _mm512_castsi512_si256(bytes));
        if (!kOdd || v + 1 < kP) {
          _mm256_storeu_si256(
              reinterpret_cast<__m256i*>(dst + a.out_stride),
              _mm512_extracti64x4_epi64(bytes, 1));
        }
      }
    }
  });
}

// Every pixel of the run for one block: steps of kSteps vectors, then
// halving steps; a 32-channel block's last odd pixel alone.
template <size_t kPV, size_t S, bool kFlip>
HWY_NOINLINE void Block(const DwconvArgs& a, const Rows& rows, size_t slot,
                        size_t c0) {
  size_t p = 0;
  for (; p + kSteps * kPV <= a.pixels; p += kSteps * kPV) {
    Step<kPV, kSteps, S, false, kFlip>(a, rows, p, slot, c0);
  }
  if (p + 2 * kPV <= a.pixels) {
    Step<kPV, 2, S, false, kFlip>(a, rows, p, slot, c0);
    p += 2 * kPV;
  }
  if (p + kPV <= a.pixels) {
    Step<kPV, 1, S, false, kFlip>(a, rows, p, slot, c0);
    p += kPV;
  }
  if constexpr (kPV == 2) {
    if (p < a.pixels) Step<kPV, 1, S, true, kFlip>(a, rows, p, slot, c0);
  }
}

template <size_t S, bool kFlip>
void Run(const DwconvArgs& a) {
  const size_t c4 = DwconvC4Channels(a.channels);
  for (size_t c0 = 0, slot = 0; c0 < c4; slot += kDwconvC4Block) {
    Rows rows;
    for (size_t ky = 0; ky < 3; ++ky) {
      const int64_t offset = a.offsets[ky * 3];  // pixel 0's tap (ky, 0)
      rows.row[ky] = (offset < 0 ? a.zero_row : a.image + offset) + c0;
      rows.step[ky] = offset < 0 ? 0 : a.in_stride;
    }
    if (c4 - c0 >= 64) {
      Block<1, S, kFlip>(a, rows, slot, c0);
      c0 += 64;
    } else {
      Block<2, S, kFlip>(a, rows, slot, c0);
      c0 += 32;
    }
  }
}

// Row runs (DwconvArgs::row_run) of a 3x3 kernel, channels [0, C4).
void Q8Dwconv4x64c4(const DwconvArgs& args) {
  // A local copy: the output stores may alias the caller's struct.
  const DwconvArgs a = args;
  const bool flip = a.input_type == LOWBIT_DTYPE_INT8;
  if (a.stride_w == 1) {
    return flip ? Run<1, true>(a) : Run<1, false>(a);
  }
  return flip ? Run<2, true>(a) : Run<2, false>(a);
}

}  // namespace
}  // namespace HWY_NAMESPACE

const DwconvUkernelFn kQ8Dwconv4x64c4Avx512VnniUkernel =
    &HWY_NAMESPACE::Q8Dwconv4x64c4;

}  // namespace lowbit
