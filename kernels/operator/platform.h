// Facts about the CPU that dispatch and tiling need, from cpuinfo.
#ifndef LOWBIT_KERNELS_OPERATOR_PLATFORM_H_
#define LOWBIT_KERNELS_OPERATOR_PLATFORM_H_

#include <cstddef>
#include <string>

#include "kernels/gemm/ukernel.h"

namespace lowbit {

// Per-core L1 data and L2 sizes in bytes (conservative defaults if cpuinfo
// cannot tell).
size_t L1CacheBytes();
size_t L2CacheBytes();

// Whether the CPU (and the OS) support a hand-written kernel's ISA. Always
// true for Isa::kHighway: Highway targets are checked by the kernel table.
bool CpuHasIsa(Isa isa);

// The CPU's name and the SIMD features lowbit cares about, for lowbit_info.
std::string CpuDescription();

}  // namespace lowbit

#endif  // LOWBIT_KERNELS_OPERATOR_PLATFORM_H_
