// The int64 stage of the 16-bit-activation GEMM (kernels/operator/
// gemm16_op.cc), on Highway: widening the kernels' exact int32 K-part sums
// into int64, and TFLite's int64 requantization (lowbit.h), vectorized
// with 32x32 -> 64-bit multiplies and unsigned variable shifts only, which
// every target has, and bit-exact against ref::RequantizeInt64.
#ifndef LOWBIT_KERNELS_GEMM16_EPILOGUE16_H_
#define LOWBIT_KERNELS_GEMM16_EPILOGUE16_H_

#include <cstddef>
#include <cstdint>

namespace lowbit {

// Per output channel (arrays indexed by channel):
//   rm: TFLite's reduced multiplier, m < 0x7FFF0000 ? (m + 2^15) >> 16 :
//       0x7FFF (as int64, in [0, 2^15]);
//   t: its right shift 15 - shift, in [7, 46] (as uint64);
//   round: 2^(t-1) + 2^62, off: 2^62 >> t (Gemm16ChannelConstants).
struct Gemm16Channels {
  const int64_t* bias;
  const int64_t* rm;
  const uint64_t* t;
  const uint64_t* round;
  const uint64_t* off;
};

inline void Gemm16ChannelConstants(uint64_t t, uint64_t* round,
                                   uint64_t* off) {
  *round = (uint64_t{1} << (t - 1)) + (uint64_t{1} << 62);
  *off = (uint64_t{1} << 62) >> t;
}

// The narrow form's per-channel constants (Gemm16FinishNarrow), channel
// pairs apart: element i of an *_even array is channel 2i's value, of an
// *_odd array channel 2i + 1's (as 64-bit lanes, which a 32x32 -> 64-bit
// multiply of the even and of the odd int32 lanes meets).
struct Gemm16Pairs {
  const int64_t *rm_even, *rm_odd;
  const uint64_t *t_even, *t_odd, *round_even, *round_odd, *off_even,
      *off_odd;
};

// acc[i * stride + j] = (first ? 0 : acc[...]) + part[i * stride + j] * 2^sh
// for i < rows, j < cols.
void Gemm16AddPart(const int32_t* part, size_t rows, size_t cols,
                   size_t stride, int sh, bool first, int64_t* acc);

// v = (acc ? acc[i * stride + j] : 0) + part[i * stride + j] * 2^sh +
// bias[j] + (row_extra ? row_extra[i] : 0), then with raw the int64 v at
// out + i * ldc + j, else clamp((v * rm[j] + 2^(t[j]-1)) >> t[j], qmin,
// qmax) as int16 there. |v| < 2^47 (the operator's bound).
void Gemm16Finish(const int64_t* acc, const int32_t* part, int sh,
                  size_t rows, size_t cols, size_t stride,
                  const int64_t* row_extra, const Gemm16Channels& ch,
                  int32_t qmin, int32_t qmax, bool raw, void* out,
                  size_t ldc);

// The int16 output of Gemm16Finish when every v = part + bias[j] fits int32
// and every t >= 15 (so each result does too, before the clamp): one 32x32
// -> 64-bit multiply per channel, no widening of v. cols even or the last
// column's pair padded (the arrays hold whole pairs).
void Gemm16FinishNarrow(const int32_t* part, const int32_t* bias, size_t rows,
                        size_t cols, size_t stride, const Gemm16Pairs& ch,
                        int32_t qmin, int32_t qmax, int16_t* out, size_t ldc);

}  // namespace lowbit

#endif  // LOWBIT_KERNELS_GEMM16_EPILOGUE16_H_
