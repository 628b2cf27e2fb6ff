// Internal entry points of the bare-metal GEMM operator, for the bare-metal
// sweep, which runs every kernel of the build, not only the chosen one.
#ifndef LOWBIT_KERNELS_BARE_GEMM_BARE_H_
#define LOWBIT_KERNELS_BARE_GEMM_BARE_H_

#include <cstddef>

#include "kernels/bare/mcu_kernel.h"
#include "lowbit/lowbit.h"

namespace lowbit {

lowbit_status PackGemmBare(const lowbit_gemm_params* params,
                           const McuGemmKernel& kernel, lowbit_gemm_t* gemm,
                           const char* fn);
// INT16 activations on a given 16-bit kernel (p complete and current).
lowbit_status PackGemm16Bare(const lowbit_gemm_params& p,
                             const McuGemm16Kernel& kernel,
                             lowbit_gemm_t* gemm, const char* fn);
// raw: int32 accumulators (lowbit_gemm_run_int32; int64 for INT16
// activations, lowbit_gemm_run_int64) instead of requantized.
lowbit_status RunGemmBare(lowbit_gemm_t gemm, size_t m, const void* a,
                          size_t lda, void* c, size_t ldc, bool raw,
                          void* workspace, size_t workspace_bytes,
                          const char* fn);

}  // namespace lowbit

#endif  // LOWBIT_KERNELS_BARE_GEMM_BARE_H_
