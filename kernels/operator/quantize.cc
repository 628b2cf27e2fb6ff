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
    case LOWBIT_DTYPE_INT8: *r = {-128, 127}; return true;
    case LOWBIT_DTYPE_UINT8: *r = {0, 255}; return true;
    case LOWBIT_DTYPE_INT16: *r = {-32768, 32767}; return true;
    case LOWBIT_DTYPE_INT4: *r = {-8, 7}; return true;
    default: return false;
  }
}

// Half away from zero (TFLite's TfLiteRound, std::round).
double RoundHalfAway(double v) { return std::round(v); }

lowbit_status CheckParams(const lowbit_qparams* p, lowbit_dtype type,
                          Range* r, const char* fn) {
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
    case LOWBIT_DTYPE_UINT8: return static_cast<const uint8_t*>(q)[i];
    case LOWBIT_DTYPE_INT16: return static_cast<const int16_t*>(q)[i];
    case LOWBIT_DTYPE_INT4: {
      const uint8_t b = static_cast<const uint8_t*>(q)[i / 2];
      const int32_t v = (i % 2 == 0 ? b : b >> 4) & 0xF;
      return v - ((v & 8) << 1);
    }
    default: return static_cast<const int8_t*>(q)[i];
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
    return lowbit::Fail(LOWBIT_ERROR_INVALID_RANGE,
                        "%s: min %g > max %g", fn, min, max);
  }
  const double lo = min < 0.0f ? min : 0.0;  // widened to contain 0
  const double hi = max > 0.0f ? max : 0.0;
  if (symmetric) {
    int32_t qmax = 0;
    switch (type) {
      case LOWBIT_DTYPE_INT8: qmax = 127; break;
      case LOWBIT_DTYPE_INT4: qmax = 7; break;
      case LOWBIT_DTYPE_INT16: qmax = 32767; break;
      default:
        return lowbit::Fail(LOWBIT_ERROR_UNSUPPORTED,
                            "%s: symmetric parameters are for INT8, INT4 and "
                            "INT16, not type %d", fn, static_cast<int>(type));
    }
    const double amax = -lo > hi ? -lo : hi;
    params->scale = amax == 0.0 ? 1.0f : static_cast<float>(amax / qmax);
    params->zero_point = 0;
    return lowbit::Succeed();
  }
  if (type != LOWBIT_DTYPE_INT8 && type != LOWBIT_DTYPE_UINT8) {
    return lowbit::Fail(LOWBIT_ERROR_UNSUPPORTED,
                        "%s: asymmetric parameters are for INT8 and UINT8, "
                        "not type %d", fn, static_cast<int>(type));
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
    const int32_t qi = static_cast<int32_t>(t);
    switch (type) {
      case LOWBIT_DTYPE_UINT8: static_cast<uint8_t*>(q)[i] = static_cast<uint8_t>(qi); break;
      case LOWBIT_DTYPE_INT16: static_cast<int16_t*>(q)[i] = static_cast<int16_t>(qi); break;
      case LOWBIT_DTYPE_INT4:
        static_cast<uint8_t*>(q)[i / 2] |= static_cast<uint8_t>(
            i % 2 == 0 ? (qi & 0xF) : (qi & 0xF) << 4);
        break;
      default: static_cast<int8_t*>(q)[i] = static_cast<int8_t>(qi); break;
    }
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
    return lowbit::Fail(LOWBIT_ERROR_NULL_POINTER, "%s: a pointer is NULL",
                        fn);
  }
  if (n == 0) {
    return lowbit::Fail(LOWBIT_ERROR_INVALID_SIZE, "%s: n = 0", fn);
  }
  double signal = 0.0, noise = 0.0;
  for (size_t i = 0; i < n; ++i) {
    const float d = static_cast<float>(lowbit::Get(q, type, i) -
                                       params->zero_point) *
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

}  // extern "C"
