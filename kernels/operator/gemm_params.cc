#include "kernels/operator/gemm_params.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "kernels/gemm/layout.h"
#include "kernels/operator/checked_size.h"
#include "kernels/operator/error.h"
#include "kernels/operator/versioned.h"
#include "kernels/reference/requant.h"

namespace lowbit {
namespace {

bool TypeRangeOf(lowbit_dtype type, int32_t* lo, int32_t* hi) {
  switch (type) {
    case LOWBIT_DTYPE_INT8: *lo = -128; *hi = 127; return true;
    case LOWBIT_DTYPE_UINT8: *lo = 0; *hi = 255; return true;
    default: return false;
  }
}

bool PositiveFinite(float x) { return x > 0.0f && std::isfinite(x); }

int32_t WeightAt(const lowbit_gemm_params& p, size_t n, size_t k) {
  return WeightElement(p.weight_type, p.weights, n * p.weight_stride + k);
}

// Rejects weights and bias whose exact accumulator could leave int32 for
// some input: |bias| + max|A - za| * sum_k |W - zw| must fit.
lowbit_status CheckAccumulatorRange(const lowbit_gemm_params& p,
                                    const char* fn) {
  int32_t lo = 0;
  int32_t hi = 0;
  TypeRangeOf(p.input_type, &lo, &hi);
  const int64_t max_a = std::max(hi - p.input_zero_point,
                                 p.input_zero_point - lo);
  const int64_t limit = std::numeric_limits<int32_t>::max();
  for (size_t n = 0; n < p.n; ++n) {
    int64_t bound = p.bias != nullptr ? std::abs(int64_t{p.bias[n]}) : 0;
    for (size_t k = 0; k < p.k && bound <= limit; ++k) {
      bound += max_a * std::abs(WeightAt(p, n, k) - p.weight_zero_point);
    }
    if (bound > limit) {
      return Fail(LOWBIT_ERROR_K_TOO_LARGE,
                  "%s: channel %zu can accumulate beyond int32 "
                  "with K = %zu (|bias| + max|A - za| * sum|W - zw| > 2^31 - "
                  "1); split K", fn,
                  n, p.k);
    }
  }
  return LOWBIT_OK;
}

// Caller-supplied (multiplier, shift) pairs: QuantizeMultiplier's form for
// effective scales in [2^-32, 256), the domain the scale path accepts.
lowbit_status ValidateMultipliers(const lowbit_gemm_params* p,
                                  const char* fn) {
  if (p->requant != LOWBIT_REQUANT_FIXEDPOINT &&
      p->requant != LOWBIT_REQUANT_FIXEDPOINT_SINGLE) {
    return Fail(LOWBIT_ERROR_INVALID_ARGUMENT,
                "%s: requant_multipliers are for the "
                "fixed-point modes; fp32 requantization takes scales", fn);
  }
  if (p->requant_multipliers == nullptr || p->requant_shifts == nullptr) {
    return Fail(LOWBIT_ERROR_NULL_POINTER,
                "%s: requant_multipliers and requant_shifts "
                "must both be given", fn);
  }
  if (p->requant_multiplier_count != 1 &&
      p->requant_multiplier_count != p->n) {
    return Fail(LOWBIT_ERROR_INVALID_ARGUMENT,
                "%s: requant_multiplier_count %zu is neither 1 "
                "nor n = %zu", fn,
                p->requant_multiplier_count, p->n);
  }
  for (size_t i = 0; i < p->requant_multiplier_count; ++i) {
    const int32_t m = p->requant_multipliers[i];
    const int32_t s = p->requant_shifts[i];
    if (m < (int32_t{1} << 30)) {
      return Fail(LOWBIT_ERROR_INVALID_SCALE,
                  "%s: requant_multipliers[%zu] = %d is not in "
                  "[2^30, 2^31) (QuantizeMultiplier's form; 0 means a scale "
                  "below 2^-32)", fn,
                  i, static_cast<int>(m));
    }
    if (s < -31 || s > 8) {
      return Fail(LOWBIT_ERROR_INVALID_SCALE,
                  "%s: requant_shifts[%zu] = %d is outside "
                  "[-31, 8] (effective scale outside [2^-32, 256))", fn,
                  i, static_cast<int>(s));
    }
  }
  return LOWBIT_OK;
}

lowbit_status ValidateScales(const lowbit_gemm_params* p, const char* fn) {
  if (p->weight_scales == nullptr) {
    return Fail(LOWBIT_ERROR_NULL_POINTER,
                "%s: weight_scales is NULL", fn);
  }
  if (p->weight_scale_count != 1 && p->weight_scale_count != p->n) {
    return Fail(LOWBIT_ERROR_INVALID_ARGUMENT,
                "%s: weight_scale_count %zu is neither 1 nor "
                "n = %zu", fn,
                p->weight_scale_count, p->n);
  }
  if (!PositiveFinite(p->input_scale) || !PositiveFinite(p->output_scale)) {
    return Fail(LOWBIT_ERROR_INVALID_SCALE,
                "%s: input scale %g and output scale %g must be "
                "positive and finite", fn,
                p->input_scale, p->output_scale);
  }
  for (size_t i = 0; i < p->weight_scale_count; ++i) {
    if (!PositiveFinite(p->weight_scales[i])) {
      return Fail(LOWBIT_ERROR_INVALID_SCALE,
                  "%s: weight scale[%zu] = %g must be positive "
                  "and finite", fn,
                  i, p->weight_scales[i]);
    }
  }
  return LOWBIT_OK;
}

lowbit_status ValidateParams(const lowbit_gemm_params* p, const char* fn) {
  if (p->weights == nullptr) {
    return Fail(LOWBIT_ERROR_NULL_POINTER, "%s: weights is NULL", fn);
  }
  if (p->n == 0 || p->k == 0) {
    return Fail(LOWBIT_ERROR_INVALID_SIZE,
                "%s: n = %zu and k = %zu must be nonzero", fn, p->n,
                p->k);
  }
  if (p->bias64 != nullptr) {
    return Fail(LOWBIT_ERROR_INVALID_ARGUMENT,
                "%s: bias64 is for INT16 activations; 8-bit ones take the "
                "int32 bias", fn);
  }
  constexpr size_t kMaxDim = size_t{1} << 30;
  if (p->n > kMaxDim || p->k > kMaxDim) {
    return Fail(LOWBIT_ERROR_INVALID_SIZE,
                "%s: n = %zu or k = %zu exceeds 2^30", fn, p->n,
                p->k);
  }
  if (p->weight_stride < p->k) {
    return Fail(LOWBIT_ERROR_INVALID_STRIDE,
                "%s: weight_stride %zu < k %zu", fn,
                p->weight_stride, p->k);
  }
  if (!SpanOk(p->n, p->k, p->weight_stride, 1)) {
    return Fail(LOWBIT_ERROR_INVALID_SIZE,
                "%s: weights span overflows size_t", fn);
  }
  int32_t in_lo, in_hi, w_lo = -8, w_hi = 7, out_lo, out_hi;
  if (!TypeRangeOf(p->input_type, &in_lo, &in_hi) ||
      (p->weight_type != LOWBIT_DTYPE_INT4 &&
       !TypeRangeOf(p->weight_type, &w_lo, &w_hi)) ||
      !TypeRangeOf(p->output_type, &out_lo, &out_hi)) {
    return Fail(LOWBIT_ERROR_UNSUPPORTED,
                "%s: input/weight/output types (%d, %d, %d) "
                "must be INT8 or UINT8 (weights also INT4)", fn,
                static_cast<int>(p->input_type),
                static_cast<int>(p->weight_type),
                static_cast<int>(p->output_type));
  }
  if (p->requant != LOWBIT_REQUANT_FP32 &&
      p->requant != LOWBIT_REQUANT_FIXEDPOINT &&
      p->requant != LOWBIT_REQUANT_FIXEDPOINT_SINGLE) {
    return Fail(LOWBIT_ERROR_UNSUPPORTED,
                "%s: unknown requantization mode %d", fn,
                static_cast<int>(p->requant));
  }
  const lowbit_status scales =
      CallerMultipliers(*p) ? ValidateMultipliers(p, fn) : ValidateScales(p, fn);
  if (scales != LOWBIT_OK) return scales;
  if (p->input_zero_point < in_lo || p->input_zero_point > in_hi) {
    return Fail(LOWBIT_ERROR_INVALID_ZERO_POINT,
                "%s: input zero point %d outside [%d, %d]", fn,
                static_cast<int>(p->input_zero_point), static_cast<int>(in_lo),
                static_cast<int>(in_hi));
  }
  if (p->weight_type != LOWBIT_DTYPE_UINT8 ? p->weight_zero_point != 0
                                           : (p->weight_zero_point < w_lo ||
                                              p->weight_zero_point > w_hi)) {
    return Fail(LOWBIT_ERROR_INVALID_ZERO_POINT,
                "%s: weight zero point %d: int8 and int4 weights are "
                "symmetric (0), uint8 weights take [0, 255]", fn,
                static_cast<int>(p->weight_zero_point));
  }
  if (p->output_zero_point < out_lo || p->output_zero_point > out_hi) {
    return Fail(LOWBIT_ERROR_INVALID_ZERO_POINT,
                "%s: output zero point %d outside [%d, %d]", fn,
                static_cast<int>(p->output_zero_point),
                static_cast<int>(out_lo), static_cast<int>(out_hi));
  }
  if (p->output_min > p->output_max || p->output_min < out_lo ||
      p->output_max > out_hi) {
    return Fail(LOWBIT_ERROR_INVALID_RANGE,
                "%s: output clamp [%d, %d] is empty or outside "
                "[%d, %d]", fn,
                static_cast<int>(p->output_min), static_cast<int>(p->output_max),
                static_cast<int>(out_lo), static_cast<int>(out_hi));
  }
  return CheckAccumulatorRange(*p, fn);
}

}  // namespace

namespace {

// TFLite's assumption on the int64 accumulator, which keeps acc * rm
// (rm <= 2^15) and its rounding inside int64.
constexpr int64_t kAccLimit = int64_t{1} << 47;

}  // namespace

lowbit_status ValidateGemm16(const lowbit_gemm_params& p, const char* fn) {
  if (p.weights == nullptr) {
    return Fail(LOWBIT_ERROR_NULL_POINTER, "%s: weights is NULL", fn);
  }
  constexpr size_t kMaxDim = size_t{1} << 30;
  if (p.n == 0 || p.k == 0 || p.n > kMaxDim || p.k > kMaxDim) {
    return Fail(LOWBIT_ERROR_INVALID_SIZE,
                "%s: n = %zu and k = %zu must be in [1, 2^30]", fn, p.n, p.k);
  }
  if (p.weight_stride < p.k) {
    return Fail(LOWBIT_ERROR_INVALID_STRIDE, "%s: weight_stride %zu < k %zu",
                fn, p.weight_stride, p.k);
  }
  const size_t welem = p.weight_type == LOWBIT_DTYPE_INT16 ? 2 : 1;
  if (!SpanOk(p.n, p.k, p.weight_stride, welem)) {
    return Fail(LOWBIT_ERROR_INVALID_SIZE,
                "%s: weights span overflows size_t", fn);
  }
  if ((p.weight_type != LOWBIT_DTYPE_INT8 &&
       p.weight_type != LOWBIT_DTYPE_INT16) ||
      p.output_type != LOWBIT_DTYPE_INT16) {
    return Fail(LOWBIT_ERROR_UNSUPPORTED,
                "%s: INT16 activations take INT8 or INT16 weights and give "
                "INT16 output (weight type %d, output type %d)",
                fn, static_cast<int>(p.weight_type),
                static_cast<int>(p.output_type));
  }
  if (p.requant != LOWBIT_REQUANT_FIXEDPOINT) {
    return Fail(LOWBIT_ERROR_UNSUPPORTED,
                "%s: INT16 activations requantize in "
                "LOWBIT_REQUANT_FIXEDPOINT only (TFLite's int64 form), not "
                "mode %d",
                fn, static_cast<int>(p.requant));
  }
  const lowbit_status scales = ValidateRequantParams(p, fn);
  if (scales != LOWBIT_OK) return scales;
  if (p.input_zero_point != 0 || p.weight_zero_point != 0 ||
      p.output_zero_point != 0) {
    return Fail(LOWBIT_ERROR_INVALID_ZERO_POINT,
                "%s: INT16 activations are symmetric: input, weight and "
                "output zero points must be 0 (%d, %d, %d)",
                fn, static_cast<int>(p.input_zero_point),
                static_cast<int>(p.weight_zero_point),
                static_cast<int>(p.output_zero_point));
  }
  if (p.output_min > p.output_max || p.output_min < -32768 ||
      p.output_max > 32767) {
    return Fail(LOWBIT_ERROR_INVALID_RANGE,
                "%s: output clamp [%d, %d] is empty or outside "
                "[-32768, 32767]",
                fn, static_cast<int>(p.output_min),
                static_cast<int>(p.output_max));
  }
  if (p.bias != nullptr && p.bias64 != nullptr) {
    return Fail(LOWBIT_ERROR_INVALID_ARGUMENT,
                "%s: bias and bias64 are both set", fn);
  }
  // |bias| + max|A| * sum |W| < 2^47 for every channel.
  for (size_t n = 0; n < p.n; ++n) {
    const int64_t b = p.bias64 != nullptr ? p.bias64[n]
                      : p.bias != nullptr ? p.bias[n]
                                          : 0;
    int64_t bound = b == std::numeric_limits<int64_t>::min()
                        ? kAccLimit
                        : (b < 0 ? -b : b);
    for (size_t k = 0; k < p.k && bound < kAccLimit; ++k) {
      const int64_t w =
          WeightElement(p.weight_type, p.weights, n * p.weight_stride + k);
      bound += 32768 * (w < 0 ? -w : w);
    }
    if (bound >= kAccLimit) {
      return Fail(LOWBIT_ERROR_K_TOO_LARGE,
                  "%s: channel %zu can accumulate beyond 2^47 with K = %zu "
                  "(|bias| + 32768 * sum|W| >= 2^47, TFLite's bound for the "
                  "int64 requantization); split K",
                  fn, n, p.k);
    }
  }
  return LOWBIT_OK;
}

lowbit_status ValidateGemmParams(const lowbit_gemm_params& params,
                                 const char* fn) {
  return ValidateParams(&params, fn);
}

lowbit_status ValidateRequantParams(const lowbit_gemm_params& params,
                                    const char* fn) {
  return CallerMultipliers(params) ? ValidateMultipliers(&params, fn)
                                   : ValidateScales(&params, fn);
}

lowbit_status ComputeRequant(const lowbit_gemm_params& p, float* scale,
                             int32_t* multiplier, int32_t* shift,
                             const char* fn) {
  const bool given = CallerMultipliers(p);
  for (size_t n = 0; n < p.n && given; ++n) {
    const size_t i = p.requant_multiplier_count == 1 ? 0 : n;
    multiplier[n] = p.requant_multipliers[i];
    shift[n] = p.requant_shifts[i];
  }
  for (size_t n = 0; n < p.n && !given; ++n) {
    const float ws = p.weight_scales[p.weight_scale_count == 1 ? 0 : n];
    if (p.requant == LOWBIT_REQUANT_FP32) {
      const float s = lowbit_fp32_requant_scale(p.input_scale, ws,
                                                p.output_scale);
      if (!ref::ScaleInRange(s)) {
        return Fail(LOWBIT_ERROR_INVALID_SCALE,
                    "%s: channel %zu: effective scale %g outside "
                    "[2^-32, 256)", fn,
                    n, s);
      }
      scale[n] = s;
    } else {
      const double s = lowbit_fixedpoint_requant_scale(p.input_scale, ws,
                                                       p.output_scale);
      if (!ref::QuantizeMultiplier(s, &multiplier[n], &shift[n])) {
        return Fail(LOWBIT_ERROR_INVALID_SCALE,
                    "%s: channel %zu: effective scale %g outside "
                    "[2^-32, 256)", fn,
                    n, s);
      }
    }
  }
  return LOWBIT_OK;
}

}  // namespace lowbit

extern "C" {

lowbit_status lowbit_gemm_params_init_sized(lowbit_gemm_params* params,
                                            size_t struct_size) noexcept {
  lowbit_gemm_params d{};
  d.input_type = LOWBIT_DTYPE_INT8;
  d.weight_type = LOWBIT_DTYPE_INT8;
  d.output_type = LOWBIT_DTYPE_INT8;
  d.requant = LOWBIT_REQUANT_FP32;
  d.input_scale = 1.0f;
  d.output_scale = 1.0f;
  d.weight_scale_count = 1;
  d.output_min = -128;
  d.output_max = 127;
  return lowbit::InitVersioned(params, struct_size,
                               lowbit::kGemmParamsMinSize, d,
                               "lowbit_gemm_params_init");
}

}  // extern "C"
