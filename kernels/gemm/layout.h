// The packed-weights layout a GEMM microkernel reads. Packing is keyed by the
// layout, not by the ISA: kernels with equal layouts share packed weights.
//
// Weights are cut into blocks of NR output channels. Block b holds
//   int32 bias[NR]                        channel b*NR + j, 0 past N
//   int8  w[ceil(K/KR)][NR][KR]           w[g][j][t] = W'[b*NR + j][g*KR + t]
// where W' = W for int8 weights and W ^ 0x80 (= W - 128) for uint8 weights,
// and 0 past N or K. Blocks follow each other without padding.
#ifndef LOWBIT_KERNELS_GEMM_LAYOUT_H_
#define LOWBIT_KERNELS_GEMM_LAYOUT_H_

#include <cstddef>
#include <cstdint>

namespace lowbit {

struct GemmLayout {
  size_t nr;  // output channels per block
  size_t kr;  // consecutive k values per channel in one group

  size_t KGroups(size_t k) const { return (k + kr - 1) / kr; }
  size_t Blocks(size_t n) const { return (n + nr - 1) / nr; }
  size_t BlockBytes(size_t k) const {
    return nr * sizeof(int32_t) + KGroups(k) * nr * kr;
  }
  size_t PackedBytes(size_t n, size_t k) const {
    return Blocks(n) * BlockBytes(k);
  }
};

}  // namespace lowbit

#endif  // LOWBIT_KERNELS_GEMM_LAYOUT_H_
