// The kernel table and what dispatch chose.
#include <gtest/gtest.h>

#include <cstdio>

#include "hwy/targets.h"
#include "kernels/gemm/kernel_table.h"

namespace lowbit {
namespace {

TEST(Dispatch, TableListsEveryCompiledHighwayTarget) {
  const auto& kernels = GemmKernels();
  ASSERT_FALSE(kernels.empty());
  int64_t compiled = 0;
  for (const GemmKernel* k : kernels) {
    std::printf("%-48s isa=%-14s MR=%zu NR=%zu KR=%zu %s\n", k->name, k->isa,
                k->mr, k->layout.nr, k->layout.kr,
                CpuSupports(*k) ? "supported" : "not supported by this CPU");
    EXPECT_EQ(compiled & k->hwy_target, 0) << "target listed twice";
    compiled |= k->hwy_target;
    EXPECT_EQ(FindGemmKernel(k->name), k);
  }
  // The last entry is the always-valid fallback.
  EXPECT_TRUE(CpuSupports(*kernels.back())) << kernels.back()->name;
  // Priority order: Highway's targets are bits where lower is better.
  for (size_t i = 1; i < kernels.size(); ++i) {
    EXPECT_LT(kernels[i - 1]->hwy_target, kernels[i]->hwy_target);
  }
  EXPECT_EQ(FindGemmKernel("no such kernel"), nullptr);
}

TEST(Dispatch, ChoosesTheBestSupportedTarget) {
  const GemmKernel& chosen = DefaultGemmKernel();
  std::printf("dispatch chose %s\n", chosen.name);
  EXPECT_TRUE(CpuSupports(chosen));
  for (const GemmKernel* k : GemmKernels()) {
    if (k == &chosen) break;
    EXPECT_FALSE(CpuSupports(*k))
        << k->name << " is supported and better than " << chosen.name;
  }
#if HWY_ARCH_X86_64
  // x86-64 always has SSSE3-or-better or at least the EMU128 fallback; on a
  // CPU with AVX2 the choice must be a SIMD target, never the emulation.
  if (hwy::SupportedTargets() & HWY_AVX2) {
    EXPECT_LE(chosen.hwy_target, HWY_AVX2) << chosen.name;
  }
#endif
}

}  // namespace
}  // namespace lowbit
