// The scalar forms of kernels/quantize/quantize.h: the definition the
// vector forms are tested against, and what a bare-metal build runs.
#include <cmath>
#include <cstring>

#include "kernels/quantize/quantize.h"

namespace lowbit {
namespace {

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

// Element i of q (INT4: nibble i, low first; its byte zeroed before).
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

double SqnrTotal(const double* p) {
  return ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]));
}

bool AllFiniteRef(const float* x, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(x[i])) return false;
  }
  return true;
}

bool MinMaxRef(const float* x, size_t n, float* lo, float* hi) {
  if (!AllFiniteRef(x, n)) return false;
  float l = x[0], h = x[0];
  for (size_t i = 1; i < n; ++i) {
    l = x[i] < l ? x[i] : l;
    h = x[i] > h ? x[i] : h;
  }
  *lo = l;
  *hi = h;
  return true;
}

float MaxAbsRef(const float* x, size_t n) {
  float m = 0.0f;
  for (size_t i = 0; i < n; ++i) {
    const float a = std::fabs(x[i]);
    m = a > m ? a : m;
  }
  return m;
}

void QuantizeRef(const float* x, size_t n, const QuantizeSpec& s, void* q) {
  if (s.type == LOWBIT_DTYPE_INT4) std::memset(q, 0, (n + 1) / 2);
  for (size_t i = 0; i < n; ++i) {
    const float v = x[i] / s.scale;  // one float division
    // Half away from zero (TFLite's TfLiteRound); exact in double.
    double t = std::round(v) + s.zero_point;
    t = t < s.lo ? s.lo : t > s.hi ? s.hi : t;
    Put(q, s.type, i, static_cast<int32_t>(t));
  }
}

void DequantizeRef(const void* q, size_t n, lowbit_dtype type, float scale,
                   int32_t zero_point, float* x) {
  for (size_t i = 0; i < n; ++i) {
    x[i] = static_cast<float>(Get(q, type, i) - zero_point) * scale;
  }
}

void SqnrSumsRef(const float* x, const void* q, size_t n, lowbit_dtype type,
                 float scale, int32_t zero_point, SqnrSums* sums) {
  for (size_t j = 0; j < kSqnrLanes; ++j) {
    sums->signal[j] = sums->noise[j] = 0.0;
  }
  for (size_t i = 0; i < n; ++i) {
    const float d = static_cast<float>(Get(q, type, i) - zero_point) * scale;
    const double e = static_cast<double>(x[i]) - d;
    sums->signal[i % kSqnrLanes] += static_cast<double>(x[i]) * x[i];
    sums->noise[i % kSqnrLanes] += e * e;
  }
}

void ScaleRef(float* w, size_t n, float s) {
  for (size_t i = 0; i < n; ++i) w[i] *= s;
}

#if defined(LOWBIT_BARE_METAL)  // no Highway: the scalar forms serve
bool AllFinite(const float* x, size_t n) { return AllFiniteRef(x, n); }
bool MinMax(const float* x, size_t n, float* lo, float* hi) {
  return MinMaxRef(x, n, lo, hi);
}
float MaxAbs(const float* x, size_t n) { return MaxAbsRef(x, n); }
void Quantize(const float* x, size_t n, const QuantizeSpec& s, void* q) {
  QuantizeRef(x, n, s, q);
}
void Dequantize(const void* q, size_t n, lowbit_dtype type, float scale,
                int32_t zero_point, float* x) {
  DequantizeRef(q, n, type, scale, zero_point, x);
}
void SqnrSumsOf(const float* x, const void* q, size_t n, lowbit_dtype type,
                float scale, int32_t zero_point, SqnrSums* sums) {
  SqnrSumsRef(x, q, n, type, scale, zero_point, sums);
}
void Scale(float* w, size_t n, float s) { ScaleRef(w, n, s); }
#endif

}  // namespace lowbit
