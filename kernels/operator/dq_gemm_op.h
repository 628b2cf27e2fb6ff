// Internal entry point of the dynamically quantized GEMM, for tests and
// benchmarks that pick a microkernel instead of letting dispatch choose.
#ifndef LOWBIT_KERNELS_OPERATOR_DQ_GEMM_OP_H_
#define LOWBIT_KERNELS_OPERATOR_DQ_GEMM_OP_H_

#include "kernels/gemm/ukernel.h"
#include "lowbit/lowbit.h"

namespace lowbit {

// lowbit_dq_gemm_pack on `kernel` (an int4 kernel for INT4 weights); with
// prefer_narrow, its narrow or int4 sibling where the public entry point
// would take it.
lowbit_status PackDqGemm(const lowbit_dq_gemm_params* params,
                         const GemmKernel& kernel, lowbit_dq_gemm_t* gemm,
                         const char* fn = "lowbit_dq_gemm_pack",
                         bool prefer_narrow = false);

}  // namespace lowbit

#endif  // LOWBIT_KERNELS_OPERATOR_DQ_GEMM_OP_H_
