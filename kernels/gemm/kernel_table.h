// The one table of GEMM microkernels, in priority order. Dispatch takes the
// first one the CPU supports; the portable Highway kernels come last, and the
// last of them (EMU128 or the baseline target) is always valid.
#ifndef LOWBIT_KERNELS_GEMM_KERNEL_TABLE_H_
#define LOWBIT_KERNELS_GEMM_KERNEL_TABLE_H_

#include <vector>

#include "kernels/gemm/ukernel.h"

namespace lowbit {

const std::vector<const GemmKernel*>& GemmKernels();
bool CpuSupports(const GemmKernel& kernel);
// The first supported kernel of the table.
const GemmKernel& DefaultGemmKernel();
// nullptr when no kernel has this name.
const GemmKernel* FindGemmKernel(const char* name);

}  // namespace lowbit

#endif  // LOWBIT_KERNELS_GEMM_KERNEL_TABLE_H_
