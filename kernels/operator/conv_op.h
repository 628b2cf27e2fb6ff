// Internal entry points of the convolution operator, for tests and
// benchmarks that pick a GEMM microkernel instead of letting dispatch choose.
#ifndef LOWBIT_KERNELS_OPERATOR_CONV_OP_H_
#define LOWBIT_KERNELS_OPERATOR_CONV_OP_H_

#include <atomic>
#include <cstddef>

#include "kernels/dwconv/dwconv.h"
#include "kernels/gemm/ukernel.h"
#include "lowbit/lowbit.h"

namespace lowbit {

// Depthwise convolutions (groups > 1, one input and one output channel per
// group) run on `dwconv`, or on DwconvKernelFor(kernel) when it is null;
// every other convolution on `kernel` (or its narrow sibling, with
// prefer_narrow, when that tiles the group's output channels better: what
// the public entry point does).
lowbit_status PackConv2d(const lowbit_conv2d_params* params,
                         const GemmKernel& kernel, lowbit_conv2d_t* conv,
                         const DwconvKernel* dwconv = nullptr,
                         bool prefer_narrow = false);

// How many depthwise indirection buffers were built in this process: a
// second run of the same shape must not build one (tests).
std::atomic<size_t>& IndirectionBuildCount();

}  // namespace lowbit

#endif  // LOWBIT_KERNELS_OPERATOR_CONV_OP_H_
