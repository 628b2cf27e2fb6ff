#include "kernels/gemm/kernel_table.h"

#include <cstring>

#include "hwy/detect_targets.h"
#include "hwy/targets.h"

namespace lowbit {

std::vector<const GemmKernel*> HighwayGemmKernels();  // q8_gemm.cc

const std::vector<const GemmKernel*>& GemmKernels() {
  // Hand-written per-ISA kernels go before the Highway ones.
  static const std::vector<const GemmKernel*> kernels = HighwayGemmKernels();
  return kernels;
}

bool CpuSupports(const GemmKernel& kernel) {
  // The emulated target runs anywhere (libhwy may not report it).
  if (kernel.hwy_target == HWY_EMU128 || kernel.hwy_target == HWY_SCALAR) {
    return true;
  }
  return (hwy::SupportedTargets() & kernel.hwy_target) != 0;
}

const GemmKernel& DefaultGemmKernel() {
  static const GemmKernel* const chosen = [] {
    for (const GemmKernel* k : GemmKernels()) {
      if (CpuSupports(*k)) return k;
    }
    return GemmKernels().back();
  }();
  return *chosen;
}

const GemmKernel* FindGemmKernel(const char* name) {
  for (const GemmKernel* k : GemmKernels()) {
    if (std::strcmp(k->name, name) == 0) return k;
  }
  return nullptr;
}

}  // namespace lowbit
