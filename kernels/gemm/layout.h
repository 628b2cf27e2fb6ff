// The packed-weights layout a GEMM microkernel reads, and the form in which
// it reads activations. Packing is keyed by the layout, not by the ISA:
// kernels with equal layouts share packed weights.
//
// Weights are cut into blocks of NR output channels. Block b holds
//   int32 bias'[NR]                       channel b*NR + j, 0 past N
//   int8  w[ceil(K/KR)][NR][KR]           w[g][j][t] = W'[b*NR + j][g*KR + t]
// where W' = W for int8 weights and W ^ 0x80 (= W - 128) for uint8 weights,
// and 0 past N or K. Blocks follow each other without padding.
//
// Activations reach the kernel in one of three forms (ActFormat), rows
// padded to a whole number of K groups:
//   kInt16:  A - za as int16. bias' = bias.
//   kUint8:  A_u = A ^ 0x80 for int8 A, A for uint8 A (x86 vpdpbusd takes
//            unsigned activations). bias' = bias - za_u * sum_k W'.
//   kInt8:   A_s = A for int8 A, A ^ 0x80 for uint8 A (ARM sdot/smmla take
//            signed ones). bias' = bias - za_s * sum_k W'.
// za_u and za_s are za in the same form as A_u and A_s, so A - za equals
// A_u - za_u and A_s - za_s; folding the za term into the bias is exact
// modulo 2^32 (DESIGN.md §2).
#ifndef LOWBIT_KERNELS_GEMM_LAYOUT_H_
#define LOWBIT_KERNELS_GEMM_LAYOUT_H_

#include <cstddef>
#include <cstdint>

#include "lowbit/lowbit.h"

namespace lowbit {

enum class ActFormat { kInt16, kUint8, kInt8 };

// za in the form the kernel reads activations in (0 for kInt16, which
// subtracts it while widening).
inline int32_t FormatZeroPoint(ActFormat format, lowbit_dtype input_type,
                               int32_t za) {
  switch (format) {
    case ActFormat::kUint8:
      return input_type == LOWBIT_DTYPE_INT8 ? za + 128 : za;
    case ActFormat::kInt8:
      return input_type == LOWBIT_DTYPE_UINT8 ? za - 128 : za;
    case ActFormat::kInt16:
      break;
  }
  return 0;
}

// The byte each activation is XORed with on its way to the kernel's form.
inline uint8_t FormatFlip(ActFormat format, lowbit_dtype input_type) {
  const bool is_int8 = input_type == LOWBIT_DTYPE_INT8;
  if (format == ActFormat::kUint8) return is_int8 ? 0x80 : 0;
  if (format == ActFormat::kInt8) return is_int8 ? 0 : 0x80;
  return 0;
}

struct GemmLayout {
  size_t nr;  // output channels per block
  size_t kr;  // consecutive k values per channel in one group
  ActFormat act = ActFormat::kInt16;

  size_t KGroups(size_t k) const { return (k + kr - 1) / kr; }
  size_t Blocks(size_t n) const { return (n + nr - 1) / nr; }
  // Bytes of one K group of a block's weights.
  size_t GroupBytes() const { return nr * kr; }
  size_t BlockBytes(size_t k) const {
    return nr * sizeof(int32_t) + KGroups(k) * GroupBytes();
  }
  size_t PackedBytes(size_t n, size_t k) const {
    return Blocks(n) * BlockBytes(k);
  }
  // Bytes per activation element as the kernel reads it.
  size_t ActBytes() const { return act == ActFormat::kInt16 ? 2 : 1; }
};

}  // namespace lowbit

#endif  // LOWBIT_KERNELS_GEMM_LAYOUT_H_
