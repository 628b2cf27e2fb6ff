// The fp32 requantization of the hand-written x86 kernels, with its lower
// clamp and zero point moved past the narrowing, written once for any
// vector width; V supplies the width's instructions (Avx512Narrow in
// fp32_narrow_avx512-inl.h, Avx2Narrow in fp32_narrow_avx2-inl.h).
//
// Per vector: r = round(min(acc * scale, qmax - zp)) to nearest even (the
// shared requantizer rounds by adding 1.5 * 2^23, also to nearest even);
// per four vectors: saturation to 16 bits, + zp saturating, saturation to
// 8 bits, max(., qmin) per byte. Every step after the rounding is monotone
// and the identity plus zp on [qmin - zp, qmax - zp], so an r below
// qmin - zp (even the 0x80000000 of an out-of-range conversion) still ends
// at qmin: the bytes of kernels/requant-inl.h's RequantizeFp32, from 4
// instructions per vector where that takes 6, plus 1.75 per vector for
// four vectors' packs. The min keeps a large positive product from
// converting to 0x80000000, and makes r <= qmax - zp, so no upper clamp is
// needed.

// Per-target include guard, as Highway requires.
#if defined(LOWBIT_ARCH_X86_FP32_NARROW_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef LOWBIT_ARCH_X86_FP32_NARROW_INL_H_
#undef LOWBIT_ARCH_X86_FP32_NARROW_INL_H_
#else
#define LOWBIT_ARCH_X86_FP32_NARROW_INL_H_
#endif

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "hwy/highway.h"
#include "kernels/gemm/epilogue-inl.h"
#include "kernels/gemm/ukernel.h"

namespace lowbit {
namespace HWY_NAMESPACE {
namespace {

template <class V>
struct Fp32Narrow {
  using I = typename V::I;
  const float* scale;
  typename V::F hi;  // qmax - zp
  I zp16;            // zp in int16 lanes
  I qmin;            // per byte
  bool u8;

  explicit Fp32Narrow(const GemmOutput& out)
      : scale(out.scale),
        hi(V::SetF(static_cast<float>(out.qmax - out.zero_point))),
        zp16(V::Set16(static_cast<int16_t>(out.zero_point))),
        qmin(V::Set8(static_cast<char>(out.qmin))),
        u8(out.type == LOWBIT_DTYPE_UINT8) {}

  // r for the lanes of channels i on.
  HWY_INLINE I Round(I acc, size_t i) const {
    return V::RoundNearest(
        V::MinF(V::MulF(V::ToFloat(acc), V::LoadF(scale + i)), hi));
  }

  // The output bytes of four vectors of r, in the packs' order (V::InOrder
  // makes it vector order).
  HWY_INLINE I Bytes(I q0, I q1, I q2, I q3) const {
    const I w01 = V::AddsSat16(V::Packs32(q0, q1), zp16);
    const I w23 = V::AddsSat16(V::Packs32(q2, q3), zp16);
    if (u8) return V::MaxU8(V::PacksU8(w01, w23), qmin);
    return V::MaxI8(V::PacksI8(w01, w23), qmin);
  }
};

// The epilogue of an MR x NV tile of a GEMM kernel in the fp32 mode, to
// 8-bit C (columns [0, nc), nc <= NV vectors' lanes, of channel n0 on): rows
// go four vectors at a time through one Bytes, V::Rows<NV>() rows of NV
// vectors each, the rest of the four a repeat, computed but not stored.
template <class V, size_t MR, size_t NV>
HWY_INLINE void StoreFp32Tile(const typename V::I (&acc)[MR][NV],
                              const GemmOutput& out, size_t n0, size_t nc,
                              void* c, size_t ldc) {
  constexpr size_t kRows = V::template Rows<NV>();
  const Fp32Narrow<V> narrow(out);
  const typename V::template RowStore<NV> store(nc);
  auto* dst = static_cast<uint8_t*>(c);
  LOWBIT_UNROLL
  for (size_t m0 = 0; m0 < MR; m0 += kRows) {
    typename V::I q[4];
    LOWBIT_UNROLL
    for (size_t i = 0; i < 4; ++i) {
      const size_t r = i / NV, j = i % NV;
      if (i == 0 || (r < kRows && m0 + r < MR)) {
        q[i] = narrow.Round(acc[m0 + r][j], n0 + V::kLanes * j);
      } else {
        q[i] = q[i > 0 ? i - 1 : 0];
      }
    }
    const typename V::I bytes =
        V::InOrder(narrow.Bytes(q[0], q[1], q[2], q[3]));
    store.template Rows<kRows>(dst + m0 * ldc, ldc,
                               MR - m0 < kRows ? MR - m0 : kRows, bytes);
  }
}

// The output stage of a hand-written kernel's MR x NV tile: StoreFp32Tile
// for the fp32 mode (after the row offsets of asymmetric weights), the
// shared epilogue for the others.
template <class V, size_t MR, size_t NV>
HWY_INLINE void FinishNarrowTile(typename V::I (&acc)[MR][NV],
                                 const int32_t* row_offset,
                                 const GemmOutput& out, size_t n0, size_t nc,
                                 void* c, size_t ldc) {
  if (out.requant != LOWBIT_REQUANT_FP32) {
    return FinishRawTile<MR, NV>(hn::ScalableTag<int32_t>(), acc, row_offset,
                                 out, n0, nc, c, ldc);
  }
  if (row_offset != nullptr) {
    LOWBIT_UNROLL
    for (size_t m = 0; m < MR; ++m) {
      const typename V::I offset = V::Set32(row_offset[m]);
      LOWBIT_UNROLL
      for (size_t j = 0; j < NV; ++j) acc[m][j] = V::Sub32(acc[m][j], offset);
    }
  }
  StoreFp32Tile<V, MR, NV>(acc, out, n0, nc, c, ldc);
}

// GemmKernel::requantize of a kernel whose fp32 epilogue is StoreFp32Tile:
// that path for the fp32 mode, the shared one for the others.
template <class V>
void RequantizeWithFp32Narrow(const GemmOutput& out, const int32_t* acc,
                              size_t n, int32_t* q) {
  if (out.requant != LOWBIT_REQUANT_FP32) {
    return RequantizeFullVectors(out, acc, n, q);
  }
  constexpr size_t kChunk = 4 * V::kLanes;
  for (size_t i = 0; i < n; i += kChunk) {
    const size_t count = n - i < kChunk ? n - i : kChunk;
    alignas(64) int32_t in[kChunk] = {};
    std::memcpy(in, acc + i, count * sizeof(int32_t));
    typename V::I v[1][4];
    for (size_t k = 0; k < 4; ++k) v[0][k] = V::Load32(in + V::kLanes * k);
    alignas(64) uint8_t bytes[kChunk];
    StoreFp32Tile<V, 1, 4>(v, out, i, kChunk, bytes, kChunk);
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

#endif  // LOWBIT_ARCH_X86_FP32_NARROW_INL_H_
