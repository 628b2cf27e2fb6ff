#include "kernels/gemm/pack.h"

#include <cstring>

namespace lowbit {

void PackGemmWeights(const lowbit_gemm_params& p, const GemmLayout& layout,
                     uint8_t* packed) {
  std::memset(packed, 0, layout.PackedBytes(p.n, p.k));
  const size_t block_bytes = layout.BlockBytes(p.k);
  const size_t group_bytes = layout.nr * layout.kr;
  // uint8 weights become int8 W - 128; the kernel corrects with zw - 128.
  const uint8_t flip = p.weight_type == LOWBIT_DTYPE_UINT8 ? 0x80 : 0;
  const uint8_t* weights = static_cast<const uint8_t*>(p.weights);
  for (size_t n = 0; n < p.n; ++n) {
    uint8_t* block = packed + (n / layout.nr) * block_bytes;
    const size_t j = n % layout.nr;
    const int32_t bias = p.bias != nullptr ? p.bias[n] : 0;
    std::memcpy(block + j * sizeof(int32_t), &bias, sizeof(bias));
    uint8_t* dst = block + layout.nr * sizeof(int32_t) + j * layout.kr;
    const uint8_t* row = weights + n * p.weight_stride;
    for (size_t k = 0; k < p.k; ++k) {
      dst[(k / layout.kr) * group_bytes + k % layout.kr] = row[k] ^ flip;
    }
  }
}

}  // namespace lowbit
