// The quantization toolkit of lowbit.h: parameters from a range, quantize,
// dequantize, SQNR, weights, batch-norm folding, calibration. Freestanding:
// the loops over data are kernels/quantize (vector forms where the build
// has Highway, bit-exact with the scalar ones).
#include "kernels/quantize/quantize.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "kernels/operator/error.h"
#include "lowbit/lowbit.h"

namespace lowbit {
namespace {

struct Range {
  int32_t lo, hi;
};

bool TypeRange(lowbit_dtype type, Range* r) {
  switch (type) {
    case LOWBIT_DTYPE_INT8:
      *r = {-128, 127};
      return true;
    case LOWBIT_DTYPE_UINT8:
      *r = {0, 255};
      return true;
    case LOWBIT_DTYPE_INT16:
      *r = {-32768, 32767};
      return true;
    case LOWBIT_DTYPE_INT4:
      *r = {-8, 7};
      return true;
    default:
      return false;
  }
}

lowbit_status CheckParams(const lowbit_qparams* p, lowbit_dtype type, Range* r,
                          const char* fn) {
  if (p == nullptr) {
    return Fail(LOWBIT_ERROR_NULL_POINTER, "%s: params is NULL", fn);
  }
  if (!TypeRange(type, r)) {
    return Fail(LOWBIT_ERROR_UNSUPPORTED,
                "%s: type %d is not INT8, UINT8, INT16 or INT4", fn,
                static_cast<int>(type));
  }
  if (!(p->scale > 0.0f) || !std::isfinite(p->scale)) {
    return Fail(LOWBIT_ERROR_INVALID_SCALE,
                "%s: scale %g is not positive and finite", fn, p->scale);
  }
  if (p->zero_point < r->lo || p->zero_point > r->hi) {
    return Fail(LOWBIT_ERROR_INVALID_ZERO_POINT,
                "%s: zero point %d outside [%d, %d]", fn,
                static_cast<int>(p->zero_point), static_cast<int>(r->lo),
                static_cast<int>(r->hi));
  }
  return LOWBIT_OK;
}

// A channel of INT4 weights from nibble `at` on (odd when k is): quantized
// as int8 bytes with INT4's clamp, then OR-ed into the zeroed nibbles.
void QuantizeNibblesAt(const float* w, size_t len, QuantizeSpec spec, size_t at,
                       uint8_t* q) {
  spec.type = LOWBIT_DTYPE_INT8;
  int8_t bytes[256];
  for (size_t i = 0; i < len; i += sizeof(bytes)) {
    const size_t m = len - i < sizeof(bytes) ? len - i : sizeof(bytes);
    Quantize(w + i, m, spec, bytes);
    for (size_t j = 0; j < m; ++j) {
      const size_t e = at + i + j;
      q[e / 2] |= static_cast<uint8_t>((bytes[j] & 0xF) << (e % 2 * 4));
    }
  }
}

// lowbit_quantize's and lowbit_dequantize's arguments; x and q may be NULL
// only when n = 0.
lowbit_status CheckConvert(const char* fn, const lowbit_qparams* p,
                           lowbit_dtype type, size_t n, const void* x,
                           const void* q, Range* r) {
  const lowbit_status s = CheckParams(p, type, r, fn);
  if (s != LOWBIT_OK) return s;
  if (n == 0) return Succeed();
  if (x == nullptr || q == nullptr) {
    return Fail(LOWBIT_ERROR_NULL_POINTER, "%s: %s is NULL", fn,
                x == nullptr ? "x" : "q");
  }
  return LOWBIT_OK;
}

// qmax of symmetric parameters and weights: INT8's narrow range, INT4
// scaled by 7, INT16; 0 for any other type.
int32_t SymmetricMax(lowbit_dtype type) {
  switch (type) {
    case LOWBIT_DTYPE_INT8:
      return 127;
    case LOWBIT_DTYPE_INT4:
      return 7;
    case LOWBIT_DTYPE_INT16:
      return 32767;
    default:
      return 0;
  }
}

// n rows of k values, both nonzero and n * k without overflow.
lowbit_status CheckRows(const char* fn, size_t n, size_t k, size_t* total) {
  if (n == 0 || k == 0 || __builtin_mul_overflow(n, k, total)) {
    return Fail(LOWBIT_ERROR_INVALID_SIZE, "%s: n = %zu and k = %zu", fn, n, k);
  }
  return LOWBIT_OK;
}

// The first NaN or infinity of x (there is one).
size_t FirstNonFinite(const float* x) {
  size_t i = 0;
  while (std::isfinite(x[i])) ++i;
  return i;
}

}  // namespace
}  // namespace lowbit

