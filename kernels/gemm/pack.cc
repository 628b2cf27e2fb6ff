#include "kernels/gemm/pack.h"

#include <cstring>

namespace lowbit {

void PackGemmWeights(const lowbit_gemm_params& p, const GemmLayout& layout,
                     uint8_t* packed) {
  std::memset(packed, 0, layout.PackedBytes(p.n, p.k));
  const size_t block_bytes = layout.BlockBytes(p.k);
  const size_t group_bytes = layout.GroupBytes();
  // uint8 weights become int8 W - 128; the kernel corrects with zw - 128.
  const uint8_t flip = p.weight_type == LOWBIT_DTYPE_UINT8 ? 0x80 : 0;
  const uint32_t za =
      static_cast<uint32_t>(FormatZeroPoint(layout.act, p.input_type,
                                            p.input_zero_point));
  const uint8_t* weights = static_cast<const uint8_t*>(p.weights);
  for (size_t n = 0; n < p.n; ++n) {
    uint8_t* block = packed + (n / layout.nr) * block_bytes;
    const size_t j = n % layout.nr;
    uint32_t sum = 0;  // of W', modulo 2^32 like the kernel's arithmetic
    if (layout.nibble_span != 0) {
      uint8_t* groups = block + layout.nr * sizeof(int32_t);
      for (size_t k = 0; k < p.k; ++k) {
        const int32_t w =
            WeightElement(LOWBIT_DTYPE_INT4, p.weights, n * p.weight_stride + k);
        bool high = false;
        const size_t at = layout.NibbleByte(j * layout.kr + k % layout.kr,
                                            &high);
        groups[(k / layout.kr) * group_bytes + at] |=
            static_cast<uint8_t>((w & 0xF) << (high ? 4 : 0));
        sum += static_cast<uint32_t>(w);
      }
    } else {
      uint8_t* dst = block + layout.nr * sizeof(int32_t) + j * layout.kr;
      const uint8_t* row = weights + n * p.weight_stride;
      for (size_t k = 0; k < p.k; ++k) {
        const uint8_t w = row[k] ^ flip;
        dst[(k / layout.kr) * group_bytes + k % layout.kr] = w;
        sum += static_cast<uint32_t>(int32_t{static_cast<int8_t>(w)});
      }
    }
    const uint32_t bias = p.bias != nullptr ? static_cast<uint32_t>(p.bias[n])
                                            : 0u;
    const int32_t folded = static_cast<int32_t>(bias - za * sum);
    std::memcpy(block + j * sizeof(int32_t), &folded, sizeof(folded));
  }
}

}  // namespace lowbit
