// Compiles q8_gemm-inl.h once per Highway target and lists the results.
//
// Nothing compiled for a target may run before the CPU is known to have it
// (compiled with sanitizers, even building a descriptor can use the target's
// instructions). So each target contributes constant data only, and the
// descriptors are assembled here, in code built for the baseline.
#include <cstdio>
#include <vector>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/gemm/q8_gemm.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "kernels/gemm/q8_gemm-inl.h"

#ifndef LOWBIT_KERNELS_GEMM_Q8_GEMM_TARGET_INFO_
#define LOWBIT_KERNELS_GEMM_Q8_GEMM_TARGET_INFO_
namespace lowbit {
// One target's compilation of the portable kernel.
struct HwyGemmTargetInfo {
  int64_t target;
  size_t mr;
  size_t nr;
  size_t lanes;  // int32 lanes per vector: the int4 form's nibble span
  GemmUkernelFn ukernel;
  GemmUkernelFn ukernel_int4;
  PrepareActivationsFn prepare;
  RequantizeFn requantize;
};
}  // namespace lowbit
#endif

HWY_BEFORE_NAMESPACE();
namespace lowbit {
namespace HWY_NAMESPACE {
namespace {

static_assert(hn::MaxLanes(D32()) == HWY_LANES(int32_t),
              "the kernel uses whole vectors of this target");
// Constant-initialised: reading it runs no code of this target.
constexpr HwyGemmTargetInfo kQ8GemmTargetInfo = {
    HWY_TARGET,
    kQ8MR,
    kQ8NV * HWY_LANES(int32_t),
    HWY_LANES(int32_t),
    &Q8GemmUkernel<false>,
    &Q8GemmUkernel<true>,
    &PrepareActivations16,
    &RequantizeFullVectors};

}  // namespace
}  // namespace HWY_NAMESPACE
}  // namespace lowbit
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace lowbit {

std::vector<const GemmKernel*> HighwayGemmKernels() {
  // Best first. Targets not compiled are nullptr.
  const HwyGemmTargetInfo* const infos[] = {
      HWY_CHOOSE_AVX3_DL(kQ8GemmTargetInfo), HWY_CHOOSE_AVX3(kQ8GemmTargetInfo),
      HWY_CHOOSE_AVX2(kQ8GemmTargetInfo),    HWY_CHOOSE_SSE4(kQ8GemmTargetInfo),
      HWY_CHOOSE_SSSE3(kQ8GemmTargetInfo),   HWY_CHOOSE_NEON(kQ8GemmTargetInfo),
      HWY_CHOOSE_FALLBACK(kQ8GemmTargetInfo)};
  constexpr size_t kMax = sizeof(infos) / sizeof(infos[0]);
  static GemmKernel kernels[kMax];
  static GemmKernel int4_kernels[kMax];
  static char names[kMax][256];
  static char int4_names[kMax][256];
  static char isas[kMax][32];
  std::vector<const GemmKernel*> list;
  for (size_t i = 0; i < kMax; ++i) {
    const HwyGemmTargetInfo* info = infos[i];
    bool seen = info == nullptr;
    for (size_t j = 0; j < i; ++j) seen |= infos[j] == info;
    if (seen) continue;
    char* isa = isas[i];
    std::snprintf(isa, sizeof(isas[i]), "hwy_%s",
                  hwy::TargetName(info->target));
    for (char* p = isa; *p != '\0'; ++p) {
      if (*p >= 'A' && *p <= 'Z') *p = static_cast<char>(*p - 'A' + 'a');
    }
    std::snprintf(names[i], sizeof(names[i]),
                  "lowbit_q8_gemm_ukernel_%zux%zuc2__%s", info->mr, info->nr,
                  isa);
    // EMU128 is plain C++: it is what LOWBIT_ISA=scalar asks for.
    const bool scalar =
        info->target == HWY_EMU128 || info->target == HWY_SCALAR;
    std::snprintf(int4_names[i], sizeof(int4_names[i]),
                  "lowbit_q8_qc4w_gemm_ukernel_%zux%zuc2__%.31s", info->mr,
                  info->nr, isa);
    kernels[i] = GemmKernel{names[i],
                            isa,
                            scalar ? "scalar" : "hwy",
                            Isa::kHighway,
                            info->target,
                            info->mr,
                            GemmLayout{info->nr, 2, ActFormat::kInt16},
                            info->ukernel,
                            info->prepare,
                            info->requantize};
    // The int4 form: one vector's lanes of bytes per vector of pairs.
    int4_kernels[i] = kernels[i];
    int4_kernels[i].name = int4_names[i];
    int4_kernels[i].layout.nibble_span = info->lanes;
    int4_kernels[i].ukernel = info->ukernel_int4;
    kernels[i].int4 = &int4_kernels[i];
    list.push_back(&kernels[i]);
  }
  return list;
}

}  // namespace lowbit
#endif  // HWY_ONCE
