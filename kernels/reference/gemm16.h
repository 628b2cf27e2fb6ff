// Scalar GEMM with 16-bit activations (lowbit.h: TFLite's 16x8 mode and
// int16 x int16): the specification. Inputs are assumed valid.
#ifndef LOWBIT_KERNELS_REFERENCE_GEMM16_H_
#define LOWBIT_KERNELS_REFERENCE_GEMM16_H_

#include <cstddef>
#include <cstdint>

#include "lowbit/lowbit.h"

namespace lowbit {
namespace ref {

// TFLite's int64 MultiplyByQuantizedMultiplier (the reduced 16-bit
// multiplier), then the clamp, on the exact int64 value.
int32_t RequantizeInt64(int64_t acc, int32_t multiplier, int32_t shift,
                        int32_t qmin, int32_t qmax);

// c[m][n] = bias[n] + sum_k A[m][k] * W[n][k] (bias or bias64), int64.
void Gemm16Accumulators(const lowbit_gemm_params& p, size_t m,
                        const int16_t* a, size_t lda, int64_t* c, size_t ldc);

// Requantizes m rows of p.n int64 accumulators (row stride acc_stride) to
// int16 with p.requant_multipliers when given, else
// QuantizeMultiplier(double(input_scale) * weight_scale / output_scale).
void Requantize16(const lowbit_gemm_params& p, size_t m, const int64_t* acc,
                  size_t acc_stride, int16_t* c, size_t ldc);

// The int16 output (Requantize16 of the accumulators), with
// p.requant_multipliers when given, else
// QuantizeMultiplier(double(input_scale) * weight_scale / output_scale).
void Gemm16(const lowbit_gemm_params& p, size_t m, const int16_t* a,
            size_t lda, int16_t* c, size_t ldc);

}  // namespace ref
}  // namespace lowbit

#endif  // LOWBIT_KERNELS_REFERENCE_GEMM16_H_
