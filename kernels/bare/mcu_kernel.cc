#include "kernels/bare/mcu_kernel.h"

namespace lowbit {

const McuGemmKernel* const* McuGemmKernels(size_t* count) {
  static const McuGemmKernel* const kKernels[] = {
#if defined(__ARM_FEATURE_MVE)
      &kQ8Gemm2x4c16Mve,
#endif
#if defined(__ARM_FEATURE_DSP)
      &kQ8Gemm4x1c4Armsimd32,
#endif
      &kQ8Gemm2x2c4Scalar,
  };
  *count = sizeof(kKernels) / sizeof(kKernels[0]);
  return kKernels;
}

const McuGemmKernel* const* McuInt4GemmKernels(size_t* count) {
  static const McuGemmKernel* const kKernels[] = {
#if defined(__ARM_FEATURE_MVE)
      &kQ8Qc4wGemm2x4c16Mve,
#endif
      &kQ8Qc4wGemm2x2c4Scalar,
  };
  *count = sizeof(kKernels) / sizeof(kKernels[0]);
  return kKernels;
}

const McuGemm16Kernel* const* McuGemm16Kernels(size_t* count) {
  static const McuGemm16Kernel* const kKernels[] = {
#if defined(__ARM_FEATURE_MVE)
      &kQ16Gemm2x2c8Mve,
#endif
#if defined(__ARM_FEATURE_DSP)
      &kQ16Gemm1x2c4Armsimd32,
#endif
      &kQ16Gemm2x2c8Scalar,
  };
  *count = sizeof(kKernels) / sizeof(kKernels[0]);
  return kKernels;
}

const McuDwKernel* const* McuDwKernels(size_t* count) {
  static const McuDwKernel* const kKernels[] = {
#if defined(__ARM_FEATURE_MVE)
      &kQ8DwconvMve,
#endif
#if defined(__ARM_FEATURE_DSP)
      &kQ8DwconvArmsimd32,
#endif
      &kQ8DwconvScalar,
  };
  *count = sizeof(kKernels) / sizeof(kKernels[0]);
  return kKernels;
}

}  // namespace lowbit
