#include "kernels/gemm/kernel_table.h"

#include <cstdlib>
#include <cstring>

#include "arch/kernels.h"
#include "hwy/detect_targets.h"
#include "hwy/targets.h"
#include "kernels/operator/platform.h"

namespace lowbit {

std::vector<const GemmKernel*> HighwayGemmKernels();  // q8_gemm.cc

const char* const kIsaFamilies[] = {"scalar", "hwy",  "avx2",     "avx512vnni",
                                    "neon",   "neondot", "neoni8mm", nullptr};

const std::vector<const GemmKernel*>& GemmKernels() {
  static const std::vector<const GemmKernel*> kernels = [] {
    // Hand-written kernels first, fastest first; then Highway's.
    std::vector<const GemmKernel*> all = {
#if defined(LOWBIT_ARCH_X86_64)
        &kQ8Gemm8x48c4Avx512Vnni,
        &kQ8Gemm8x32c4Avx512Vnni,  // its narrow sibling, never the default
        &kQ8Gemm6x16c2Avx2,
#endif
#if defined(LOWBIT_ARCH_AARCH64)
        &kQ8Gemm8x8c8NeonI8mm,
        &kQ8Gemm4x16c4NeonDot,
        &kQ8Gemm4x16c1Neon,
#endif
    };
    for (const GemmKernel* k : HighwayGemmKernels()) all.push_back(k);
    return all;
  }();
  return kernels;
}

const std::vector<const GemmKernel*>& Int4GemmKernels() {
  static const std::vector<const GemmKernel*> kernels = [] {
    std::vector<const GemmKernel*> all;
    for (const GemmKernel* k : GemmKernels()) {
      if (k->int4 != nullptr) all.push_back(k->int4);
    }
    return all;
  }();
  return kernels;
}

const GemmKernel& Int4KernelFor(const GemmKernel& kernel) {
  if (kernel.int4 != nullptr) return *kernel.int4;
  // The family has none: the best portable one this CPU runs.
  for (const GemmKernel* k : GemmKernels()) {
    if (k->requires == Isa::kHighway && k->int4 != nullptr &&
        CpuSupports(*k)) {
      return *k->int4;
    }
  }
  return *Int4GemmKernels().back();
}

const GemmKernel& Int16KernelFor(const GemmKernel& kernel) {
  const auto reads16 = [](const GemmKernel& k) {
    return k.layout.act == ActFormat::kInt16 && k.layout.nibble_span == 0;
  };
  if (reads16(kernel)) return kernel;
  for (const GemmKernel* k : GemmKernels()) {
    if (k->requires == Isa::kHighway && reads16(*k) && CpuSupports(*k)) {
      return *k;
    }
  }
  return *GemmKernels().back();  // EMU128 or the baseline: kInt16
}

bool CpuSupportsHwyTarget(int64_t target) {
  // The emulated target runs anywhere (libhwy may not report it).
  if (target == HWY_EMU128 || target == HWY_SCALAR) return true;
#if HWY_ARCH_ARM_V7
  // Debian's armhf libhwy is built for the armhf baseline (no NEON) and
  // reports only that; ask cpuinfo about the NEON this build compiled for.
  if (target == HWY_NEON) return CpuHasIsa(Isa::kNeon);
#endif
  return (hwy::SupportedTargets() & target) != 0;
}

bool CpuSupports(const GemmKernel& kernel) {
  if (kernel.requires != Isa::kHighway) return CpuHasIsa(kernel.requires);
  return CpuSupportsHwyTarget(kernel.hwy_target);
}

const GemmKernel& KernelForChannels(const GemmKernel& kernel, size_t n) {
  const GemmKernel* narrow = kernel.narrow;
  if (narrow == nullptr) return kernel;
  // The wide kernel's last block is partial and a sizeable share of the
  // work (fewer than 8 blocks), and the narrow blocks tile n exactly.
  const size_t wide = kernel.layout.nr;
  const bool ragged = n % wide != 0 && n < 8 * wide;
  return ragged && n % narrow->layout.nr == 0 ? *narrow : kernel;
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

const GemmKernel* SelectGemmKernel(const char* family, std::string* error) {
  if (family == nullptr || family[0] == '\0') return &DefaultGemmKernel();
  bool known = false;
  for (const char* const* f = kIsaFamilies; *f != nullptr; ++f) {
    known |= std::strcmp(*f, family) == 0;
  }
  if (!known) {
    *error = std::string("LOWBIT_ISA=") + family +
             " is not one of scalar, hwy, avx2, avx512vnni, neon, neondot, "
             "neoni8mm";
    return nullptr;
  }
  const GemmKernel* built = nullptr;
  for (const GemmKernel* k : GemmKernels()) {
    if (std::strcmp(k->family, family) != 0) continue;
    if (CpuSupports(*k)) return k;
    if (built == nullptr) built = k;
  }
  *error = std::string("LOWBIT_ISA=") + family +
           (built == nullptr
                ? ": no such kernel in this build (it targets another "
                  "architecture)"
                : std::string(": this CPU lacks ") + built->isa +
                      ", which " + built->name + " needs");
  return nullptr;
}

const GemmKernel* ChosenGemmKernel(std::string* error) {
  static std::string message;
  static const GemmKernel* const chosen =
      SelectGemmKernel(std::getenv("LOWBIT_ISA"), &message);
  if (chosen == nullptr) *error = message;
  return chosen;
}

}  // namespace lowbit
