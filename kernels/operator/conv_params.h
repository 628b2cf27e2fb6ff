// The checks and derived values of lowbit_conv2d_params, shared by the
// hosted operator (conv_op.cc) and the bare-metal one (kernels/bare/):
// freestanding.
#ifndef LOWBIT_KERNELS_OPERATOR_CONV_PARAMS_H_
#define LOWBIT_KERNELS_OPERATOR_CONV_PARAMS_H_

#include <cstddef>

#include "lowbit/lowbit.h"

namespace lowbit {

constexpr size_t kConvParamsMinSize = sizeof(lowbit_conv2d_params);
constexpr size_t kConvMaxDim = size_t{1} << 30;

// Kernel, strides, dilations, padding and channel counts; *k = kernel_h *
// kernel_w * Cg and *n = groups * Ng on success.
lowbit_status ValidateGeometry(const lowbit_conv2d_params& p, size_t* k,
                               size_t* n, const char* fn);

// The whole convolution's weights as one GEMM: n = groups * Ng rows of
// k = kernel_h * kernel_w * Cg.
lowbit_gemm_params AsGemm(const lowbit_conv2d_params& p, size_t n, size_t k);

// Group g's slice of the whole GEMM: its ng channels' weights (8- and
// 16-bit weights; the caller slices INT4 ones, which count nibbles), bias,
// scales and multipliers.
lowbit_gemm_params GroupSlice(const lowbit_gemm_params& all, size_t g,
                              size_t ng);

// Output height and width of an in_h x in_w input; fails when the input
// is empty, too large or gives no output pixel.
lowbit_status ConvOutputSizes(const lowbit_conv2d_params& p, size_t in_h,
                              size_t in_w, size_t* out_h, size_t* out_w,
                              const char* fn);

}  // namespace lowbit

#endif  // LOWBIT_KERNELS_OPERATOR_CONV_PARAMS_H_
