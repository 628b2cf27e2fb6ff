// The quantization toolkit of lowbit.h: parameters from a range, quantize,
// dequantize, SQNR. Freestanding (scalar; each element's value is defined
// by one formula, so any vector form must give the same bits).
#include <cmath>
#include <cstdint>
#include <cstring>

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

// Half away from zero (TFLite's TfLiteRound, std::round).
double RoundHalfAway(double v) { return std::round(v); }

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

int32_t Get(const void* q, lowbit_dtype type, size_t i) {
  switch (type) {
    case LOWBIT_DTYPE_UINT8:
      return static_cast<const uint8_t*>(q)[i];
    case LOWBIT_DTYPE_INT16:
      return static_cast<const int16_t*>(q)[i];
    case LOWBIT_DTYPE_INT4: {
      const uint8_t b = static_cast<const uint8_t*>(q)[i / 2];
      const int32_t v = (i % 2 == 0 ? b : b >> 4) & 0xF;
      return v - ((v & 8) << 1);
    }
    default:
      return static_cast<const int8_t*>(q)[i];
  }
}

// Element i of q (int4: nibble i, low first; its byte zeroed before).
void Put(void* q, lowbit_dtype type, size_t i, int32_t v) {
  switch (type) {
    case LOWBIT_DTYPE_UINT8:
      static_cast<uint8_t*>(q)[i] = static_cast<uint8_t>(v);
      break;
    case LOWBIT_DTYPE_INT16:
      static_cast<int16_t*>(q)[i] = static_cast<int16_t>(v);
      break;
    case LOWBIT_DTYPE_INT4:
      static_cast<uint8_t*>(q)[i / 2] |=
          static_cast<uint8_t>(i % 2 == 0 ? (v & 0xF) : (v & 0xF) << 4);
      break;
    default:
      static_cast<int8_t*>(q)[i] = static_cast<int8_t>(v);
      break;
  }
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
    int32_t qmax = 0;
    switch (type) {
      case LOWBIT_DTYPE_INT8:
        qmax = 127;
        break;
      case LOWBIT_DTYPE_INT4:
        qmax = 7;
        break;
      case LOWBIT_DTYPE_INT16:
        qmax = 32767;
        break;
      default:
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
  const double nudged = zp < qmin   ? qmin
                        : zp > qmax ? qmax
                                    : lowbit::RoundHalfAway(zp);
  params->scale = static_cast<float>(scale);
  params->zero_point = static_cast<int32_t>(nudged);
  return lowbit::Succeed();
}

lowbit_status lowbit_quantize(size_t n, const float* x,
                              const lowbit_qparams* params, lowbit_dtype type,
                              void* q) noexcept {
  const char* fn = "lowbit_quantize";
  lowbit::Range r{};
  lowbit_status s = lowbit::CheckParams(params, type, &r, fn);
  if (s != LOWBIT_OK) return s;
  if (n == 0) return lowbit::Succeed();
  if (x == nullptr || q == nullptr) {
    return lowbit::Fail(LOWBIT_ERROR_NULL_POINTER, "%s: %s is NULL", fn,
                        x == nullptr ? "x" : "q");
  }
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(x[i])) {
      return lowbit::Fail(LOWBIT_ERROR_INVALID_ARGUMENT,
                          "%s: x[%zu] = %g is not finite", fn, i, x[i]);
    }
  }
  if (type == LOWBIT_DTYPE_INT4) std::memset(q, 0, (n + 1) / 2);
  for (size_t i = 0; i < n; ++i) {
    const float v = x[i] / params->scale;  // one float division
    double t = lowbit::RoundHalfAway(v) + params->zero_point;
    t = t < r.lo ? r.lo : t > r.hi ? r.hi : t;
    lowbit::Put(q, type, i, static_cast<int32_t>(t));
  }
  return lowbit::Succeed();
}

lowbit_status lowbit_dequantize(size_t n, const void* q, lowbit_dtype type,
                                const lowbit_qparams* params,
                                float* x) noexcept {
  const char* fn = "lowbit_dequantize";
  lowbit::Range r{};
  lowbit_status s = lowbit::CheckParams(params, type, &r, fn);
  if (s != LOWBIT_OK) return s;
  if (n == 0) return lowbit::Succeed();
  if (x == nullptr || q == nullptr) {
    return lowbit::Fail(LOWBIT_ERROR_NULL_POINTER, "%s: %s is NULL", fn,
                        x == nullptr ? "x" : "q");
  }
  for (size_t i = 0; i < n; ++i) {
    x[i] = static_cast<float>(lowbit::Get(q, type, i) - params->zero_point) *
           params->scale;
  }
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
  double signal = 0.0, noise = 0.0;
  for (size_t i = 0; i < n; ++i) {
    const float d =
        static_cast<float>(lowbit::Get(q, type, i) - params->zero_point) *
        params->scale;
    const double e = static_cast<double>(x[i]) - d;
    signal += static_cast<double>(x[i]) * x[i];
    noise += e * e;
  }
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
  int32_t qmax = 0;
  switch (type) {
    case LOWBIT_DTYPE_INT8:
      qmax = 127;
      break;
    case LOWBIT_DTYPE_INT4:
      qmax = 7;
      break;
    case LOWBIT_DTYPE_INT16:
      qmax = 32767;
      break;
    default:
      return lowbit::Fail(LOWBIT_ERROR_UNSUPPORTED,
                          "%s: weights quantize to INT8, INT4 or INT16, not "
                          "type %d",
                          fn, static_cast<int>(type));
  }
  size_t total = 0;
  if (n == 0 || k == 0 || __builtin_mul_overflow(n, k, &total)) {
    return lowbit::Fail(LOWBIT_ERROR_INVALID_SIZE, "%s: n = %zu and k = %zu",
                        fn, n, k);
  }
  for (size_t i = 0; i < total; ++i) {
    if (!std::isfinite(w[i])) {
      return lowbit::Fail(LOWBIT_ERROR_INVALID_ARGUMENT,
                          "%s: w[%zu] = %g is not finite", fn, i, w[i]);
    }
  }
  const size_t groups = per_channel ? n : 1, len = total / groups;
  for (size_t g = 0; g < groups; ++g) {
    float amax = 0.0f;
    for (size_t i = 0; i < len; ++i) {
      const float a = std::fabs(w[g * len + i]);
      amax = a > amax ? a : amax;
    }
    scales[g] = amax == 0.0f
                    ? 1.0f
                    : static_cast<float>(static_cast<double>(amax) / qmax);
  }
  if (type == LOWBIT_DTYPE_INT4) std::memset(q, 0, (total + 1) / 2);
  for (size_t i = 0; i < total; ++i) {
    const float v = w[i] / scales[i / len];
    double t = lowbit::RoundHalfAway(v);
    t = t < -qmax ? -qmax : t > qmax ? qmax : t;
    lowbit::Put(q, type, i, static_cast<int32_t>(t));
  }
  return lowbit::Succeed();
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
  if (n == 0 || k == 0 || __builtin_mul_overflow(n, k, &total)) {
    return lowbit::Fail(LOWBIT_ERROR_INVALID_SIZE, "%s: n = %zu and k = %zu",
                        fn, n, k);
  }
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
    for (size_t i = 0; i < k; ++i) weights[c * k + i] *= s;
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
  float lo = x[0], hi = x[0];
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(x[i])) {
      return lowbit::Fail(LOWBIT_ERROR_INVALID_ARGUMENT,
                          "%s: x[%zu] is not finite", fn, i);
    }
    lo = x[i] < lo ? x[i] : lo;
    hi = x[i] > hi ? x[i] : hi;
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
