// Convolution with int4 weights (OHWI nibbles, DESIGN.md §2): the
// convolution sweep's cases on every kernel that reads int4 weights, rows
// gathered and read in place, groups whose filters start mid-byte,
// depthwise, the extremes, threads; and the public entry point.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/operator/gemm_op.h"
#include "kernels/reference/conv.h"
#include "tests/conv_tester.h"
#include "tests/gemm_tester.h"
#include "tests/kernel_test.h"

namespace lowbit {
namespace {

constexpr lowbit_requant kModes[] = {LOWBIT_REQUANT_FP32,
                                     LOWBIT_REQUANT_FIXEDPOINT,
                                     LOWBIT_REQUANT_FIXEDPOINT_SINGLE};

class Int4ConvSweep : public KernelTest {
 protected:
  size_t nr() const { return kernel().layout.nr; }
  size_t kr() const { return kernel().layout.kr; }
  ConvTester Int4() const {
    return ConvTester().weight_type(LOWBIT_DTYPE_INT4);
  }
};

TEST_P(Int4ConvSweep, KernelSizesStridesAndPadding) {
  for (size_t k : {1, 2, 3, 5}) {
    for (size_t stride : {1, 2}) {
      for (lowbit_requant mode : kModes) {
        Int4().input_size(7, 6).kernel_size(k, k == 5 ? 3 : k)
            .stride(stride, stride).padding(k / 2, k / 2, k / 2 + 1, 0)
            .group_input_channels(5).group_output_channels(nr() + 3)
            .requant(mode).Test(kernel());
      }
    }
  }
  Int4().input_size(9, 8).kernel_size(3, 3).dilation(2, 3)
      .padding(2, 4, 1, 3).group_input_channels(7)
      .group_output_channels(2 * nr() - 1).input_type(LOWBIT_DTYPE_UINT8)
      .input_zero_point(201).Test(kernel());
  Int4().input_size(2, 3).kernel_size(7, 7).padding(5, 4, 6, 3)
      .group_input_channels(3).group_output_channels(5).Test(kernel());
}

// Odd Ng * K puts every other group's first filter in a byte's high nibble.
TEST_P(Int4ConvSweep, GroupsStartingMidByte) {
  for (size_t groups : {2, 3, 5}) {
    for (size_t cg : {3, 4}) {
      Int4().input_size(6, 5).groups(groups).group_input_channels(cg)
          .group_output_channels(3).padding(1).Test(kernel());
    }
  }
  Int4().batch(2).input_size(5, 4).kernel_size(1, 1).groups(3)
      .group_input_channels(5).group_output_channels(7).input_stride(17)
      .output_stride(23).Test(kernel());
}

// Depthwise (multiplier 1 and 2): the weights widened for the depthwise
// kernels.
TEST_P(Int4ConvSweep, Depthwise) {
  for (size_t multiplier : {1, 2}) {
    for (size_t stride : {1, 2}) {
      for (Fill w : {Fill::kRandom, Fill::kMin, Fill::kMax}) {
        Int4().input_size(7, 7).groups(19).group_input_channels(1)
            .group_output_channels(multiplier).stride(stride, stride)
            .padding(1).weight_fill(w).requant(kModes[stride % 3])
            .Test(kernel());
      }
    }
  }
}

// The in-place path (cg a whole number of the kernel's K groups) and the
// gathered one for the same shapes, K cut into parts, bands and border
// columns.
TEST_P(Int4ConvSweep, TapsReadInPlaceAndGathered) {
  const size_t cg0 = kMinTapGroups * kr();
  for (bool converted : {false, true}) {
    for (size_t cg : {cg0, cg0 + kr(), 4 * cg0}) {
      for (size_t parts : {size_t{0}, size_t{1}, cg / kr() + 1}) {
        Int4().input_size(6, 5).kernel_size(3, 3).padding(1)
            .group_input_channels(cg).group_output_channels(2 * nr() + 3)
            .k_part_groups(parts).converted(converted).Test(kernel());
      }
      Int4().input_size(11, 29).kernel_size(7, 7).stride(2, 2).padding(3)
          .group_input_channels(cg).group_output_channels(nr() - 3)
          .input_type(LOWBIT_DTYPE_UINT8).input_zero_point(3)
          .converted(converted).Test(kernel());
    }
  }
}

TEST_P(Int4ConvSweep, Extremes) {
  const size_t cg = kMinTapGroups * kr() + 3;
  for (lowbit_dtype in : {LOWBIT_DTYPE_INT8, LOWBIT_DTYPE_UINT8}) {
    const int32_t lo = in == LOWBIT_DTYPE_UINT8 ? 0 : -128;
    for (Fill a : {Fill::kMin, Fill::kMax}) {
      for (Fill w : {Fill::kMin, Fill::kMax}) {
        for (int32_t z : {lo, lo + 255}) {
          for (lowbit_requant mode : kModes) {
            for (size_t c : {cg, cg - 3}) {
              Int4().input_size(4, 5).kernel_size(3, 3).padding(2, 1, 0, 2)
                  .group_input_channels(c).group_output_channels(nr() + 2)
                  .input_type(in).output_type(in).input_zero_point(z)
                  .output_zero_point(z).input_fill(a).weight_fill(w)
                  .requant(mode).Test(kernel());
            }
          }
        }
      }
    }
  }
  Int4().input_size(5, 5).group_input_channels(9).group_output_channels(6)
      .padding(1).caller_multipliers(true)
      .requant(LOWBIT_REQUANT_FIXEDPOINT).clamp(-20, 90).Test(kernel());
}

// Named for the qemu stages, which leave out tests that start threads.
TEST_P(Int4ConvSweep, ThreadCounts) {
  const size_t cg = kMinTapGroups * kr();
  for (size_t threads : {2, 3}) {
    for (size_t c : {cg, size_t{6}}) {
      Int4().batch(2).input_size(17, 15).kernel_size(3, 3).stride(2, 1)
          .padding(1).group_input_channels(c)
          .group_output_channels(nr() * 2 + 1).threads(threads)
          .Test(kernel());
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Kernels, Int4ConvSweep,
                         ::testing::ValuesIn(Int4GemmKernels()), KernelName);

// The public entry point: packs int4 weights on the kernel dispatch chose
// for them (4-bit for the GEMM path) and matches the reference.
TEST(Int4ConvApi, PacksAndRunsAsTheReference) {
  std::mt19937 rng(11);
  const size_t groups = 3, cg = 24, ng = 37, in_h = 9, in_w = 10;
  const size_t k = 9 * cg;
  const std::vector<uint8_t> weights =
      FillInt4(groups * ng * k, Fill::kRandom, rng);
  const std::vector<uint8_t> input =
      Fill8(in_h * in_w * groups * cg, LOWBIT_DTYPE_INT8, Fill::kRandom, rng);
  std::vector<int32_t> bias(groups * ng);
  std::uniform_int_distribution<int32_t> bias_dist(-3000, 3000);
  for (auto& b : bias) b = bias_dist(rng);
  std::vector<float> scales(groups * ng);
  std::uniform_real_distribution<float> scale_dist(0.5f, 2.0f);
  for (auto& s : scales) s = scale_dist(rng);

  lowbit_conv2d_params p;
  lowbit_conv2d_params_init(&p);
  p.kernel_height = p.kernel_width = 3;
  p.padding_top = p.padding_left = p.padding_bottom = p.padding_right = 1;
  p.groups = groups;
  p.group_input_channels = cg;
  p.group_output_channels = ng;
  p.weight_type = LOWBIT_DTYPE_INT4;
  p.weights = weights.data();
  p.bias = bias.data();
  p.input_scale = 0.5f;
  p.input_zero_point = -3;
  p.weight_scales = scales.data();
  p.weight_scale_count = scales.size();
  p.output_scale = 60.0f;
  p.output_zero_point = 5;
  lowbit_conv2d_t conv = nullptr;
  ASSERT_EQ(lowbit_conv2d_pack(&p, &conv), LOWBIT_OK) << lowbit_last_error();
  const std::string name = lowbit_conv2d_kernel_name(conv);
  EXPECT_NE(name.find("qc4w"), std::string::npos) << name;

  const size_t c_out = groups * ng;
  std::vector<uint8_t> expected(in_h * in_w * c_out);
  ref::Conv2d(p, 1, in_h, in_w, input.data(), groups * cg, expected.data(),
              c_out);
  std::vector<uint8_t> got(expected.size() + 64, 0x5A);
  ASSERT_EQ(lowbit_conv2d_run(conv, 1, in_h, in_w, input.data(), groups * cg,
                              got.data(), c_out, nullptr),
            LOWBIT_OK)
      << lowbit_last_error();
  EXPECT_EQ(std::memcmp(got.data(), expected.data(), expected.size()), 0);
  for (size_t i = expected.size(); i < got.size(); ++i) {
    ASSERT_EQ(got[i], 0x5A) << "wrote past the output at " << i;
  }
  lowbit_conv2d_destroy(conv);

  // Zero points and uint8 input types are as for int8 weights; a weight
  // zero point is not.
  p.weight_zero_point = 1;
  conv = nullptr;
  EXPECT_EQ(lowbit_conv2d_pack(&p, &conv), LOWBIT_ERROR_INVALID_ZERO_POINT);
  EXPECT_EQ(conv, nullptr);
}

}  // namespace
}  // namespace lowbit