extern "C" {

lowbit_status lowbit_choose_qparams(float min, float max, lowbit_dtype type,
                                    int symmetric,
                                    lowbit_qparams* params) noexcept {
  const char* fn = "lowbit_choose_qparams";
  if (params == nullptr) {
    return lowbit::Fail(LOWBIT_ERROR_NULL_POINTER, "%s: params is NULL", fn);
  }
  if (!std::isfinite(min) || !std::isfinite(max)) {
    return lowbit::Fail(LOWBIT_ERROR_INVALID_ARGUMENT,
                        "%s: range [%g, %g] is not finite", fn, min, max);
  }
  if (min > max) {
    return lowbit::Fail(LOWBIT_ERROR_INVALID_RANGE, "%s: min %g > max %g", fn,
                        min, max);
  }
  const double lo = min < 0.0f ? min : 0.0;  // widened to contain 0
  const double hi = max > 0.0f ? max : 0.0;
  if (symmetric) {
    const int32_t qmax = lowbit::SymmetricMax(type);
    if (qmax == 0) {
      return lowbit::Fail(LOWBIT_ERROR_UNSUPPORTED,
                          "%s: symmetric parameters are for INT8, INT4 and "
                          "INT16, not type %d",
                          fn, static_cast<int>(type));
    }
    const double amax = -lo > hi ? -lo : hi;
    params->scale = amax == 0.0 ? 1.0f : static_cast<float>(amax / qmax);
    params->zero_point = 0;
    return lowbit::Succeed();
  }
  if (type != LOWBIT_DTYPE_INT8 && type != LOWBIT_DTYPE_UINT8) {
    return lowbit::Fail(LOWBIT_ERROR_UNSUPPORTED,
                        "%s: asymmetric parameters are for INT8 and UINT8, "
                        "not type %d",
                        fn, static_cast<int>(type));
  }
  const double qmin = type == LOWBIT_DTYPE_INT8 ? -128.0 : 0.0;
  const double qmax = type == LOWBIT_DTYPE_INT8 ? 127.0 : 255.0;
  if (lo == hi) {  // all zero
    params->scale = 1.0f;
    params->zero_point = 0;
    return lowbit::Succeed();
  }
  const double scale = (hi - lo) / (qmax - qmin);
  const double from_min = qmin - lo / scale;
  const double from_max = qmax - hi / scale;
  const double error_min = std::fabs(qmin) + std::fabs(lo / scale);
  const double error_max = std::fabs(qmax) + std::fabs(hi / scale);
  const double zp = error_min < error_max ? from_min : from_max;
  // Clamped, then rounded half away from zero (TFLite's TfLiteRound).
  const double nudged = zp < qmin ? qmin : zp > qmax ? qmax : std::round(zp);
  params->scale = static_cast<float>(scale);
  params->zero_point = static_cast<int32_t>(nudged);
  return lowbit::Succeed();
}

lowbit_status lowbit_quantize(size_t n, const float* x,
                              const lowbit_qparams* params, lowbit_dtype type,
                              void* q) noexcept {
  const char* fn = "lowbit_quantize";
  lowbit::Range r{};
  const lowbit_status s = lowbit::CheckConvert(fn, params, type, n, x, q, &r);
  if (s != LOWBIT_OK || n == 0) return s;
  if (!lowbit::AllFinite(x, n)) {
    const size_t i = lowbit::FirstNonFinite(x);
    return lowbit::Fail(LOWBIT_ERROR_INVALID_ARGUMENT,
                        "%s: x[%zu] = %g is not finite", fn, i, x[i]);
  }
  lowbit::Quantize(x, n, {params->scale, params->zero_point, r.lo, r.hi, type},
                   q);
  return lowbit::Succeed();
}

lowbit_status lowbit_dequantize(size_t n, const void* q, lowbit_dtype type,
                                const lowbit_qparams* params,
                                float* x) noexcept {
  const char* fn = "lowbit_dequantize";
  lowbit::Range r{};
  const lowbit_status s = lowbit::CheckConvert(fn, params, type, n, x, q, &r);
  if (s != LOWBIT_OK || n == 0) return s;
  lowbit::Dequantize(q, n, type, params->scale, params->zero_point, x);
  return lowbit::Succeed();
}

lowbit_status lowbit_sqnr(size_t n, const float* x, const void* q,
                          lowbit_dtype type, const lowbit_qparams* params,
                          double* db) noexcept {
  const char* fn = "lowbit_sqnr";
  lowbit::Range r{};
  lowbit_status s = lowbit::CheckParams(params, type, &r, fn);
  if (s != LOWBIT_OK) return s;
  if (x == nullptr || q == nullptr || db == nullptr) {
    return lowbit::Fail(LOWBIT_ERROR_NULL_POINTER, "%s: a pointer is NULL", fn);
  }
  if (n == 0) {
    return lowbit::Fail(LOWBIT_ERROR_INVALID_SIZE, "%s: n = 0", fn);
  }
  lowbit::SqnrSums sums;
  lowbit::SqnrSumsOf(x, q, n, type, params->scale, params->zero_point, &sums);
  const double signal = lowbit::SqnrTotal(sums.signal);
  const double noise = lowbit::SqnrTotal(sums.noise);
  if (!std::isfinite(signal)) {
    return lowbit::Fail(LOWBIT_ERROR_INVALID_ARGUMENT,
                        "%s: x holds a NaN or an infinity", fn);
  }
  *db = noise == 0.0    ? HUGE_VAL
        : signal == 0.0 ? -HUGE_VAL
                        : 10.0 * std::log10(signal / noise);
  return lowbit::Succeed();
}

lowbit_status lowbit_quantize_weights(size_t n, size_t k, const float* w,
                                      lowbit_dtype type, int per_channel,
                                      float* scales, void* q) noexcept {
  const char* fn = "lowbit_quantize_weights";
  if (w == nullptr || scales == nullptr || q == nullptr) {
    return lowbit::Fail(LOWBIT_ERROR_NULL_POINTER, "%s: a pointer is NULL", fn);
  }
  const int32_t qmax = lowbit::SymmetricMax(type);
  if (qmax == 0) {
    return lowbit::Fail(LOWBIT_ERROR_UNSUPPORTED,
                        "%s: weights quantize to INT8, INT4 or INT16, not "
                        "type %d",
                        fn, static_cast<int>(type));
  }
  size_t total = 0;
  const lowbit_status rows = lowbit::CheckRows(fn, n, k, &total);
  if (rows != LOWBIT_OK) return rows;
  if (!lowbit::AllFinite(w, total)) {
    const size_t i = lowbit::FirstNonFinite(w);
    return lowbit::Fail(LOWBIT_ERROR_INVALID_ARGUMENT,
                        "%s: w[%zu] = %g is not finite", fn, i, w[i]);
  }
  const size_t groups = per_channel ? n : 1, len = total / groups;
  if (type == LOWBIT_DTYPE_INT4) std::memset(q, 0, (total + 1) / 2);
  for (size_t g = 0; g < groups; ++g) {
    const float amax = lowbit::MaxAbs(w + g * len, len);
    scales[g] = amax == 0.0f
                    ? 1.0f
                    : static_cast<float>(static_cast<double>(amax) / qmax);
    const lowbit::QuantizeSpec spec{scales[g], 0, -qmax, qmax, type};
    if (type == LOWBIT_DTYPE_INT4) {
      lowbit::QuantizeNibblesAt(w + g * len, len, spec, g * len,
                                static_cast<uint8_t*>(q));
    } else {
      lowbit::Quantize(w + g * len, len, spec,
                       static_cast<uint8_t*>(q) +
                           g * len * (type == LOWBIT_DTYPE_INT16 ? 2 : 1));
    }
  }
  return lowbit::Succeed();
}

}  // extern "C"

