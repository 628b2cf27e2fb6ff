// The multiply-adds of depthwise convolution with 16-bit activations
// (kernels/operator/dwconv16_op.cc), on Highway: one output pixel's
// channels from its taps, int16 inputs times weights widened to int32,
// summed over at most kDw16MaxTaps taps in int32, which is exact (|x * w|
// <= 2^22 for int8 weights and both int8 planes of int16 ones).
#ifndef LOWBIT_KERNELS_GEMM16_DWCONV16_H_
#define LOWBIT_KERNELS_GEMM16_DWCONV16_H_

#include <cstddef>
#include <cstdint>

namespace lowbit {

constexpr size_t kDw16MaxTaps = 511;

// out[c] = sum_i taps[i][c] * w[i * channels + c] for c < channels; with
// sum not null also sum[c] = sum_i taps[i][c].
void Dw16Accumulate(const int16_t* const* taps, size_t count, const int32_t* w,
                    size_t channels, int32_t* out, int32_t* sum);

}  // namespace lowbit

#endif  // LOWBIT_KERNELS_GEMM16_DWCONV16_H_
