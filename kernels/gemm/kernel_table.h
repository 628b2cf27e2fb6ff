// The one table of GEMM microkernels, in priority order. Dispatch takes the
// first one the CPU supports, unless LOWBIT_ISA names a family of kernels;
// the portable Highway kernels come last, and the last of them (EMU128 or
// the baseline target) is always valid.
#ifndef LOWBIT_KERNELS_GEMM_KERNEL_TABLE_H_
#define LOWBIT_KERNELS_GEMM_KERNEL_TABLE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "kernels/gemm/ukernel.h"

namespace lowbit {

const std::vector<const GemmKernel*>& GemmKernels();
bool CpuSupports(const GemmKernel& kernel);
// Whether the CPU runs code compiled for this Highway target (also for the
// depthwise kernels).
bool CpuSupportsHwyTarget(int64_t target);
// The first supported kernel of the table.
const GemmKernel& DefaultGemmKernel();
// nullptr when no kernel has this name.
const GemmKernel* FindGemmKernel(const char* name);

// The LOWBIT_ISA values: scalar, hwy, avx2, avx512vnni, neon, neondot,
// neoni8mm.
extern const char* const kIsaFamilies[];

// The kernel for LOWBIT_ISA = `family`: the best supported kernel of that
// family, or the default for nullptr or "". nullptr with a message in
// *error when the family is unknown, not built for this architecture, or
// not supported by this CPU.
const GemmKernel* SelectGemmKernel(const char* family, std::string* error);

// `kernel`, or its narrow sibling (GemmKernel::narrow) when that tiles n
// output channels better: what the public entry points run for n.
const GemmKernel& KernelForChannels(const GemmKernel& kernel, size_t n);

// The kernels reading int4 weights (GemmKernel::int4), in table order.
const std::vector<const GemmKernel*>& Int4GemmKernels();
// What runs int4 weights for `kernel`: its int4 form, or for a family
// without one (the hand-written kernels so far) the best portable int4
// kernel the CPU supports.
const GemmKernel& Int4KernelFor(const GemmKernel& kernel);

// What runs 16-bit activations for `kernel`: itself when it reads int16
// activations (ActFormat::kInt16) and 8-bit weights, else the best portable
// kernel the CPU supports (on AVX3_DL, vpdpwssd).
const GemmKernel& Int16KernelFor(const GemmKernel& kernel);

// SelectGemmKernel(getenv("LOWBIT_ISA")), decided once per process.
const GemmKernel* ChosenGemmKernel(std::string* error);

}  // namespace lowbit

#endif  // LOWBIT_KERNELS_GEMM_KERNEL_TABLE_H_
