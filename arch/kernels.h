// The hand-written microkernels' descriptors, one per kernel translation unit.
// Each is constant-initialised data (constexpr where it is defined), so the
// kernel table can list them without running any code built for their ISA.
#ifndef LOWBIT_ARCH_KERNELS_H_
#define LOWBIT_ARCH_KERNELS_H_

#include "kernels/dwconv/dwconv.h"
#include "kernels/gemm/ukernel.h"

namespace lowbit {

#if defined(LOWBIT_ARCH_X86_64)
extern const GemmKernel kQ8Gemm8x48c4Avx512Vnni;  // arch/x86/
extern const GemmKernel kQ8Gemm8x32c4Avx512Vnni;
extern const GemmKernel kQ8Qc4wGemm8x48c4Avx512Vnni;  // their int4 forms
extern const GemmKernel kQ8Qc4wGemm8x32c4Avx512Vnni;
extern const GemmKernel kQ8Gemm6x16c2Avx2;
extern const GemmKernel kQ8Qc4wGemm4x16c4Avx2;  // its int4 form
// Row runs on the c4 form (kernels/dwconv/dwconv.h); the rest of a
// depthwise convolution runs on the AVX3_DL Highway kernel.
extern const DwconvUkernelFn kQ8Dwconv4x64c4Avx512VnniUkernel;
#endif
#if defined(LOWBIT_ARCH_AARCH64)
extern const GemmKernel kQ8Gemm8x8c8NeonI8mm;  // arch/arm/
extern const GemmKernel kQ8Gemm4x16c4NeonDot;
extern const GemmKernel kQ8Gemm4x16c1Neon;
extern const GemmKernel kQ8Qc4wGemm4x16c1Neon;  // its int4 form
#endif

}  // namespace lowbit

#endif  // LOWBIT_ARCH_KERNELS_H_
