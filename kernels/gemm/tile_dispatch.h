// Hand-written microkernels instantiate their tile once per row count and
// vector count, so a short last tile or a narrow last block does no wasted
// work; this picks the instance.
#ifndef LOWBIT_KERNELS_GEMM_TILE_DISPATCH_H_
#define LOWBIT_KERNELS_GEMM_TILE_DISPATCH_H_

#include <cstddef>

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

}  // namespace lowbit

#endif  // LOWBIT_KERNELS_GEMM_TILE_DISPATCH_H_
