#include "kernels/reference/dq_gemm.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/reference/gemm.h"

namespace lowbit {
namespace ref {

Qd8Row Qd8Params(const float* a, size_t k) {
  float lo = 0.0f, hi = 0.0f;  // the range always holds zero
  for (size_t i = 0; i < k; ++i) {
    lo = a[i] < lo ? a[i] : lo;
    hi = a[i] > hi ? a[i] : hi;
  }
  if (lo == hi) return Qd8Row{1.0f, 1.0f, 0};  // a row of zeros
  const float range = hi - lo;
  Qd8Row row;
  row.scale = range / 255.0f;
  row.inv_scale = 255.0f / range;
  // -128 - lo * inv_scale lies in [-128, 127] up to rounding; clamped.
  const float zp = std::nearbyint(-128.0f - lo * row.inv_scale);
  row.zero_point = static_cast<int32_t>(std::min(std::max(zp, -128.0f), 127.0f));
  return row;
}

void Qd8Quantize(const float* a, size_t k, const Qd8Row& row, int8_t* q) {
  for (size_t i = 0; i < k; ++i) {
    const float x = std::nearbyint(a[i] * row.inv_scale);
    // |a * inv_scale| <= 255 (plus rounding): the int conversion is exact.
    const int32_t v = static_cast<int32_t>(x) + row.zero_point;
    q[i] = static_cast<int8_t>(std::min(std::max(v, -128), 127));
  }
}

float DqZeroPointTerm(const lowbit_dq_gemm_params& p, size_t n) {
  const size_t groups = p.k / p.block_size;
  float sum = 0.0f;
  for (size_t g = 0; g < groups; ++g) {
    int64_t w = 0;
    for (size_t t = g * p.block_size; t < (g + 1) * p.block_size; ++t) {
      w += Element(p.weight_type, p.weights, n * p.weight_stride + t);
    }
    const float term = static_cast<float>(w) * p.weight_scales[n * groups + g];
    sum = sum + term;
  }
  return sum;
}

void DqGemm(const lowbit_dq_gemm_params& p, size_t m, const float* a,
            size_t lda, float* c, size_t ldc) {
  const bool blockwise = p.block_size != 0;
  const size_t g_size = blockwise ? p.block_size : p.k;
  const size_t groups = p.k / g_size;
  std::vector<int8_t> q(p.k);
  for (size_t i = 0; i < m; ++i) {
    const Qd8Row row = ref::Qd8Params(a + i * lda, p.k);
    ref::Qd8Quantize(a + i * lda, p.k, row, q.data());
    // Per channel the zero point is subtracted in the exact sum; blockwise
    // it is one float term per channel (lowbit.h).
    const int64_t zp_in_sum = blockwise ? 0 : row.zero_point;
    for (size_t n = 0; n < p.n; ++n) {
      float d = 0.0f;
      for (size_t g = 0; g < groups; ++g) {
        int64_t acc = 0;  // exact; fits int32 for accepted block sizes
        for (size_t t = g * g_size; t < (g + 1) * g_size; ++t) {
          acc += (int64_t{q[t]} - zp_in_sum) *
                 Element(p.weight_type, p.weights, n * p.weight_stride + t);
        }
        const float scale = p.weight_scales[n * groups + g];
        const float term = static_cast<float>(acc) * scale;
        d = d + term;
      }
      if (blockwise) {
        const float zp_term =
            static_cast<float>(row.zero_point) * DqZeroPointTerm(p, n);
        d = d - zp_term;
      }
      const float bias = p.bias != nullptr ? p.bias[n] : 0.0f;
      const float scaled = d * row.scale;
      const float y = scaled + bias;
      const float up = y < p.output_min ? p.output_min : y;
      c[i * ldc + n] = up > p.output_max ? p.output_max : up;
    }
  }
}

}  // namespace ref
}  // namespace lowbit
