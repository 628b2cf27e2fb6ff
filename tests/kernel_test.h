// Tests parameterized over the kernel table: named after the kernel, and
// skipped with the reason on CPUs that lack the kernel's ISA.
#ifndef LOWBIT_TESTS_KERNEL_TEST_H_
#define LOWBIT_TESTS_KERNEL_TEST_H_

#include <gtest/gtest.h>

#include <string>

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

}  // namespace lowbit

#define LOWBIT_INSTANTIATE_FOR_ALL_KERNELS(suite)                  \
  INSTANTIATE_TEST_SUITE_P(Kernels, suite,                         \
                           ::testing::ValuesIn(GemmKernels()), KernelName)

#endif  // LOWBIT_TESTS_KERNEL_TEST_H_
