// Facts about the CPU that tiling needs, from cpuinfo.
#ifndef LOWBIT_KERNELS_OPERATOR_PLATFORM_H_
#define LOWBIT_KERNELS_OPERATOR_PLATFORM_H_

#include <cstddef>

namespace lowbit {

// Per-core L2 size in bytes (a conservative default if cpuinfo cannot tell).
size_t L2CacheBytes();

}  // namespace lowbit

#endif  // LOWBIT_KERNELS_OPERATOR_PLATFORM_H_
