// lowbit_q16_gemm_ukernel_2x2c8__mve: INT16 activations in Helium. VMLALDAVA
// sums the 8 products of two int16 vectors into a 64-bit register pair, so
// the sums are exact for any K the contract allows (|acc| < 2^47): per 8 k,
// 2 row loads and 2 weight loads (int8 weights widened by VLDRB.S16 as they
// load, so they stay 8-bit in memory) feed 4 VMLALDAVA (32 MACs). Rows are
// read in place; the last partial group loads under a tail predicate.
// TFLite's int64 requantization per element (the reference's function).
// Compiled only where the build targets Helium (mcu_kernel.h).
#if defined(__ARM_FEATURE_MVE)

#include <arm_mve.h>

#include <cstring>

#include "kernels/bare/mcu_kernel.h"
#include "kernels/reference/gemm16.h"

namespace lowbit {
namespace {

constexpr size_t kMr = 2, kNr = 2, kKr = 8;

template <size_t kBytes>
inline int16x8_t LoadWeights(const uint8_t* w) {
  if constexpr (kBytes == 1) {
    return vldrbq_s16(reinterpret_cast<const int8_t*>(w));
  } else {
    return vld1q_s16(reinterpret_cast<const int16_t*>(w));
  }
}

inline void Store(const Gemm16Output& out, int64_t acc, size_t n, void* c,
                  size_t at) {
  if (out.raw) {
    static_cast<int64_t*>(c)[at] = acc;
  } else {
    static_cast<int16_t*>(c)[at] = static_cast<int16_t>(ref::RequantizeInt64(
        acc, out.multiplier[n], out.shift[n], out.qmin, out.qmax));
  }
}

template <size_t kBytes>
void Run(size_t mr, size_t n, size_t k, const int16_t* a, size_t a_stride,
         const uint8_t* packed, const Gemm16Output& out, void* c,
         size_t ldc) {
  const size_t full = k / kKr, tail = k % kKr;
  const size_t groups = full + (tail != 0 ? 1 : 0);
  const size_t group_bytes = kNr * kKr * kBytes;
  const size_t block_bytes = kNr * 8 + groups * group_bytes;
  const mve_pred16_t tail_lanes = vctp16q(static_cast<uint32_t>(tail));
  for (size_t n0 = 0; n0 < n; n0 += kNr, packed += block_bytes) {
    const size_t nc = n - n0 < kNr ? n - n0 : kNr;
    int64_t bias[kNr];
    std::memcpy(bias, packed, sizeof(bias));
    const uint8_t* w0 = packed + kNr * 8;
    for (size_t i = 0; i < mr; i += kMr) {
      const bool two = i + 1 < mr;
      const int16_t* a0 = a + i * a_stride;
      const int16_t* a1 = two ? a0 + a_stride : a0;
      int64_t c00 = bias[0], c01 = bias[1], c10 = bias[0], c11 = bias[1];
      const uint8_t* w = w0;
      for (size_t g = 0; g < full; ++g, w += group_bytes) {
        const int16x8_t x0 = vld1q_s16(a0 + g * kKr);
        const int16x8_t x1 = vld1q_s16(a1 + g * kKr);
        const int16x8_t v0 = LoadWeights<kBytes>(w);
        const int16x8_t v1 = LoadWeights<kBytes>(w + kKr * kBytes);
        c00 = vmlaldavaq_s16(c00, x0, v0);
        c10 = vmlaldavaq_s16(c10, x1, v0);
        c01 = vmlaldavaq_s16(c01, x0, v1);
        c11 = vmlaldavaq_s16(c11, x1, v1);
      }
      if (tail != 0) {
        const int16x8_t x0 = vld1q_z_s16(a0 + full * kKr, tail_lanes);
        const int16x8_t x1 = vld1q_z_s16(a1 + full * kKr, tail_lanes);
        const int16x8_t v0 = LoadWeights<kBytes>(w);
        const int16x8_t v1 = LoadWeights<kBytes>(w + kKr * kBytes);
        c00 = vmlaldavaq_s16(c00, x0, v0);
        c10 = vmlaldavaq_s16(c10, x1, v0);
        c01 = vmlaldavaq_s16(c01, x0, v1);
        c11 = vmlaldavaq_s16(c11, x1, v1);
      }
      Store(out, c00, n0, c, i * ldc + n0);
      if (nc > 1) Store(out, c01, n0 + 1, c, i * ldc + n0 + 1);
      if (two) {
        Store(out, c10, n0, c, (i + 1) * ldc + n0);
        if (nc > 1) Store(out, c11, n0 + 1, c, (i + 1) * ldc + n0 + 1);
      }
    }
  }
}

void Ukernel(size_t mr, size_t n, size_t k, const int16_t* a,
             size_t a_stride, const uint8_t* packed, size_t weight_bytes,
             const Gemm16Output& out, void* c, size_t ldc) {
  if (weight_bytes == 1) {
    Run<1>(mr, n, k, a, a_stride, packed, out, c, ldc);
  } else {
    Run<2>(mr, n, k, a, a_stride, packed, out, c, ldc);
  }
}

}  // namespace

const McuGemm16Kernel kQ16Gemm2x2c8Mve = {
    "lowbit_q16_gemm_ukernel_2x2c8__mve", "mve", kMr, kNr, kKr, Ukernel};

}  // namespace lowbit

#endif  // __ARM_FEATURE_MVE
