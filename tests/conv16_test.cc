// Convolution with 16-bit activations (TFLite's 16x8 conv and depthwise,
// int16 x int16): every geometry against ref::Conv2d16 on every kernel that
// reads int16 activations, and the entry point's checks.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "kernels/gemm/kernel_table.h"
#include "kernels/operator/conv_op.h"
#include "kernels/reference/conv.h"
#include "tests/kernel_test.h"

namespace lowbit {
namespace {

struct Conv16Case {
  size_t batch = 1, in_h = 5, in_w = 6;
  size_t kh = 3, kw = 3, stride = 1, dilation = 1, pad = 1;
  size_t groups = 1, cg = 3, ng = 5;
  lowbit_dtype weights = LOWBIT_DTYPE_INT8;
  int extreme = 0;  // 0 random, -1 all minimum, +1 all maximum
  bool bias64 = true;
  bool multipliers = false;
  size_t in_extra = 0, out_extra = 0;  // pixel strides past the channels
};

std::string Describe(const Conv16Case& c) {
  return "in " + std::to_string(c.in_h) + "x" + std::to_string(c.in_w) +
         " kernel " + std::to_string(c.kh) + "x" + std::to_string(c.kw) +
         " stride " + std::to_string(c.stride) + " dilation " +
         std::to_string(c.dilation) + " pad " + std::to_string(c.pad) +
         " groups " + std::to_string(c.groups) + " cg " +
         std::to_string(c.cg) + " ng " + std::to_string(c.ng) +
         (c.weights == LOWBIT_DTYPE_INT16 ? " w16" : " w8") + " extreme " +
         std::to_string(c.extreme);
}

void RunConvCase(const GemmKernel& kernel, const Conv16Case& c) {
  SCOPED_TRACE(std::string(kernel.name) + " " + Describe(c));
  const bool w16 = c.weights == LOWBIT_DTYPE_INT16;
  const size_t c_in = c.groups * c.cg, c_out = c.groups * c.ng;
  const size_t in_stride = c_in + c.in_extra, out_stride = c_out + c.out_extra;
  const size_t wcount = c_out * c.kh * c.kw * c.cg;
  std::mt19937 rng(7);
  std::uniform_int_distribution<int32_t> adist(-32768, 32767);
  std::uniform_int_distribution<int32_t> wdist(w16 ? -32768 : -128,
                                               w16 ? 32767 : 127);
  std::vector<int16_t> input(c.batch * c.in_h * c.in_w * in_stride);
  for (auto& x : input) {
    x = static_cast<int16_t>(c.extreme < 0   ? -32768
                             : c.extreme > 0 ? 32767
                                             : adist(rng));
  }
  std::vector<int8_t> w8(wcount);
  std::vector<int16_t> w16v(wcount);
  for (size_t i = 0; i < wcount; ++i) {
    const int32_t v = c.extreme < 0   ? (w16 ? -32768 : -128)
                      : c.extreme > 0 ? (w16 ? 32767 : 127)
                                      : wdist(rng);
    w8[i] = static_cast<int8_t>(v);
    w16v[i] = static_cast<int16_t>(v);
  }
  std::vector<int64_t> bias64(c_out);
  std::vector<int32_t> bias32(c_out);
  for (size_t i = 0; i < c_out; ++i) {
    bias64[i] = static_cast<int64_t>(i * 2654435761u % (1u << 25)) -
                (int64_t{1} << 24);
    bias32[i] = static_cast<int32_t>(i * 7919) - 40000;
  }
  std::vector<float> scales(c_out);
  std::vector<int32_t> mults(c_out), shifts(c_out);
  for (size_t i = 0; i < c_out; ++i) {
    scales[i] = (1.0f + 0.1f * static_cast<float>(i)) / (w16 ? 1e7f : 4e4f);
    mults[i] = (1 << 30) + static_cast<int32_t>(i * 123456789 % (1 << 30));
    shifts[i] = -static_cast<int32_t>(i % 20) - (w16 ? 10 : 2);
  }
  lowbit_conv2d_params p;
  lowbit_conv2d_params_init(&p);
  p.kernel_height = c.kh;
  p.kernel_width = c.kw;
  p.stride_height = p.stride_width = c.stride;
  p.dilation_height = p.dilation_width = c.dilation;
  p.padding_top = p.padding_left = p.padding_bottom = p.padding_right = c.pad;
  p.groups = c.groups;
  p.group_input_channels = c.cg;
  p.group_output_channels = c.ng;
  p.input_type = LOWBIT_DTYPE_INT16;
  p.weight_type = c.weights;
  p.output_type = LOWBIT_DTYPE_INT16;
  p.requant = LOWBIT_REQUANT_FIXEDPOINT;
  p.weights = w16 ? static_cast<const void*>(w16v.data()) : w8.data();
  p.bias = c.bias64 ? nullptr : bias32.data();
  p.bias64 = c.bias64 ? bias64.data() : nullptr;
  p.weight_scales = scales.data();
  p.weight_scale_count = c_out;
  if (c.multipliers) {
    p.requant_multipliers = mults.data();
    p.requant_shifts = shifts.data();
    p.requant_multiplier_count = c_out;
  }
  p.output_min = -32768;
  p.output_max = 32767;
  lowbit_conv2d_t conv = nullptr;
  ASSERT_EQ(PackConv2d(&p, kernel, &conv), LOWBIT_OK) << lowbit_last_error();
  size_t out_h = 0, out_w = 0;
  ASSERT_EQ(lowbit_conv2d_output_size(conv, c.in_h, c.in_w, &out_h, &out_w),
            LOWBIT_OK);
  const size_t pixels = c.batch * out_h * out_w;
  std::vector<int16_t> want(pixels * c_out);
  ref::Conv2d16(p, c.batch, c.in_h, c.in_w, input.data(), in_stride,
                want.data(), c_out);
  constexpr int16_t kCanary = 0x2B2B;
  std::vector<int16_t> got(pixels * out_stride, kCanary);
  ASSERT_EQ(lowbit_conv2d_run(conv, c.batch, c.in_h, c.in_w, input.data(),
                              in_stride, got.data(), out_stride, nullptr),
            LOWBIT_OK)
      << lowbit_last_error();
  lowbit_conv2d_destroy(conv);
  if (c.extreme == 0) {
    // Random data must reach the requantization's inside, not only the
    // clamp, or the sweep would prove little.
    size_t inside = 0;
    for (int16_t v : want) inside += v != -32768 && v != 32767;
    EXPECT_GT(inside * 2, want.size()) << "mostly saturated outputs";
  }
  size_t errors = 0;
  for (size_t i = 0; i < pixels && errors < 5; ++i) {
    for (size_t j = 0; j < out_stride && errors < 5; ++j) {
      const int16_t expected = j < c_out ? want[i * c_out + j] : kCanary;
      if (got[i * out_stride + j] != expected) {
        ADD_FAILURE() << "pixel " << i << " channel " << j << ": expected "
                      << expected << ", got " << got[i * out_stride + j];
        ++errors;
      }
    }
  }
}

class Conv16Sweep : public KernelTest {};

TEST_P(Conv16Sweep, Geometries) {
  for (lowbit_dtype wt : {LOWBIT_DTYPE_INT8, LOWBIT_DTYPE_INT16}) {
    Conv16Case c;
    c.weights = wt;
    RunConvCase(kernel(), c);  // 3x3 pad 1
    Conv16Case s2 = c;
    s2.stride = 2, s2.in_h = 9, s2.in_w = 8, s2.batch = 2, s2.pad = 0;
    RunConvCase(kernel(), s2);
    Conv16Case dil = c;
    dil.dilation = 2, dil.pad = 2, dil.in_extra = 3, dil.out_extra = 5;
    RunConvCase(kernel(), dil);
    Conv16Case pw = c;
    pw.kh = pw.kw = 1, pw.pad = 0, pw.cg = 37, pw.ng = 19;
    pw.multipliers = true, pw.bias64 = false;
    RunConvCase(kernel(), pw);
    pw.in_extra = 2, pw.out_extra = 1, pw.batch = 2, pw.groups = 2;
    RunConvCase(kernel(), pw);  // read in place, channels of wider pixels
    Conv16Case grouped = c;
    grouped.groups = 3, grouped.cg = 4, grouped.ng = 6;
    RunConvCase(kernel(), grouped);
    // Depthwise (Cg = 1), with a channel multiplier of 1 and 2.
    for (size_t ng : {size_t{1}, size_t{2}}) {
      Conv16Case dw = c;
      dw.groups = 17, dw.cg = 1, dw.ng = ng, dw.in_h = 7, dw.in_w = 7;
      RunConvCase(kernel(), dw);
      dw.stride = 2, dw.kh = dw.kw = 5, dw.pad = 2;
      RunConvCase(kernel(), dw);
    }
    // A long K (over several exact int32 parts) at the extremes.
    for (int extreme : {-1, 1}) {
      Conv16Case big = c;
      big.cg = 130, big.ng = 9, big.in_h = big.in_w = 4;
      big.extreme = extreme;
      RunConvCase(kernel(), big);
    }
  }
}

// Depthwise convolutions run their own Highway loop (kernels/gemm16/
// dwconv16.h) and the int64 stage, dispatched to the best target allowed:
// each one the CPU has.
TEST(Conv16Depthwise, EveryTarget) {
  const GemmKernel& kernel = Int16KernelFor(DefaultGemmKernel());
  ForEachHwyTarget([&] {
    for (lowbit_dtype wt : {LOWBIT_DTYPE_INT8, LOWBIT_DTYPE_INT16}) {
      for (int extreme : {-1, 0, 1}) {
        Conv16Case dw;
        dw.weights = wt, dw.extreme = extreme;
        dw.groups = 37, dw.cg = 1, dw.ng = 1, dw.in_h = 6, dw.in_w = 7;
        dw.in_extra = 3, dw.out_extra = 2, dw.batch = 2;
        RunConvCase(kernel, dw);
        dw.kh = dw.kw = 5, dw.stride = 2, dw.pad = 2, dw.multipliers = true;
        RunConvCase(kernel, dw);
      }
    }
  });
}

INSTANTIATE_TEST_SUITE_P(Kernels, Conv16Sweep,
                         ::testing::ValuesIn(Int16ActivationKernels()), KernelName);

TEST(Conv16Api, Rejects) {
  const int8_t w[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  const float scale = 1.0f / 512;
  lowbit_conv2d_params p;
  lowbit_conv2d_params_init(&p);
  p.kernel_height = p.kernel_width = 3;
  p.group_input_channels = p.group_output_channels = 1;
  p.input_type = LOWBIT_DTYPE_INT16;
  p.output_type = LOWBIT_DTYPE_INT16;
  p.requant = LOWBIT_REQUANT_FIXEDPOINT;
  p.weights = w;
  p.weight_scales = &scale;
  p.output_min = -32768;
  p.output_max = 32767;
  lowbit_conv2d_t conv = nullptr;
  ASSERT_EQ(lowbit_conv2d_pack(&p, &conv), LOWBIT_OK) << lowbit_last_error();
  lowbit_conv2d_destroy(conv);
  conv = nullptr;
  p.requant = LOWBIT_REQUANT_FP32;
  EXPECT_EQ(lowbit_conv2d_pack(&p, &conv), LOWBIT_ERROR_UNSUPPORTED);
  p.requant = LOWBIT_REQUANT_FIXEDPOINT;
  p.input_zero_point = 3;
  EXPECT_EQ(lowbit_conv2d_pack(&p, &conv), LOWBIT_ERROR_INVALID_ZERO_POINT);
  p.input_zero_point = 0;
  const int32_t b32[1] = {1};
  const int64_t b64[1] = {1};
  p.bias = b32;
  p.bias64 = b64;
  EXPECT_EQ(lowbit_conv2d_pack(&p, &conv), LOWBIT_ERROR_INVALID_ARGUMENT);
  // bias64 belongs to 16-bit activations.
  p.bias = nullptr;
  p.input_type = LOWBIT_DTYPE_INT8;
  p.output_type = LOWBIT_DTYPE_INT8;
  p.output_min = -128;
  p.output_max = 127;
  EXPECT_EQ(lowbit_conv2d_pack(&p, &conv), LOWBIT_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(conv, nullptr);
}

}  // namespace
}  // namespace lowbit
