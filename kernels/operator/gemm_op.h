// Internal entry points of the GEMM operator, for tests and benchmarks that
// pick a microkernel instead of letting dispatch choose.
#ifndef LOWBIT_KERNELS_OPERATOR_GEMM_OP_H_
#define LOWBIT_KERNELS_OPERATOR_GEMM_OP_H_

#include <cstddef>
#include <cstdint>

#include "kernels/gemm/ukernel.h"
#include "lowbit/lowbit.h"

namespace lowbit {

lowbit_status PackGemm(const lowbit_gemm_params* params,
                       const GemmKernel& kernel, lowbit_gemm_t* gemm);

// The packed weight bytes of a handle (layout of its kernel).
const uint8_t* PackedWeights(lowbit_gemm_t gemm, size_t* bytes);

// Cuts K into parts of `groups` K groups (the last part may be shorter)
// instead of the cache-derived size, so tests reach the K-blocked path with
// small K. 0 restores the default. Not thread-safe against running GEMMs.
void SetGemmKPartGroupsForTesting(size_t groups);

}  // namespace lowbit

#endif  // LOWBIT_KERNELS_OPERATOR_GEMM_OP_H_
