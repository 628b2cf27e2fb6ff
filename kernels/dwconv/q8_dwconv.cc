// Compiles q8_dwconv-inl.h once per Highway target and lists the results,
// as kernels/gemm/q8_gemm.cc does: each target contributes constant data
// only, and the list is assembled in baseline code.
#include <cstdio>
#include <string>
#include <vector>

// GCC keeps vpdpwssd's intrinsic accumulators apart from the registers it
// updates and copies them in and out at every multiply-add of this kernel;
// stated in assembly ("+v") they are updated in place (1.4x here).
#define LOWBIT_DPWSSD_ASM 1
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/dwconv/q8_dwconv.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "kernels/dwconv/q8_dwconv-inl.h"

#ifndef LOWBIT_KERNELS_DWCONV_Q8_DWCONV_TARGET_INFO_
#define LOWBIT_KERNELS_DWCONV_Q8_DWCONV_TARGET_INFO_
namespace lowbit {
struct HwyDwconvTargetInfo {
  int64_t target;
  size_t pixels;  // output pixels per step
  size_t lanes;   // channels per step
  DwconvUkernelFn ukernel;
};
}  // namespace lowbit
#endif

HWY_BEFORE_NAMESPACE();
namespace lowbit {
namespace HWY_NAMESPACE {
namespace {
static_assert(HWY_LANES(int32_t) <= kDwconvChannelAlign,
              "packed channels cover the widest block the kernel reads");
constexpr HwyDwconvTargetInfo kQ8DwconvTargetInfo = {
    HWY_TARGET, kDwPixels, HWY_LANES(int32_t), &Q8DwconvUkernel};
}  // namespace
}  // namespace HWY_NAMESPACE
}  // namespace lowbit
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "arch/kernels.h"
#include "kernels/gemm/kernel_table.h"

namespace lowbit {

const std::vector<const DwconvKernel*>& DwconvKernels() {
  static const std::vector<const DwconvKernel*> list = [] {
    const HwyDwconvTargetInfo* const infos[] = {
        HWY_CHOOSE_AVX3_DL(kQ8DwconvTargetInfo),
        HWY_CHOOSE_AVX3(kQ8DwconvTargetInfo),
        HWY_CHOOSE_AVX2(kQ8DwconvTargetInfo),
        HWY_CHOOSE_SSE4(kQ8DwconvTargetInfo),
        HWY_CHOOSE_SSSE3(kQ8DwconvTargetInfo),
        HWY_CHOOSE_NEON(kQ8DwconvTargetInfo),
        HWY_CHOOSE_FALLBACK(kQ8DwconvTargetInfo)};
    constexpr size_t kMax = sizeof(infos) / sizeof(infos[0]);
    static DwconvKernel kernels[kMax];
    static char names[kMax][96];
    std::vector<const DwconvKernel*> out;
    for (size_t i = 0; i < kMax; ++i) {
      const HwyDwconvTargetInfo* info = infos[i];
      bool seen = info == nullptr;
      for (size_t j = 0; j < i; ++j) seen |= infos[j] == info;
      if (seen) continue;
      char isa[32];
      std::snprintf(isa, sizeof(isa), "%s", hwy::TargetName(info->target));
      for (char* p = isa; *p != '\0'; ++p) {
        if (*p >= 'A' && *p <= 'Z') *p = static_cast<char>(*p - 'A' + 'a');
      }
      std::snprintf(names[i], sizeof(names[i]),
                    "lowbit_q8_dwconv_ukernel_%zux%zuc__hwy_%s",
                    info->pixels, info->lanes,
                    isa);
      const bool scalar =
          info->target == HWY_EMU128 || info->target == HWY_SCALAR;
      kernels[i] = DwconvKernel{names[i], scalar ? "scalar" : "hwy",
                                info->target, info->ukernel, nullptr};
      out.push_back(&kernels[i]);
    }
#if defined(LOWBIT_ARCH_X86_64)
    // The hand-written c4 kernel, first, on the AVX3_DL kernel (first too).
    if (out.front()->hwy_target == HWY_AVX3_DL) {
      static const DwconvKernel vnni{
          "lowbit_q8_dwconv_ukernel_4x64c4__avx512vnni", "avx512vnni",
          HWY_AVX3_DL, kQ8Dwconv4x64c4Avx512VnniUkernel, out.front()};
      out.insert(out.begin(), &vnni);
    }
#endif
    return out;
  }();
  return list;
}

bool CpuSupports(const DwconvKernel& kernel) {
  return CpuSupportsHwyTarget(kernel.hwy_target);
}

const DwconvKernel& DwconvKernelFor(const GemmKernel& gemm) {
  const auto& all = DwconvKernels();
  const std::string family = gemm.family;
  for (const DwconvKernel* k : all) {
    const bool portable = family == "scalar" || family == "hwy";
    if ((!portable || family == k->family) && CpuSupports(*k)) return *k;
  }
  return *all.back();  // EMU128 or the baseline: always supported
}

}  // namespace lowbit
#endif  // HWY_ONCE
