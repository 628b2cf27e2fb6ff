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
// sum not null also sum[c] = sum_i taps[i][c]. wp: the same weights as
// int16 pairs, Dw16PackPairs's layout.
void Dw16Accumulate(const int16_t* const* taps, size_t count, const int32_t* w,
                    const int32_t* wp, size_t channels, int32_t* out,
                    int32_t* sum);

// wp[(i * 2 + 0) * cp + j] = (w[i][2j], 0) and wp[(i * 2 + 1) * cp + j] =
// (0, w[i][2j + 1]) as int16 pairs in an int32 (the low half first; 0 past
// the channels), cp = (channels + 1) / 2: what the vector loop multiplies
// even and odd channels by. wp holds count * 2 * cp values.
inline void Dw16PackPairs(const int32_t* w, size_t count, size_t channels,
                          int32_t* wp) {
  const size_t cp = (channels + 1) / 2;
  for (size_t i = 0; i < count; ++i) {
    for (size_t j = 0; j < cp; ++j) {
      const uint32_t even = static_cast<uint16_t>(w[i * channels + 2 * j]);
      const uint32_t odd =
          2 * j + 1 < channels
              ? static_cast<uint32_t>(
                    static_cast<uint16_t>(w[i * channels + 2 * j + 1]))
                    << 16
              : 0;
      wp[(i * 2) * cp + j] = static_cast<int32_t>(even);
      wp[(i * 2 + 1) * cp + j] = static_cast<int32_t>(odd);
    }
  }
}

}  // namespace lowbit

#endif  // LOWBIT_KERNELS_GEMM16_DWCONV16_H_
