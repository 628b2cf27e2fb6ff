// The checks and derived requantization parameters of lowbit_gemm_params,
// shared by the hosted operator (gemm_op.cc) and the bare-metal one
// (kernels/bare/): freestanding (no allocation, no threads).
#ifndef LOWBIT_KERNELS_OPERATOR_GEMM_PARAMS_H_
#define LOWBIT_KERNELS_OPERATOR_GEMM_PARAMS_H_

#include <cstddef>
#include <cstdint>

#include "lowbit/lowbit.h"

namespace lowbit {

// The first versioned layout: everything up to output_max.
constexpr size_t kGemmParamsMinSize =
    offsetof(lowbit_gemm_params, requant_multipliers);

// Whether p carries its own (multiplier, shift) pairs.
inline bool CallerMultipliers(const lowbit_gemm_params& p) {
  return p.requant_multipliers != nullptr || p.requant_shifts != nullptr ||
         p.requant_multiplier_count != 0;
}

// Every check lowbit_gemm_pack makes on 8-bit activations, on a complete
// (current-layout) struct. fn names the C function in error messages.
lowbit_status ValidateGemmParams(const lowbit_gemm_params& params,
                                 const char* fn);

// Every check of INT16 activations (16x8, int16 x int16): types, the
// fixed-point mode, zero points 0, the int16 clamp, bias or bias64, and
// |bias| + 32768 * sum|W| < 2^47 per channel (TFLite's bound).
lowbit_status ValidateGemm16(const lowbit_gemm_params& p, const char* fn);

// The scales, or the caller's multipliers and shifts, of p.
lowbit_status ValidateRequantParams(const lowbit_gemm_params& params,
                                    const char* fn);

// Channel n's requantization parameters for n < p.n: the fp32 mode's
// effective scale, or the fixed-point modes' multiplier and shift (from
// the scales, or the caller's). Only the arrays the mode reads are
// written (scale for fp32, multiplier and shift otherwise). Fails when an
// effective scale is outside [2^-32, 256).
lowbit_status ComputeRequant(const lowbit_gemm_params& p, float* scale,
                             int32_t* multiplier, int32_t* shift,
                             const char* fn);

}  // namespace lowbit

#endif  // LOWBIT_KERNELS_OPERATOR_GEMM_PARAMS_H_
