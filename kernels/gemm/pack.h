// Packs user weights into a kernel's layout (layout.h). Walks the source row
// by row; tests compare it byte for byte with ref::PackWeights, which walks
// the output.
#ifndef LOWBIT_KERNELS_GEMM_PACK_H_
#define LOWBIT_KERNELS_GEMM_PACK_H_

#include <cstdint>

#include "kernels/gemm/layout.h"
#include "lowbit/lowbit.h"

namespace lowbit {

// packed must hold layout.PackedBytes(p.n, p.k) bytes.
void PackGemmWeights(const lowbit_gemm_params& p, const GemmLayout& layout,
                     uint8_t* packed);

}  // namespace lowbit

#endif  // LOWBIT_KERNELS_GEMM_PACK_H_
