// Scalar requantization: the specification of DESIGN.md §2. Short and
// obvious on purpose; every SIMD path is tested against these functions.
#ifndef LOWBIT_KERNELS_REFERENCE_REQUANT_H_
#define LOWBIT_KERNELS_REFERENCE_REQUANT_H_

#include <cstdint>

namespace lowbit {
namespace ref {

// Smallest and largest effective scale accepted by every mode (XNNPACK's
// range): [2^-32, 256).
constexpr double kMinRequantScale = 1.0 / 4294967296.0;
constexpr double kMaxRequantScale = 256.0;

bool ScaleInRange(double scale);

// real_scale = multiplier * 2^(shift - 31), multiplier in [2^30, 2^31).
// False when real_scale is outside [2^-32, 256) or not finite.
bool QuantizeMultiplier(double real_scale, int32_t* multiplier, int32_t* shift);

// gemmlowp: INT32_MIN * INT32_MIN saturates; otherwise
// (a*b + (ab >= 0 ? 2^30 : 1 - 2^30)) / 2^31, truncating.
int32_t SaturatingRoundingDoublingHighMul(int32_t a, int32_t b);
// x / 2^exponent rounded half away from zero; exponent in [0, 31].
int32_t RoundingDivideByPOT(int32_t x, int exponent);

int32_t RequantizeFp32(int32_t acc, float scale, int32_t zero_point,
                       int32_t qmin, int32_t qmax);
int32_t RequantizeFixedpoint(int32_t acc, int32_t multiplier, int32_t shift,
                             int32_t zero_point, int32_t qmin, int32_t qmax);
int32_t RequantizeFixedpointSingle(int32_t acc, int32_t multiplier,
                                   int32_t shift, int32_t zero_point,
                                   int32_t qmin, int32_t qmax);

}  // namespace ref
}  // namespace lowbit

#endif  // LOWBIT_KERNELS_REFERENCE_REQUANT_H_
