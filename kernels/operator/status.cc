// Status strings, per-thread error messages, version and quantization helpers.
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <limits>

#include "kernels/operator/error.h"
#include "kernels/reference/requant.h"
#include "lowbit/lowbit.h"

namespace lowbit {
namespace {
// Bare-metal builds have no threads (and no thread pointer to find a
// thread_local through): one message.
#if defined(LOWBIT_BARE_METAL)
char g_last_error[256] = "";
#else
thread_local char g_last_error[512] = "";
#endif
}  // namespace

lowbit_status Fail(lowbit_status status, const char* format, ...) {
  va_list args;
  va_start(args, format);
  std::vsnprintf(g_last_error, sizeof(g_last_error), format, args);
  va_end(args);
  return status;
}

lowbit_status Succeed() {
  g_last_error[0] = '\0';
  return LOWBIT_OK;
}

}  // namespace lowbit

extern "C" {

uint32_t lowbit_version(void) noexcept {
  return (LOWBIT_VERSION_MAJOR << 16) | (LOWBIT_VERSION_MINOR << 8) |
         LOWBIT_VERSION_PATCH;
}

const char* lowbit_version_string(void) noexcept {
  return LOWBIT_VERSION_STRING;
}

const char* lowbit_status_string(lowbit_status status) noexcept {
  switch (status) {
    case LOWBIT_OK: return "ok";
    case LOWBIT_ERROR_NULL_POINTER: return "null pointer";
    case LOWBIT_ERROR_INVALID_SIZE: return "invalid size";
    case LOWBIT_ERROR_INVALID_STRIDE: return "invalid stride";
    case LOWBIT_ERROR_INVALID_SCALE: return "invalid scale";
    case LOWBIT_ERROR_INVALID_ZERO_POINT: return "invalid zero point";
    case LOWBIT_ERROR_INVALID_RANGE: return "invalid output range";
    case LOWBIT_ERROR_K_TOO_LARGE: return "K too large for exact accumulation";
    case LOWBIT_ERROR_UNSUPPORTED: return "unsupported";
    case LOWBIT_ERROR_OUT_OF_MEMORY: return "out of memory";
    case LOWBIT_ERROR_INVALID_ARGUMENT: return "invalid argument";
    case LOWBIT_ERROR_INTERNAL: return "internal error";
    case LOWBIT_STATUS_MIN_ENUM:
    case LOWBIT_STATUS_MAX_ENUM: break;
  }
  return "unknown status";
}

const char* lowbit_last_error(void) noexcept { return lowbit::g_last_error; }

float lowbit_fp32_requant_scale(float input_scale, float weight_scale,
                                float output_scale) noexcept {
  const float product = input_scale * weight_scale;
  return product / output_scale;
}

double lowbit_fixedpoint_requant_scale(float input_scale, float weight_scale,
                                       float output_scale) noexcept {
  return static_cast<double>(input_scale) * weight_scale / output_scale;
}

lowbit_status lowbit_quantize_multiplier(double real_scale,
                                         int32_t* multiplier,
                                         int32_t* shift) noexcept {
  using lowbit::Fail;
  if (multiplier == nullptr || shift == nullptr) {
    return Fail(LOWBIT_ERROR_NULL_POINTER,
                "lowbit_quantize_multiplier: null output pointer");
  }
  if (!lowbit::ref::QuantizeMultiplier(real_scale, multiplier, shift)) {
    return Fail(LOWBIT_ERROR_INVALID_SCALE,
                "lowbit_quantize_multiplier: scale %g outside [2^-32, 256)",
                real_scale);
  }
  return lowbit::Succeed();
}

lowbit_status lowbit_output_range(lowbit_activation activation, float min,
                                  float max, float output_scale,
                                  int32_t output_zero_point,
                                  lowbit_dtype output_type, int32_t* qmin,
                                  int32_t* qmax) noexcept {
  using lowbit::Fail;
  if (qmin == nullptr || qmax == nullptr) {
    return Fail(LOWBIT_ERROR_NULL_POINTER,
                "lowbit_output_range: null output pointer");
  }
  int32_t lo = 0;
  int32_t hi = 0;
  if (output_type == LOWBIT_DTYPE_INT8) {
    lo = -128;
    hi = 127;
  } else if (output_type == LOWBIT_DTYPE_UINT8) {
    hi = 255;
  } else if (output_type == LOWBIT_DTYPE_INT16) {
    lo = -32768;
    hi = 32767;
  } else {
    return Fail(LOWBIT_ERROR_UNSUPPORTED,
                "lowbit_output_range: output type %d is not INT8, UINT8 or "
                "INT16",
                static_cast<int>(output_type));
  }
  if (!(output_scale > 0.0f) || !std::isfinite(output_scale)) {
    return Fail(LOWBIT_ERROR_INVALID_SCALE,
                "lowbit_output_range: output scale %g is not positive and "
                "finite", output_scale);
  }
  if (output_zero_point < lo || output_zero_point > hi) {
    return Fail(LOWBIT_ERROR_INVALID_ZERO_POINT,
                "lowbit_output_range: zero point %d outside [%d, %d]",
                static_cast<int>(output_zero_point), static_cast<int>(lo),
                static_cast<int>(hi));
  }
  // Real value v maps to zero_point + round(v / scale), clamped to the type.
  const auto quantize = [&](double v) {
    const double q = output_zero_point + std::round(v / output_scale);
    return static_cast<int32_t>(std::fmin(std::fmax(q, lo), hi));
  };
  int32_t a = lo;
  int32_t b = hi;
  switch (activation) {
    case LOWBIT_ACTIVATION_NONE:
      break;
    case LOWBIT_ACTIVATION_RELU:
      a = output_zero_point;
      break;
    case LOWBIT_ACTIVATION_RELU6:
      a = output_zero_point;
      b = quantize(6.0);
      break;
    case LOWBIT_ACTIVATION_CLAMP:
      if (std::isnan(min) || std::isnan(max) || min > max) {
        return Fail(LOWBIT_ERROR_INVALID_RANGE,
                    "lowbit_output_range: clamp [%g, %g] is empty", min, max);
      }
      a = quantize(min);
      b = quantize(max);
      break;
    default:
      return Fail(LOWBIT_ERROR_INVALID_ARGUMENT,
                  "lowbit_output_range: unknown activation %d",
                  static_cast<int>(activation));
  }
  *qmin = a;
  *qmax = b;
  return lowbit::Succeed();
}

}  // extern "C"
