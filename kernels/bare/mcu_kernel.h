// The GEMM microkernels of the bare-metal (Cortex-M) build: the same
// self-description and call (kernels/gemm/ukernel.h) as the hosted ones,
// chosen at compile time from the ISA the build targets: Helium (MVE), the
// DSP extension (SIMD32), or plain C. Freestanding: no allocation, no
// threads, no run-time CPU detection.
#ifndef LOWBIT_KERNELS_BARE_MCU_KERNEL_H_
#define LOWBIT_KERNELS_BARE_MCU_KERNEL_H_

#include <cstddef>
#include <cstdint>

#include "kernels/gemm/layout.h"
#include "kernels/gemm/ukernel.h"

namespace lowbit {

struct McuGemmKernel {
  const char* name;  // lowbit_q8_gemm_ukernel_<MR>x<NR>c<KR>__<isa>
  const char* isa;   // "mve", "armsimd32" (DSP extension), "scalar"
  size_t mr;
  GemmLayout layout;
  GemmUkernelFn ukernel;
  // Rows of A into the kernel's form (ActFormat; the DSP kernel's kInt16
  // pairs k and k + 2 of each K group, see armsimd32), padded to kpad.
  PrepareActivationsFn prepare;
};

// The kernels this build has, best first; the last is plain C.
const McuGemmKernel* const* McuGemmKernels(size_t* count);

extern const McuGemmKernel kQ8Gemm2x2c4Scalar;
#if defined(__ARM_FEATURE_DSP)
extern const McuGemmKernel kQ8Gemm4x1c4Armsimd32;
#endif
#if defined(__ARM_FEATURE_MVE)
extern const McuGemmKernel kQ8Gemm4x2c16Mve;
#endif

}  // namespace lowbit

#endif  // LOWBIT_KERNELS_BARE_MCU_KERNEL_H_
