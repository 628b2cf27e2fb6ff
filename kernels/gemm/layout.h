// The packed-weights layout a GEMM microkernel reads, and the form in which
// it reads activations. Packing is keyed by the layout, not by the ISA:
// kernels with equal layouts share packed weights.
//
// Weights are cut into blocks of NR output channels. Block b holds
//   int32 bias'[NR]                       channel b*NR + j, 0 past N
//   int8  w[ceil(K/KR)][NR][KR]           w[g][j][t] = W'[b*NR + j][g*KR + t]
// where W' = W for int8 and int4 weights and W ^ 0x80 (= W - 128) for
// uint8 weights, and 0 past N or K. Blocks follow each other without
// padding.
//
// Layouts for int4 weights (nibble_span S > 0) keep them 4-bit: each K
// group's NR * KR values, in the order above, are cut into runs of 2S (the
// last one shorter when 2S does not divide the group: 2S' values), and a
// run takes S (S') bytes, byte i holding value i in its low nibble and
// value S + i in its high nibble. A kernel gets the two halves of a run
// with a mask and a shift, no shuffle across lanes: one vector each when
// S is a vector's bytes, one vector joined from both when S is half that.
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

// Element i of weights of `type`: int8, uint8, int16, or int4 (nibble i,
// the even ones in the low nibble of byte i / 2).
inline int32_t WeightElement(lowbit_dtype type, const void* w, size_t i) {
  if (type == LOWBIT_DTYPE_INT4) {
    const uint8_t byte = static_cast<const uint8_t*>(w)[i / 2];
    const int32_t nibble = (i % 2 == 0 ? byte : byte >> 4) & 0xF;
    return nibble >= 8 ? nibble - 16 : nibble;
  }
  if (type == LOWBIT_DTYPE_UINT8) return static_cast<const uint8_t*>(w)[i];
  if (type == LOWBIT_DTYPE_INT16) return static_cast<const int16_t*>(w)[i];
  return static_cast<const int8_t*>(w)[i];
}

struct GemmLayout {
  size_t nr;  // output channels per block
  size_t kr;  // consecutive k values per channel in one group
  ActFormat act = ActFormat::kInt16;
  size_t nibble_span = 0;  // 0: 8-bit weights; S > 0: int4 weights (above)

  size_t KGroups(size_t k) const { return (k + kr - 1) / kr; }
  size_t Blocks(size_t n) const { return (n + nr - 1) / nr; }
  // Bytes of one K group of a block's weights.
  size_t GroupBytes() const {
    return nibble_span != 0 ? nr * kr / 2 : nr * kr;
  }
  // Where value v (< NR * KR) of a K group lies: its byte, and whether in
  // the high nibble (int4 layouts; 8-bit ones take byte v).
  size_t NibbleByte(size_t v, bool* high) const {
    const size_t whole = nr * kr / (2 * nibble_span) * (2 * nibble_span);
    const size_t span = v < whole ? nibble_span : (nr * kr - whole) / 2;
    const size_t start = v < whole ? v / (2 * span) * (2 * span) : whole;
    const size_t at = v - start;
    *high = at >= span;
    return start / 2 + at % span;
  }
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
