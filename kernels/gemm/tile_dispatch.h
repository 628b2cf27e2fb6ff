// Hand-written microkernels instantiate their tile once per row count and
// vector count, so a short last tile or a narrow last block does no wasted
// work; this picks the instance.
#ifndef LOWBIT_KERNELS_GEMM_TILE_DISPATCH_H_
#define LOWBIT_KERNELS_GEMM_TILE_DISPATCH_H_

#include <cstddef>
#include <cstdint>

#include "kernels/gemm/ukernel.h"

namespace lowbit {

// Calls Tile::Run<mr, nv>(args...) for 1 <= mr <= MR, 1 <= nv <= NV.
template <class Tile, size_t MR, size_t NV, class... Args>
inline void DispatchTile(size_t mr, size_t nv, const Args&... args) {
  if constexpr (MR > 1) {
    if (mr < MR) return DispatchTile<Tile, MR - 1, NV>(mr, nv, args...);
  }
  if constexpr (NV > 1) {
    if (nv < NV) return DispatchTile<Tile, MR, NV - 1>(mr, nv, args...);
  }
  Tile::template Run<MR, NV>(args...);
}

// Bytes of one element of C under `out`.
inline size_t OutputBytes(const GemmOutput& out) {
  return out.requant == kRawInt32 ? sizeof(int32_t) : 1;
}

// Rows [0, m) in tiles of MR (the last one shorter) of nv vectors: what
// every GemmUkernelFn of a tiled kernel does with its arguments.
template <class Tile, size_t MR, size_t NV, typename Act>
inline void DispatchRows(size_t m, size_t nv, size_t nc, size_t kgroups,
                         const Act* a, size_t a_stride,
                         const int32_t* row_offset, const int32_t* init,
                         size_t init_stride, const uint8_t* w,
                         const GemmOutput& out, size_t n0, void* c,
                         size_t ldc) {
  auto* cp = static_cast<uint8_t*>(c);
  const size_t c_step = MR * ldc * OutputBytes(out);
  for (; m > MR; m -= MR) {
    DispatchTile<Tile, MR, NV>(MR, nv, nc, kgroups, a, a_stride, row_offset,
                               init, init_stride, w, out, n0,
                               static_cast<void*>(cp), ldc);
    a += MR * a_stride;
    if (row_offset != nullptr) row_offset += MR;
    init += MR * init_stride;
    cp += c_step;
  }
  DispatchTile<Tile, MR, NV>(m, nv, nc, kgroups, a, a_stride, row_offset,
                             init, init_stride, w, out, n0,
                             static_cast<void*>(cp), ldc);
}

// The GemmUkernelFn of a tiled kernel: activations read as Act, channels in
// vectors of Lanes, so a tile of nc channels runs ceil(nc / Lanes) of them.
template <class Tile, size_t MR, size_t NV, size_t Lanes, typename Act>
void TileUkernel(size_t m, size_t nc, size_t kgroups, const void* a,
                 size_t a_stride, const int32_t* row_offset,
                 const int32_t* init, size_t init_stride, const uint8_t* w,
                 const GemmOutput& out, size_t n0, void* c, size_t ldc) {
  DispatchRows<Tile, MR, NV>(m, (nc + Lanes - 1) / Lanes, nc, kgroups,
                             static_cast<const Act*>(a), a_stride, row_offset,
                             init, init_stride, w, out, n0, c, ldc);
}

// The GemmIndirectUkernelFn of a tiled kernel whose Tile also has
// RunIndirect<MR, NV>.
template <class Tile>
struct IndirectTile {
  template <size_t MR, size_t NV, class... Args>
  static void Run(const Args&... args) {
    Tile::template RunIndirect<MR, NV>(args...);
  }
};

template <class Tile, size_t MR, size_t NV, size_t Lanes>
void TileIndirectUkernel(size_t mr, size_t nc, size_t taps, size_t tap_groups,
                         const int64_t* offsets, size_t offsets_stride,
                         const uint8_t* base, const uint8_t* zero,
                         const int32_t* init, size_t init_stride,
                         const uint8_t* w, const GemmOutput& out, size_t n0,
                         void* c, size_t ldc) {
  const size_t nv = (nc + Lanes - 1) / Lanes;
  auto* cp = static_cast<uint8_t*>(c);
  const size_t c_step = MR * ldc * OutputBytes(out);
  for (; mr > MR; mr -= MR) {
    DispatchTile<IndirectTile<Tile>, MR, NV>(
        MR, nv, nc, taps, tap_groups, offsets, offsets_stride, base, zero,
        init, init_stride, w, out, n0, static_cast<void*>(cp), ldc);
    offsets += MR * offsets_stride;
    init += MR * init_stride;
    cp += c_step;
  }
  DispatchTile<IndirectTile<Tile>, MR, NV>(
      mr, nv, nc, taps, tap_groups, offsets, offsets_stride, base, zero, init,
      init_stride, w, out, n0, static_cast<void*>(cp), ldc);
}

// The GemmDqUkernelFn of a tiled kernel whose Tile also has RunDq<MR, NV>.
template <class Tile>
struct DqTile {
  template <size_t MR, size_t NV, class... Args>
  static void Run(const Args&... args) {
    Tile::template RunDq<MR, NV>(args...);
  }
};

// Rows are read as Act (a_stride in elements of it).
template <class Tile, size_t MR, size_t NV, size_t Lanes,
          typename Act = uint8_t>
void TileDqUkernel(size_t m, size_t nc, size_t blocks, size_t block_groups,
                   const void* a, size_t a_stride, const int32_t* r,
                   const int32_t* wsum, const float* wscale, const uint8_t* w,
                   float* d, size_t ldd) {
  const size_t nv = (nc + Lanes - 1) / Lanes;
  const auto* ap = static_cast<const Act*>(a);
  for (; m > MR; m -= MR) {
    DispatchTile<DqTile<Tile>, MR, NV>(MR, nv, blocks, block_groups, ap,
                                       a_stride, r, wsum, wscale, w, d, ldd);
    ap += MR * a_stride;
    if (r != nullptr) r += MR;
    d += MR * ldd;
  }
  DispatchTile<DqTile<Tile>, MR, NV>(m, nv, blocks, block_groups, ap,
                                     a_stride, r, wsum, wscale, w, d, ldd);
}

}  // namespace lowbit

#endif  // LOWBIT_KERNELS_GEMM_TILE_DISPATCH_H_
