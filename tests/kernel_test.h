// Tests parameterized over the kernel table: named after the kernel, and
// skipped with the reason on CPUs that lack the kernel's ISA.
#ifndef LOWBIT_TESTS_KERNEL_TEST_H_
#define LOWBIT_TESTS_KERNEL_TEST_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "hwy/targets.h"

#include "kernels/gemm/kernel_table.h"

namespace lowbit {

class KernelTest : public ::testing::TestWithParam<const GemmKernel*> {
 protected:
  void SetUp() override {
    if (!CpuSupports(kernel())) {
      GTEST_SKIP() << kernel().name << ": this CPU lacks " << kernel().isa;
    }
  }
  const GemmKernel& kernel() const { return *GetParam(); }
};

inline std::string KernelName(
    const ::testing::TestParamInfo<const GemmKernel*>& info) {
  return info.param->name;
}

// The kernels that run 16-bit activations (Int16KernelFor of themselves).
inline std::vector<const GemmKernel*> Int16ActivationKernels() {
  std::vector<const GemmKernel*> out;
  for (const GemmKernel* k : GemmKernels()) {
    if (&Int16KernelFor(*k) == k) out.push_back(k);
  }
  return out;
}

// Runs body once per Highway target this CPU has, each time the only one
// allowed (code that dispatches with HWY_DYNAMIC_DISPATCH takes it).
template <class Body>
void ForEachHwyTarget(const Body& body) {
  const int64_t supported = hwy::SupportedTargets();
  for (int i = 0; i < 63; ++i) {
    const int64_t bit = int64_t{1} << i;
    if ((supported & bit) == 0) continue;
    hwy::SetSupportedTargetsForTest(bit);
    SCOPED_TRACE(hwy::TargetName(bit));
    body();
  }
  hwy::SetSupportedTargetsForTest(0);
}

}  // namespace lowbit

#define LOWBIT_INSTANTIATE_FOR_ALL_KERNELS(suite)                  \
  INSTANTIATE_TEST_SUITE_P(Kernels, suite,                         \
                           ::testing::ValuesIn(GemmKernels()), KernelName)

#endif  // LOWBIT_TESTS_KERNEL_TEST_H_
