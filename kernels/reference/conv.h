// Scalar NHWC convolution: the specification (the direct 7-loop form).
// Inputs are assumed valid (the operator layer validates).
#ifndef LOWBIT_KERNELS_REFERENCE_CONV_H_
#define LOWBIT_KERNELS_REFERENCE_CONV_H_

#include <cstddef>
#include <cstdint>

#include "lowbit/lowbit.h"

namespace lowbit {
namespace ref {

// Output size of one dimension, or 0 when the kernel does not fit.
size_t ConvOutputSize(size_t in, size_t kernel, size_t stride,
                      size_t dilation, size_t pad_begin, size_t pad_end);

// out[b][oy][ox][co] = bias[co] + sum over taps inside the input and group
// input channels of (in - za) * (W - zw); int32 pixels of groups * Ng
// channels, pixel stride out_stride.
void Conv2dAccumulators(const lowbit_conv2d_params& p, size_t batch,
                        size_t in_h, size_t in_w, const void* input,
                        size_t in_stride, int32_t* out, size_t out_stride);

// The convolution's output stage as a GEMM's over its `channels` (for
// Requantize, gemm.h), and its output pixels.
lowbit_gemm_params RequantView(const lowbit_conv2d_params& p,
                               size_t channels);
size_t Pixels(const lowbit_conv2d_params& p, size_t batch, size_t in_h,
              size_t in_w);

// The requantized output of p.output_type.
void Conv2d(const lowbit_conv2d_params& p, size_t batch, size_t in_h,
            size_t in_w, const void* input, size_t in_stride, void* output,
            size_t out_stride);

// 16-bit activations (lowbit.h): int64 accumulators (bias or bias64), and
// the int16 output of TFLite's int64 requantization.
void Conv2d16Accumulators(const lowbit_conv2d_params& p, size_t batch,
                          size_t in_h, size_t in_w, const int16_t* input,
                          size_t in_stride, int64_t* out, size_t out_stride);
void Conv2d16(const lowbit_conv2d_params& p, size_t batch, size_t in_h,
              size_t in_w, const int16_t* input, size_t in_stride,
              int16_t* output, size_t out_stride);

}  // namespace ref
}  // namespace lowbit

#endif  // LOWBIT_KERNELS_REFERENCE_CONV_H_
