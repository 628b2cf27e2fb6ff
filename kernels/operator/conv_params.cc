#include "kernels/operator/conv_params.h"

#include "kernels/operator/checked_size.h"
#include "kernels/operator/error.h"
#include "kernels/operator/versioned.h"
#include "kernels/reference/conv.h"

namespace lowbit {

lowbit_status ValidateGeometry(const lowbit_conv2d_params& p, size_t* k,
                               size_t* n, const char* fn) {
  if (p.kernel_height == 0 || p.kernel_width == 0 ||
      p.kernel_height > kConvMaxDim || p.kernel_width > kConvMaxDim) {
    return Fail(LOWBIT_ERROR_INVALID_SIZE,
                "%s: kernel %zu x %zu must be nonzero and at most 2^30", fn,
                p.kernel_height, p.kernel_width);
  }
  if (p.stride_height == 0 || p.stride_width == 0 ||
      p.dilation_height == 0 || p.dilation_width == 0 ||
      p.stride_height > kConvMaxDim || p.stride_width > kConvMaxDim ||
      p.dilation_height > kConvMaxDim || p.dilation_width > kConvMaxDim) {
    return Fail(LOWBIT_ERROR_INVALID_ARGUMENT,
                "%s: strides (%zu, %zu) and dilations (%zu, %zu) must be in "
                "[1, 2^30]",
                fn, p.stride_height, p.stride_width, p.dilation_height,
                p.dilation_width);
  }
  if (p.padding_top > kConvMaxDim || p.padding_left > kConvMaxDim ||
      p.padding_bottom > kConvMaxDim || p.padding_right > kConvMaxDim) {
    return Fail(LOWBIT_ERROR_INVALID_SIZE, "%s: padding exceeds 2^30", fn);
  }
  if (p.groups == 0 || p.group_input_channels == 0 ||
      p.group_output_channels == 0) {
    return Fail(LOWBIT_ERROR_INVALID_SIZE,
                "%s: groups %zu, group input channels %zu and group output "
                "channels %zu must be nonzero",
                fn, p.groups, p.group_input_channels,
                p.group_output_channels);
  }
  size_t reach = 0;
  if (!MulOk(p.kernel_height, p.kernel_width, k) ||
      !MulOk(*k, p.group_input_channels, k) || *k > kConvMaxDim ||
      !MulOk(p.groups, p.group_output_channels, n) || *n > kConvMaxDim ||
      !MulOk(p.groups, p.group_input_channels, &reach) || reach > kConvMaxDim ||
      !MulOk(p.dilation_height, p.kernel_height - 1, &reach) ||
      reach > kConvMaxDim ||
      !MulOk(p.dilation_width, p.kernel_width - 1, &reach) || reach > kConvMaxDim) {
    return Fail(LOWBIT_ERROR_INVALID_SIZE,
                "%s: kernel_h * kernel_w * group input channels, the "
                "channel counts and the dilated kernel must stay within 2^30",
                fn);
  }
  return LOWBIT_OK;
}

lowbit_gemm_params AsGemm(const lowbit_conv2d_params& p, size_t n, size_t k) {
  lowbit_gemm_params g;
  lowbit_gemm_params_init(&g);
  g.n = n;
  g.k = k;
  g.input_type = p.input_type;
  g.weight_type = p.weight_type;
  g.output_type = p.output_type;
  g.requant = p.requant;
  g.weights = p.weights;
  g.weight_stride = k;
  g.bias = p.bias;
  g.input_scale = p.input_scale;
  g.input_zero_point = p.input_zero_point;
  g.weight_scales = p.weight_scales;
  g.weight_scale_count = p.weight_scale_count;
  g.weight_zero_point = p.weight_zero_point;
  g.output_scale = p.output_scale;
  g.output_zero_point = p.output_zero_point;
  g.output_min = p.output_min;
  g.output_max = p.output_max;
  g.requant_multipliers = p.requant_multipliers;
  g.requant_shifts = p.requant_shifts;
  g.requant_multiplier_count = p.requant_multiplier_count;
  g.bias64 = p.bias64;
  return g;
}

lowbit_gemm_params GroupSlice(const lowbit_gemm_params& all, size_t g,
                              size_t ng) {
  lowbit_gemm_params s = all;
  s.n = ng;
  const size_t first = g * ng * all.k;  // element
  if (all.weight_type == LOWBIT_DTYPE_INT16) {
    s.weights = static_cast<const int16_t*>(all.weights) + first;
  } else if (all.weight_type != LOWBIT_DTYPE_INT4) {
    s.weights = static_cast<const uint8_t*>(all.weights) + first;
  }
  if (all.bias != nullptr) s.bias = all.bias + g * ng;
  if (all.bias64 != nullptr) s.bias64 = all.bias64 + g * ng;
  if (all.weight_scales != nullptr && all.weight_scale_count != 1) {
    s.weight_scales = all.weight_scales + g * ng;
    s.weight_scale_count = ng;
  }
  if (all.requant_multipliers != nullptr &&
      all.requant_multiplier_count != 1) {
    s.requant_multipliers = all.requant_multipliers + g * ng;
    s.requant_shifts = all.requant_shifts + g * ng;
    s.requant_multiplier_count = ng;
  }
  return s;
}

lowbit_status ConvOutputSizes(const lowbit_conv2d_params& p, size_t in_h,
                              size_t in_w, size_t* out_h, size_t* out_w,
                              const char* fn) {
  if (in_h == 0 || in_w == 0 || in_h > kConvMaxDim || in_w > kConvMaxDim) {
    return Fail(LOWBIT_ERROR_INVALID_SIZE,
                "%s: input %zu x %zu must be nonzero and at most 2^30", fn,
                in_h, in_w);
  }
  *out_h = ref::ConvOutputSize(in_h, p.kernel_height, p.stride_height,
                               p.dilation_height, p.padding_top,
                               p.padding_bottom);
  *out_w = ref::ConvOutputSize(in_w, p.kernel_width, p.stride_width,
                               p.dilation_width, p.padding_left,
                               p.padding_right);
  if (*out_h == 0 || *out_w == 0) {
    return Fail(LOWBIT_ERROR_INVALID_SIZE,
                "%s: input %zu x %zu with this kernel, dilation and padding "
                "gives no output pixel",
                fn, in_h, in_w);
  }
  return LOWBIT_OK;
}

}  // namespace lowbit

