// lowbit_q16_gemm_ukernel_2x2c8__scalar: INT16 activations in plain C, for
// every Cortex-M: exact int64 sums of int16 x int8 (or int16) products,
// TFLite's int64 requantization (the reference's own function).
#include <cstring>

#include "kernels/bare/mcu_kernel.h"
#include "kernels/reference/gemm16.h"

namespace lowbit {
namespace {

constexpr size_t kMr = 2, kNr = 2, kKr = 8;

int32_t Weight(const uint8_t* w, size_t i, size_t bytes) {
  if (bytes == 1) return static_cast<int8_t>(w[i]);
  int16_t v;
  std::memcpy(&v, w + 2 * i, 2);
  return v;
}

void Ukernel(size_t mr, size_t n, size_t k, const int16_t* a,
             size_t a_stride, const uint8_t* packed, size_t weight_bytes,
             const Gemm16Output& out, void* c, size_t ldc) {
  const size_t groups = (k + kKr - 1) / kKr;
  const size_t block_bytes = kNr * 8 + groups * kNr * kKr * weight_bytes;
  for (size_t n0 = 0; n0 < n; n0 += kNr, packed += block_bytes) {
    const size_t nc = n - n0 < kNr ? n - n0 : kNr;
    int64_t bias[kNr];
    std::memcpy(bias, packed, sizeof(bias));
    const uint8_t* w = packed + kNr * 8;
    for (size_t i0 = 0; i0 < mr; i0 += kMr) {
      const size_t rows = mr - i0 < kMr ? mr - i0 : kMr;
      int64_t acc[kMr][kNr];
      for (size_t i = 0; i < kMr; ++i) {
        for (size_t j = 0; j < kNr; ++j) acc[i][j] = bias[j];
      }
      for (size_t kk = 0; kk < k; ++kk) {
        const size_t g = kk / kKr, t = kk % kKr;
        for (size_t j = 0; j < kNr; ++j) {
          const int64_t wv = Weight(w, (g * kNr + j) * kKr + t, weight_bytes);
          for (size_t i = 0; i < rows; ++i) {
            acc[i][j] += int64_t{a[(i0 + i) * a_stride + kk]} * wv;
          }
        }
      }
      for (size_t i = 0; i < rows; ++i) {
        for (size_t j = 0; j < nc; ++j) {
          const size_t at = (i0 + i) * ldc + n0 + j;
          if (out.raw) {
            static_cast<int64_t*>(c)[at] = acc[i][j];
          } else {
            static_cast<int16_t*>(c)[at] = static_cast<int16_t>(
                ref::RequantizeInt64(acc[i][j], out.multiplier[n0 + j],
                                     out.shift[n0 + j], out.qmin, out.qmax));
          }
        }
      }
    }
  }
}

}  // namespace

const McuGemm16Kernel kQ16Gemm2x2c8Scalar = {
    "lowbit_q16_gemm_ukernel_2x2c8__scalar", "scalar", kMr, kNr, kKr,
    Ukernel};

}  // namespace lowbit
