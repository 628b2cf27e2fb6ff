// lowbit_q16_gemm_ukernel_1x2c4__armsimd32: INT16 activations on the DSP
// extension (Cortex-M4, M7). SMLALD adds two int16 products to a 64-bit
// accumulator, exact for any K the contract allows (|acc| < 2^47). The
// row's pairs (a0, a1), (a2, a3) load as they are; int8 weights are packed
// per K group of 4 as w0 w2 w1 w3, so SXTB16 of the word gives (w0, w1)
// and of the word rotated by 8 (w2, w3) (int16 weights load as pairs).
// Per 4 k and 2 channels: 1 LDRD of the row, 2 weight words, 4 SXTB16, 4
// SMLALD (8 MACs). The last partial group of K runs in C (rows are read in
// place, never past K); requantization is the reference's int64 function.
// Compiled only where the build targets the DSP extension (mcu_kernel.h).
#if defined(__ARM_FEATURE_DSP)

#include <arm_acle.h>

#include <cstring>

#include "kernels/bare/mcu_kernel.h"
#include "kernels/reference/gemm16.h"

namespace lowbit {
namespace {

constexpr size_t kMr = 1, kNr = 2, kKr = 4;

inline uint32_t Load32(const void* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

inline int32_t Sxtb16Ror8(uint32_t v) {
  int32_t r;
  __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(v));
  return r;
}

// Weight j, t of group g of a block, as packed (int8: w0 w2 w1 w3).
inline int32_t PackedWeight(const uint8_t* w, size_t g, size_t j, size_t t,
                            size_t bytes) {
  const size_t group = (g * kNr + j) * kKr;
  if (bytes == 2) {
    int16_t v;
    std::memcpy(&v, w + (group + t) * 2, 2);
    return v;
  }
  static const uint8_t kAt[4] = {0, 2, 1, 3};
  return static_cast<int8_t>(w[group + kAt[t]]);
}

void Ukernel(size_t mr, size_t n, size_t k, const int16_t* a,
             size_t a_stride, const uint8_t* packed, size_t weight_bytes,
             const Gemm16Output& out, void* c, size_t ldc) {
  const size_t full = k / kKr, tail = k % kKr;
  const size_t groups = full + (tail != 0 ? 1 : 0);
  const size_t group_bytes = kNr * kKr * weight_bytes;
  const size_t block_bytes = kNr * 8 + groups * group_bytes;
  for (size_t n0 = 0; n0 < n; n0 += kNr, packed += block_bytes) {
    const size_t nc = n - n0 < kNr ? n - n0 : kNr;
    const uint8_t* w0 = packed + kNr * 8;
    for (size_t i = 0; i < mr; ++i) {
      const int16_t* row = a + i * a_stride;
      int64_t acc0, acc1;
      std::memcpy(&acc0, packed, 8);
      std::memcpy(&acc1, packed + 8, 8);
      const uint8_t* w = w0;
      if (weight_bytes == 1) {
        for (size_t g = 0; g < full; ++g, w += group_bytes) {
          const uint32_t a01 = Load32(row + g * kKr);
          const uint32_t a23 = Load32(row + g * kKr + 2);
          const uint32_t v0 = Load32(w), v1 = Load32(w + kKr);
          acc0 = __smlald(static_cast<int16x2_t>(a01), __sxtb16(v0), acc0);
          acc0 = __smlald(static_cast<int16x2_t>(a23), Sxtb16Ror8(v0), acc0);
          acc1 = __smlald(static_cast<int16x2_t>(a01), __sxtb16(v1), acc1);
          acc1 = __smlald(static_cast<int16x2_t>(a23), Sxtb16Ror8(v1), acc1);
        }
      } else {
        for (size_t g = 0; g < full; ++g, w += group_bytes) {
          const uint32_t a01 = Load32(row + g * kKr);
          const uint32_t a23 = Load32(row + g * kKr + 2);
          acc0 = __smlald(static_cast<int16x2_t>(a01),
                          static_cast<int16x2_t>(Load32(w)), acc0);
          acc0 = __smlald(static_cast<int16x2_t>(a23),
                          static_cast<int16x2_t>(Load32(w + 4)), acc0);
          acc1 = __smlald(static_cast<int16x2_t>(a01),
                          static_cast<int16x2_t>(Load32(w + 8)), acc1);
          acc1 = __smlald(static_cast<int16x2_t>(a23),
                          static_cast<int16x2_t>(Load32(w + 12)), acc1);
        }
      }
      for (size_t t = 0; t < tail; ++t) {
        const int64_t x = row[full * kKr + t];
        acc0 += x * PackedWeight(w0, full, 0, t, weight_bytes);
        acc1 += x * PackedWeight(w0, full, 1, t, weight_bytes);
      }
      const int64_t acc[kNr] = {acc0, acc1};
      for (size_t j = 0; j < nc; ++j) {
        const size_t at = i * ldc + n0 + j;
        if (out.raw) {
          static_cast<int64_t*>(c)[at] = acc[j];
        } else {
          static_cast<int16_t*>(c)[at] = static_cast<int16_t>(
              ref::RequantizeInt64(acc[j], out.multiplier[n0 + j],
                                   out.shift[n0 + j], out.qmin, out.qmax));
        }
      }
    }
  }
}

}  // namespace

const McuGemm16Kernel kQ16Gemm1x2c4Armsimd32 = {
    "lowbit_q16_gemm_ukernel_1x2c4__armsimd32", "armsimd32", kMr, kNr, kKr,
    Ukernel, /*pairs_permuted=*/true};

}  // namespace lowbit

#endif  // __ARM_FEATURE_DSP
