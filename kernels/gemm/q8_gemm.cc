// Compiles q8_gemm-inl.h once per Highway target and lists the results.
#include <cctype>
#include <cstdio>
#include <string>
#include <vector>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/gemm/q8_gemm.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "kernels/gemm/q8_gemm-inl.h"

HWY_BEFORE_NAMESPACE();
namespace lowbit {
namespace HWY_NAMESPACE {

const GemmKernel* GetQ8GemmKernel() {
  static const GemmKernel* const kernel = [] {
    static std::string isa = "hwy_";
    for (const char* p = hwy::TargetName(HWY_TARGET); *p != '\0'; ++p) {
      isa += static_cast<char>(std::tolower(static_cast<unsigned char>(*p)));
    }
    const size_t nr = kQ8NV * hn::Lanes(D32());
    static char name[96];
    std::snprintf(name, sizeof(name), "lowbit_q8_gemm_ukernel_%zux%zuc2__%s",
                  kQ8MR, nr, isa.c_str());
    // EMU128 is plain C++: it is what LOWBIT_ISA=scalar asks for.
    const bool scalar = HWY_TARGET == HWY_EMU128 || HWY_TARGET == HWY_SCALAR;
    static const GemmKernel k = {name,
                                 isa.c_str(),
                                 scalar ? "scalar" : "hwy",
                                 Isa::kHighway,
                                 HWY_TARGET,
                                 kQ8MR,
                                 GemmLayout{nr, 2, ActFormat::kInt16},
                                 &Q8GemmUkernel,
                                 &Q8WidenActivations,
                                 &Q8Requantize};
    return &k;
  }();
  return kernel;
}

}  // namespace HWY_NAMESPACE
}  // namespace lowbit
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace lowbit {

std::vector<const GemmKernel*> HighwayGemmKernels() {
  using Getter = const GemmKernel* (*)();
  // Best first. Targets not compiled are nullptr.
  const Getter getters[] = {
      HWY_CHOOSE_AVX3_DL(GetQ8GemmKernel), HWY_CHOOSE_AVX3(GetQ8GemmKernel),
      HWY_CHOOSE_AVX2(GetQ8GemmKernel),    HWY_CHOOSE_SSE4(GetQ8GemmKernel),
      HWY_CHOOSE_SSSE3(GetQ8GemmKernel),   HWY_CHOOSE_NEON(GetQ8GemmKernel),
      HWY_CHOOSE_FALLBACK(GetQ8GemmKernel)};
  std::vector<const GemmKernel*> kernels;
  for (Getter get : getters) {
    if (get == nullptr) continue;
    const GemmKernel* k = get();
    bool seen = false;
    for (const GemmKernel* other : kernels) seen |= other == k;
    if (!seen) kernels.push_back(k);
  }
  return kernels;
}

}  // namespace lowbit
#endif  // HWY_ONCE