namespace lowbit {
namespace {

// TFLite's SafeCast of a float to T, then its clamp to [-max, max].
template <typename T>
T SaturateBias(float v) {
  const float top = -static_cast<float>(std::numeric_limits<T>::min());
  const T max = std::numeric_limits<T>::max();
  if (v >= top) return max;
  if (v <= -top) return -max;
  const T t = static_cast<T>(v);
  return t < -max ? -max : t;
}

template <typename T>
lowbit_status QuantizeBias(const char* fn, size_t n, const float* bias,
                           float input_scale, const float* weight_scales,
                           size_t count, T* q) {
  if (bias == nullptr || weight_scales == nullptr || q == nullptr) {
    return Fail(LOWBIT_ERROR_NULL_POINTER, "%s: a pointer is NULL", fn);
  }
  if (n == 0) return Fail(LOWBIT_ERROR_INVALID_SIZE, "%s: n = 0", fn);
  if (count != 1 && count != n) {
    return Fail(LOWBIT_ERROR_INVALID_ARGUMENT,
                "%s: weight_scale_count %zu is neither 1 nor n = %zu", fn,
                count, n);
  }
  if (!(input_scale > 0.0f) || !std::isfinite(input_scale)) {
    return Fail(LOWBIT_ERROR_INVALID_SCALE,
                "%s: input scale %g is not positive and finite", fn,
                input_scale);
  }
  for (size_t c = 0; c < count; ++c) {
    const float s = input_scale * weight_scales[c];
    if (!(weight_scales[c] > 0.0f) || !std::isfinite(weight_scales[c]) ||
        !(s > 0.0f) || !std::isfinite(static_cast<float>(1.0 / s))) {
      return Fail(LOWBIT_ERROR_INVALID_SCALE,
                  "%s: weight scale %zu (%g) is not positive and finite, or "
                  "its product with the input scale has no float reciprocal",
                  fn, c, weight_scales[c]);
    }
  }
  for (size_t c = 0; c < n; ++c) {
    if (!std::isfinite(bias[c])) {
      return Fail(LOWBIT_ERROR_INVALID_ARGUMENT, "%s: bias[%zu] = %g", fn, c,
                  bias[c]);
    }
  }
  for (size_t c = 0; c < n; ++c) {
    const float scale = input_scale * weight_scales[count == 1 ? 0 : c];
    const float inv = static_cast<float>(1.0 / scale);
    const float v = bias[c] * inv;
    q[c] = SaturateBias<T>(std::round(v));
  }
  return Succeed();
}

}  // namespace
}  // namespace lowbit