extern "C" {

lowbit_status lowbit_conv2d_params_init_sized(lowbit_conv2d_params* params,
                                              size_t struct_size) noexcept {
  lowbit_conv2d_params d{};
  d.kernel_height = d.kernel_width = 1;
  d.stride_height = d.stride_width = 1;
  d.dilation_height = d.dilation_width = 1;
  d.groups = 1;
  d.input_type = d.weight_type = d.output_type = LOWBIT_DTYPE_INT8;
  d.requant = LOWBIT_REQUANT_FP32;
  d.input_scale = 1.0f;
  d.output_scale = 1.0f;
  d.weight_scale_count = 1;
  d.output_min = -128;
  d.output_max = 127;
  return lowbit::InitVersioned(params, struct_size,
                               lowbit::kConvParamsMinSize, d,
                               "lowbit_conv2d_params_init");
}

lowbit_status lowbit_conv2d_padding(size_t input_size, size_t kernel_size,
                                    size_t stride, size_t dilation, int same,
                                    size_t* pad_begin,
                                    size_t* pad_end) noexcept {
  const char* fn = "lowbit_conv2d_padding";
  if (pad_begin == nullptr || pad_end == nullptr) {
    return lowbit::Fail(LOWBIT_ERROR_NULL_POINTER, "%s: output is NULL", fn);
  }
  if (input_size == 0 || kernel_size == 0 || stride == 0 || dilation == 0 ||
      input_size > lowbit::kConvMaxDim || kernel_size > lowbit::kConvMaxDim ||
      stride > lowbit::kConvMaxDim || dilation > lowbit::kConvMaxDim) {
    return lowbit::Fail(LOWBIT_ERROR_INVALID_SIZE,
                        "%s: sizes must be in [1, 2^30]", fn);
  }
  *pad_begin = *pad_end = 0;
  if (!same) return lowbit::Succeed();
  // TFLite ComputePaddingWithOffset: total = max((out - 1) * stride +
  // reach - in, 0), the odd pixel at the end.
  const uint64_t reach = uint64_t{dilation} * (kernel_size - 1) + 1;
  const uint64_t out = (input_size + stride - 1) / stride;
  const uint64_t need = (out - 1) * stride + reach;
  const uint64_t total = need > input_size ? need - input_size : 0;
  *pad_begin = static_cast<size_t>(total / 2);
  *pad_end = static_cast<size_t>(total - total / 2);
  return lowbit::Succeed();
}

}  // extern "C"
