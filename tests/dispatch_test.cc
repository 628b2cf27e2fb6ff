// The kernel table, what dispatch chose, and LOWBIT_ISA.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "hwy/targets.h"
#include "kernels/gemm/kernel_table.h"
#include "lowbit/lowbit.h"

namespace lowbit {
namespace {

TEST(Dispatch, TableIsInPriorityOrder) {
  const auto& kernels = GemmKernels();
  ASSERT_FALSE(kernels.empty());
  int64_t compiled = 0;
  bool in_highway = false;
  for (const GemmKernel* k : kernels) {
    std::printf("%-46s isa=%-12s MR=%zu NR=%zu KR=%zu %s\n", k->name, k->isa,
                k->mr, k->layout.nr, k->layout.kr,
                CpuSupports(*k) ? "supported" : "not supported by this CPU");
    EXPECT_EQ(FindGemmKernel(k->name), k);
    EXPECT_NE(std::strstr(k->name, k->isa), nullptr) << "name names its ISA";
    // Hand-written kernels first, then one Highway kernel per target, best
    // (lowest bit) first.
    if (k->requires != Isa::kHighway) {
      EXPECT_FALSE(in_highway) << k->name << " listed after a Highway kernel";
      continue;
    }
    in_highway = true;
    EXPECT_EQ(compiled & k->hwy_target, 0) << "target listed twice";
    EXPECT_GT(k->hwy_target, compiled) << "Highway targets out of order";
    compiled |= k->hwy_target;
  }
  // The last entry is the always-valid fallback.
  EXPECT_TRUE(CpuSupports(*kernels.back())) << kernels.back()->name;
  EXPECT_EQ(FindGemmKernel("no such kernel"), nullptr);
}

// A kernel's expanded form (GemmKernel::expanded) runs the same tiles as
// the kernel: the operator plans with one and calls the other.
TEST(Dispatch, ExpandedFormsMatchTheirKernels) {
  std::vector<const GemmKernel*> all = GemmKernels();
  all.insert(all.end(), Int4GemmKernels().begin(), Int4GemmKernels().end());
  size_t expanded = 0;
  for (const GemmKernel* k : all) {
    if (k->expanded == nullptr) {
      EXPECT_EQ(k->expand_weights, nullptr) << k->name;
      continue;
    }
    ++expanded;
    const GemmKernel& e = *k->expanded;
    EXPECT_NE(k->expand_weights, nullptr) << k->name;
    EXPECT_GT(k->expanded_group_bytes, 0u) << k->name;
    EXPECT_EQ(e.mr, k->mr) << k->name;
    EXPECT_EQ(e.layout.nr, k->layout.nr) << k->name;
    EXPECT_EQ(e.layout.kr, k->layout.kr) << k->name;
    EXPECT_EQ(e.layout.act, k->layout.act) << k->name;
    EXPECT_EQ(e.requires, k->requires) << k->name;
    EXPECT_NE(e.ukernel, nullptr) << k->name;
    // Each in-place or indirect form of the kernel has an expanded one.
    EXPECT_EQ(e.ukernel_flip != nullptr, k->ukernel_flip != nullptr) << k->name;
    EXPECT_EQ(e.ukernel_indirect != nullptr, k->ukernel_indirect != nullptr)
        << k->name;
    EXPECT_EQ(e.ukernel_indirect_flip != nullptr,
              k->ukernel_indirect_flip != nullptr)
        << k->name;
    if (k->ukernel_indirect != nullptr) {
      EXPECT_EQ(e.indirect_mr, k->indirect_mr) << k->name;
    }
  }
#if defined(__x86_64__)
  EXPECT_GE(expanded, 3u);  // AVX2, and the AVX-512 VNNI int4 kernels
#endif
}

TEST(Dispatch, ChoosesTheFirstSupportedKernel) {
  const GemmKernel& chosen = DefaultGemmKernel();
  std::printf("dispatch chose %s\n", chosen.name);
  EXPECT_TRUE(CpuSupports(chosen));
  for (const GemmKernel* k : GemmKernels()) {
    if (k == &chosen) break;
    EXPECT_FALSE(CpuSupports(*k))
        << k->name << " is supported and better than " << chosen.name;
  }
}

// The test command runs this suite on several (emulated) CPUs and says which
// kernel each must get.
TEST(Dispatch, ChoosesTheExpectedKernelOnThisCpu) {
  const char* expected = std::getenv("LOWBIT_EXPECT_KERNEL");
  if (expected == nullptr) GTEST_SKIP() << "LOWBIT_EXPECT_KERNEL is not set";
  std::string error;
  const GemmKernel* chosen = ChosenGemmKernel(&error);
  ASSERT_NE(chosen, nullptr) << error;
  EXPECT_STREQ(chosen->name, expected);
}

TEST(Dispatch, EveryFamilyInTheTableCanBeForced) {
  for (const GemmKernel* k : GemmKernels()) {
    std::string error;
    const GemmKernel* forced = SelectGemmKernel(k->family, &error);
    if (CpuSupports(*k)) {
      ASSERT_NE(forced, nullptr) << k->family << ": " << error;
      EXPECT_STREQ(forced->family, k->family);
      EXPECT_TRUE(CpuSupports(*forced));
    } else if (forced == nullptr) {
      // No kernel of the family runs here: the message says what is missing.
      EXPECT_NE(error.find("this CPU lacks"), std::string::npos) << error;
    }
  }
}

TEST(Dispatch, BadLowbitIsaIsAClearError) {
  std::string error;
  EXPECT_EQ(SelectGemmKernel("avx9000", &error), nullptr);
  EXPECT_NE(error.find("LOWBIT_ISA=avx9000 is not one of"), std::string::npos)
      << error;
  // A family of the other architecture.
#if HWY_ARCH_X86
  const char* other = "neondot";
#else
  const char* other = "avx512vnni";
#endif
  error.clear();
  EXPECT_EQ(SelectGemmKernel(other, &error), nullptr);
  EXPECT_NE(error.find("no such kernel in this build"), std::string::npos)
      << error;
  EXPECT_EQ(SelectGemmKernel(nullptr, &error), &DefaultGemmKernel());
  EXPECT_EQ(SelectGemmKernel("", &error), &DefaultGemmKernel());
}

TEST(Dispatch, ForcedIsaThatTheCpuLacksFailsEveryPack) {
  const char* env = std::getenv("LOWBIT_ISA");
  std::string error;
  const GemmKernel* chosen = ChosenGemmKernel(&error);
  const int8_t w[4] = {1, 2, 3, 4};
  const float scale = 1.0f;
  lowbit_gemm_params p;
  lowbit_gemm_params_init(&p);
  p.n = 1;
  p.k = 4;
  p.weights = w;
  p.weight_stride = 4;
  p.weight_scales = &scale;
  lowbit_gemm_t g = nullptr;
  const lowbit_status s = lowbit_gemm_pack(&p, &g);
  if (chosen == nullptr) {
    EXPECT_EQ(s, LOWBIT_ERROR_UNSUPPORTED);
    EXPECT_NE(std::strstr(lowbit_last_error(), "LOWBIT_ISA="), nullptr);
    EXPECT_EQ(g, nullptr);
  } else {
    ASSERT_EQ(s, LOWBIT_OK) << lowbit_last_error();
    EXPECT_STREQ(lowbit_gemm_kernel_name(g), chosen->name);
    if (env != nullptr && env[0] != '\0') {
      EXPECT_STREQ(chosen->family, env);
    }
    lowbit_gemm_destroy(g);
  }
}

TEST(Dispatch, InfoReportsTheChoice) {
  const std::string info = lowbit_info();
  std::printf("%s", info.c_str());
  std::string error;
  const GemmKernel* chosen = ChosenGemmKernel(&error);
  EXPECT_NE(info.find(chosen != nullptr ? chosen->name : error),
            std::string::npos);
  for (const GemmKernel* k : GemmKernels()) {
    EXPECT_NE(info.find(k->name), std::string::npos) << k->name;
  }
  EXPECT_NE(info.find("highway targets supported:"), std::string::npos);
}

}  // namespace
}  // namespace lowbit