extern "C" {

lowbit_status lowbit_quantize_bias(size_t n, const float* bias,
                                   float input_scale,
                                   const float* weight_scales,
                                   size_t weight_scale_count,
                                   int32_t* q) noexcept {
  return lowbit::QuantizeBias("lowbit_quantize_bias", n, bias, input_scale,
                              weight_scales, weight_scale_count, q);
}

lowbit_status lowbit_quantize_bias64(size_t n, const float* bias,
                                     float input_scale,
                                     const float* weight_scales,
                                     size_t weight_scale_count,
                                     int64_t* q) noexcept {
  return lowbit::QuantizeBias("lowbit_quantize_bias64", n, bias, input_scale,
                              weight_scales, weight_scale_count, q);
}

lowbit_status lowbit_fold_batch_norm(size_t n, size_t k, float* weights,
                                     float* bias, const float* gamma,
                                     const float* beta, const float* mean,
                                     const float* var, float eps) noexcept {
  const char* fn = "lowbit_fold_batch_norm";
  if (weights == nullptr || bias == nullptr || gamma == nullptr ||
      beta == nullptr || mean == nullptr || var == nullptr) {
    return lowbit::Fail(LOWBIT_ERROR_NULL_POINTER, "%s: a pointer is NULL", fn);
  }
  size_t total = 0;
  const lowbit_status rows = lowbit::CheckRows(fn, n, k, &total);
  if (rows != LOWBIT_OK) return rows;
  for (size_t c = 0; c < n; ++c) {
    const float d = var[c] + eps;
    if (!std::isfinite(gamma[c]) || !std::isfinite(beta[c]) ||
        !std::isfinite(mean[c]) || !std::isfinite(bias[c]) ||
        !std::isfinite(d) || !(d > 0.0f)) {
      return lowbit::Fail(LOWBIT_ERROR_INVALID_ARGUMENT,
                          "%s: channel %zu: gamma, beta, mean and bias must "
                          "be finite and var + eps positive",
                          fn, c);
    }
  }
  for (size_t i = 0; i < total; ++i) {
    if (!std::isfinite(weights[i])) {
      return lowbit::Fail(LOWBIT_ERROR_INVALID_ARGUMENT,
                          "%s: weights[%zu] is not finite", fn, i);
    }
  }
  for (size_t c = 0; c < n; ++c) {
    const float s = gamma[c] / std::sqrt(var[c] + eps);
    lowbit::Scale(weights + c * k, k, s);
    const float centered = bias[c] - mean[c];
    const float scaled = centered * s;
    bias[c] = scaled + beta[c];
  }
  return lowbit::Succeed();
}

lowbit_status lowbit_minmax_init(lowbit_minmax* mm, float decay) noexcept {
  if (mm == nullptr) {
    return lowbit::Fail(LOWBIT_ERROR_NULL_POINTER,
                        "lowbit_minmax_init: mm is NULL");
  }
  if (!(decay >= 0.0f && decay < 1.0f)) {
    return lowbit::Fail(LOWBIT_ERROR_INVALID_ARGUMENT,
                        "lowbit_minmax_init: decay %g is not in [0, 1)", decay);
  }
  *mm = lowbit_minmax{0.0f, 0.0f, 0.0f, 0.0f, decay, 0};
  return lowbit::Succeed();
}

lowbit_status lowbit_minmax_update(lowbit_minmax* mm, size_t n,
                                   const float* x) noexcept {
  const char* fn = "lowbit_minmax_update";
  if (mm == nullptr || x == nullptr) {
    return lowbit::Fail(LOWBIT_ERROR_NULL_POINTER, "%s: a pointer is NULL", fn);
  }
  if (n == 0) return lowbit::Fail(LOWBIT_ERROR_INVALID_SIZE, "%s: n = 0", fn);
  float lo = 0.0f, hi = 0.0f;
  if (!lowbit::MinMax(x, n, &lo, &hi)) {
    return lowbit::Fail(LOWBIT_ERROR_INVALID_ARGUMENT,
                        "%s: x[%zu] is not finite", fn,
                        lowbit::FirstNonFinite(x));
  }
  if (mm->batches == 0) {
    mm->min = mm->avg_min = lo;
    mm->max = mm->avg_max = hi;
  } else {
    mm->min = lo < mm->min ? lo : mm->min;
    mm->max = hi > mm->max ? hi : mm->max;
    const float keep = mm->decay, take = 1.0f - mm->decay;
    const float old_min = mm->avg_min * keep, new_min = lo * take;
    const float old_max = mm->avg_max * keep, new_max = hi * take;
    mm->avg_min = old_min + new_min;
    mm->avg_max = old_max + new_max;
  }
  ++mm->batches;
  return lowbit::Succeed();
}

}  // extern "C"
