#include "tests/conv_tester.h"

#include <gtest/gtest.h>
#include <pthreadpool.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <random>
#include <sstream>
#include <vector>

#include "kernels/operator/conv_op.h"
#include "kernels/operator/gemm_op.h"
#include "kernels/operator/scratch.h"
#include "kernels/reference/conv.h"
#include "kernels/reference/requant.h"

namespace lowbit {
namespace {

constexpr size_t kGuard = 64;
constexpr uint8_t kCanary = 0x5A;

}  // namespace

void ConvTester::Test(const GemmKernel& kernel,
                      const DwconvKernel* dwconv) const {
  std::mt19937 rng(seed_);
  const size_t c_in = groups_ * cg_;
  const size_t c_out = groups_ * ng_;
  const size_t in_stride = in_stride_ != 0 ? in_stride_ : c_in;
  const size_t out_stride = out_stride_ != 0 ? out_stride_ : c_out;
  const size_t k = kh_ * kw_ * cg_;
  const size_t out_h = ref::ConvOutputSize(in_h_, kh_, sh_, dh_, pt_, pb_);
  const size_t out_w = ref::ConvOutputSize(in_w_, kw_, sw_, dw_, pl_, pr_);
  ASSERT_GT(out_h * out_w, 0u) << "the tester's geometry has no output";
  const size_t in_pixels = batch_ * in_h_ * in_w_;
  const size_t out_pixels = batch_ * out_h * out_w;

  const std::vector<uint8_t> input =
      Fill8((in_pixels - 1) * in_stride + c_in, input_type_, a_fill_, rng);
  const bool int4 = weight_type_ == LOWBIT_DTYPE_INT4;
  const std::vector<uint8_t> weights =
      int4 ? FillInt4(c_out * k, w_fill_, rng)
           : Fill8(c_out * k, weight_type_, w_fill_, rng);
  std::vector<int32_t> bias(c_out);
  std::uniform_int_distribution<int32_t> bias_dist(bias_lo_, bias_hi_);
  for (auto& b : bias) b = bias_dist(rng);
  const float input_scale = 0.5f;
  std::vector<float> weight_scales(per_channel_ ? c_out : 1);
  std::uniform_real_distribution<float> ws_dist(0.5f, 2.0f);
  for (auto& s : weight_scales) s = ws_dist(rng);
  // About the accumulators' spread (the weights' is 4.6 for int4).
  const float spread =
      75.0f * (int4 ? 4.6f : 75.0f) * std::sqrt(static_cast<float>(k));
  const float output_scale = input_scale * spread / 60.0f / scale_factor_;

  lowbit_conv2d_params p;
  lowbit_conv2d_params_init(&p);
  p.kernel_height = kh_;
  p.kernel_width = kw_;
  p.stride_height = sh_;
  p.stride_width = sw_;
  p.dilation_height = dh_;
  p.dilation_width = dw_;
  p.padding_top = pt_;
  p.padding_left = pl_;
  p.padding_bottom = pb_;
  p.padding_right = pr_;
  p.groups = groups_;
  p.group_input_channels = cg_;
  p.group_output_channels = ng_;
  p.input_type = input_type_;
  p.weight_type = weight_type_;
  p.output_type = output_type_;
  p.requant = requant_;
  p.weights = weights.data();
  p.bias = bias.data();
  p.input_scale = input_scale;
  p.input_zero_point = za_;
  p.weight_scales = weight_scales.data();
  p.weight_scale_count = weight_scales.size();
  p.weight_zero_point = zw_;
  p.output_scale = output_scale;
  p.output_zero_point = zo_;
  TypeRange(output_type_, &p.output_min, &p.output_max);
  if (has_clamp_) {
    p.output_min = qmin_;
    p.output_max = qmax_;
  }
  std::vector<int32_t> multipliers, shifts;
  if (caller_multipliers_) {
    std::uniform_int_distribution<int32_t> nudge(-100000, 100000);
    for (float ws : weight_scales) {
      int32_t m = 0, s = 0;
      EXPECT_TRUE(ref::QuantizeMultiplier(
          static_cast<double>(input_scale) * ws / output_scale, &m, &s));
      const int64_t moved = int64_t{m} + nudge(rng);
      multipliers.push_back(static_cast<int32_t>(std::clamp<int64_t>(
          moved, int64_t{1} << 30, (int64_t{1} << 31) - 1)));
      shifts.push_back(s);
    }
    p.requant_multipliers = multipliers.data();
    p.requant_shifts = shifts.data();
    p.requant_multiplier_count = multipliers.size();
    p.weight_scales = nullptr;
  }

  std::ostringstream problem;
  problem << "kernel " << kernel.name << " / "
          << (dwconv != nullptr ? dwconv->name : "default depthwise")
          << ", batch=" << batch_ << " in="
          << in_h_ << "x" << in_w_ << " kernel=" << kh_ << "x" << kw_
          << " stride=" << sh_ << "x" << sw_ << " dilation=" << dh_ << "x"
          << dw_ << " pad(t,l,b,r)=" << pt_ << "," << pl_ << "," << pb_ << ","
          << pr_ << " groups=" << groups_ << " cg=" << cg_ << " ng=" << ng_
          << " strides(in,out)=" << in_stride << "," << out_stride
          << " requant=" << requant_ << " types=" << input_type_ << "/"
          << weight_type_ << "/" << output_type_ << " za=" << za_
          << " zw=" << zw_ << " zo=" << zo_ << " clamp=[" << p.output_min
          << "," << p.output_max << "] threads=" << threads_
          << " caller_multipliers=" << caller_multipliers_
          << " k_part_groups=" << k_part_groups_
          << " converted=" << converted_;

  // Both runs with the test switches; restored however the test ends.
  struct Switches {
    Switches(size_t parts, bool converted) {
      SetGemmKPartGroupsForTesting(parts);
      SetGemmNoDirectForTesting(converted);
    }
    ~Switches() {
      SetGemmKPartGroupsForTesting(0);
      SetGemmNoDirectForTesting(false);
    }
  } switches(k_part_groups_, converted_);

  lowbit_conv2d_t conv = nullptr;
  ASSERT_EQ(PackConv2d(&p, kernel, &conv, dwconv), LOWBIT_OK)
      << problem.str() << ": " << lowbit_last_error();
  std::unique_ptr<lowbit_conv2d, decltype(&lowbit_conv2d_destroy)> owner(
      conv, &lowbit_conv2d_destroy);
  size_t oh = 0, ow = 0;
  ASSERT_EQ(lowbit_conv2d_output_size(conv, in_h_, in_w_, &oh, &ow),
            LOWBIT_OK);
  ASSERT_EQ(oh, out_h);
  const bool depthwise = groups_ > 1 && cg_ == 1;
  if (depthwise) {
    EXPECT_STREQ(lowbit_conv2d_kernel_name(conv),
                 DwconvKernelUsed(
                     dwconv != nullptr ? *dwconv : DwconvKernelFor(kernel), p)
                     .name);
  } else {
    EXPECT_STREQ(lowbit_conv2d_kernel_name(conv), kernel.name);
  }
  ASSERT_EQ(ow, out_w);

  const size_t out_bytes = (out_pixels - 1) * out_stride + c_out;
  std::vector<uint8_t> out(out_bytes + 2 * kGuard, kCanary);
  uint8_t* data = out.data() + kGuard;
  std::unique_ptr<pthreadpool, PoolDeleter> pool(
      threads_ > 1 ? pthreadpool_create(threads_) : nullptr);
  ASSERT_EQ(lowbit_conv2d_run(conv, batch_, in_h_, in_w_, input.data(),
                              in_stride, data, out_stride, pool.get()),
            LOWBIT_OK)
      << problem.str() << ": " << lowbit_last_error();
  // A second run of the shape reuses what the first one set up.
  std::vector<uint8_t> first(out);
  std::fill(data, data + out_bytes, kCanary);
  const size_t allocations = ScratchAllocations().load();
  const size_t builds = IndirectionBuildCount().load();
  ASSERT_EQ(lowbit_conv2d_run(conv, batch_, in_h_, in_w_, input.data(),
                              in_stride, data, out_stride, pool.get()),
            LOWBIT_OK);
  EXPECT_EQ(ScratchAllocations().load(), allocations)
      << problem.str() << ": the second run allocated";
  EXPECT_EQ(IndirectionBuildCount().load(), builds)
      << problem.str() << ": the second run rebuilt the indirection buffer";
  ASSERT_TRUE(first == out) << problem.str() << ": the second run differs";

  std::vector<uint8_t> dense(out_pixels * c_out);
  ref::Conv2d(p, batch_, in_h_, in_w_, input.data(), in_stride, dense.data(),
              c_out);
  std::vector<uint8_t> expected(out_bytes, kCanary);
  for (size_t i = 0; i < out_pixels; ++i) {
    std::memcpy(expected.data() + i * out_stride, dense.data() + i * c_out,
                c_out);
  }
  for (size_t g = 0; g < kGuard; ++g) {
    ASSERT_EQ(out[g], kCanary) << problem.str() << ": write before output";
    ASSERT_EQ(out[kGuard + out_bytes + g], kCanary)
        << problem.str() << ": write after output";
  }
  for (size_t at = 0; at < out_bytes; ++at) {
    if (data[at] == expected[at]) continue;
    const size_t pixel = at / out_stride;
    const size_t channel = at % out_stride;
    const bool u8 = output_type_ == LOWBIT_DTYPE_UINT8;
    FAIL() << problem.str() << ": pixel " << pixel << " (b, y, x) = ("
           << pixel / (out_h * out_w) << ", " << pixel / out_w % out_h << ", "
           << pixel % out_w << ") channel " << channel
           << (channel >= c_out ? " (pixel padding, must stay untouched)" : "")
           << " expected "
           << (u8 ? int(expected[at]) : int(int8_t(expected[at]))) << ", got "
           << (u8 ? int(data[at]) : int(int8_t(data[at])));
  }
}

}  // namespace lowbit
