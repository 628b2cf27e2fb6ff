// Internal entry points of the convolution operator, for tests and
// benchmarks that pick a GEMM microkernel instead of letting dispatch choose.
#ifndef LOWBIT_KERNELS_OPERATOR_CONV_OP_H_
#define LOWBIT_KERNELS_OPERATOR_CONV_OP_H_

#include "kernels/gemm/ukernel.h"
#include "lowbit/lowbit.h"

namespace lowbit {

lowbit_status PackConv2d(const lowbit_conv2d_params* params,
                         const GemmKernel& kernel, lowbit_conv2d_t* conv);

}  // namespace lowbit

#endif  // LOWBIT_KERNELS_OPERATOR_CONV_OP_H_
