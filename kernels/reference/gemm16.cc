#include "kernels/reference/gemm16.h"

#include <algorithm>
#if !defined(LOWBIT_BARE_METAL)
#include <vector>
#endif

#include "kernels/reference/gemm.h"
#include "kernels/reference/requant.h"

namespace lowbit {
namespace ref {

int32_t RequantizeInt64(int64_t acc, int32_t multiplier, int32_t shift,
                        int32_t qmin, int32_t qmax) {
  const int64_t reduced =
      multiplier < 0x7FFF0000 ? (int64_t{multiplier} + (1 << 15)) >> 16
                              : 0x7FFF;
  const int t = 15 - shift;
  const int64_t x = (acc * reduced + (int64_t{1} << (t - 1))) >> t;
  return static_cast<int32_t>(std::min<int64_t>(std::max<int64_t>(x, qmin),
                                                qmax));
}

void Gemm16Accumulators(const lowbit_gemm_params& p, size_t m,
                        const int16_t* a, size_t lda, int64_t* c,
                        size_t ldc) {
  for (size_t i = 0; i < m; ++i) {
    for (size_t n = 0; n < p.n; ++n) {
      int64_t acc = p.bias64 != nullptr ? p.bias64[n]
                    : p.bias != nullptr ? p.bias[n]
                                        : 0;
      for (size_t k = 0; k < p.k; ++k) {
        acc += int64_t{a[i * lda + k]} *
               Element(p.weight_type, p.weights, n * p.weight_stride + k);
      }
      c[i * ldc + n] = acc;
    }
  }
}

#if !defined(LOWBIT_BARE_METAL)  // allocates: hosted builds only
void Gemm16(const lowbit_gemm_params& p, size_t m, const int16_t* a,
            size_t lda, int16_t* c, size_t ldc) {
  std::vector<int64_t> acc(m * p.n);
  Gemm16Accumulators(p, m, a, lda, acc.data(), p.n);
  Requantize16(p, m, acc.data(), p.n, c, ldc);
}

#endif

void Requantize16(const lowbit_gemm_params& p, size_t m, const int64_t* acc,
                  size_t acc_stride, int16_t* c, size_t ldc) {
  for (size_t n = 0; n < p.n; ++n) {
    int32_t multiplier = 0, shift = 0;
    if (p.requant_multipliers != nullptr) {
      const size_t i = p.requant_multiplier_count == 1 ? 0 : n;
      multiplier = p.requant_multipliers[i];
      shift = p.requant_shifts[i];
    } else {
      const float ws = p.weight_scales[p.weight_scale_count == 1 ? 0 : n];
      QuantizeMultiplier(
          static_cast<double>(p.input_scale) * ws / p.output_scale,
          &multiplier, &shift);
    }
    for (size_t i = 0; i < m; ++i) {
      c[i * ldc + n] = static_cast<int16_t>(
          RequantizeInt64(acc[i * acc_stride + n], multiplier, shift,
                          p.output_min, p.output_max));
    }
  }
}

}  // namespace ref
}  // namespace lowbit
