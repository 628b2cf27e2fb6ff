// lowbit_q8_gemm_ukernel_4x1c4__armsimd32: the DSP extension (Cortex-M4,
// M7, M33, M55). SXTB16 unpacks a word of 4 int8 weights into two int16
// pairs, (w0, w2) and (w1, w3); the activations come prepared in that
// order (a0 a2 a1 a3, A - za as int16), so SMLAD takes 2 products per
// instruction. Per 4 k and 4 rows: 1 weight load, 2 SXTB16, 4 LDRD, 8
// SMLAD for 16 MACs. SMLAD wraps modulo 2^32 like the rest of lowbit's
// int32 arithmetic (DESIGN.md §2), so the folded bias stays exact.
// Compiled only where the build targets that ISA (mcu_kernel.h).
#if defined(__ARM_FEATURE_DSP)

#include <arm_acle.h>

#include <cstring>

#include "kernels/bare/mcu_kernel.h"
#include "kernels/bare/prepare.h"
#include "kernels/bare/store-inl.h"

namespace lowbit {
namespace {

constexpr size_t kMr = 4, kKr = 4;

inline uint32_t Load32(const void* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

void Ukernel(size_t mr, size_t nc, size_t k, const void* a, size_t a_stride,
             const int32_t* row_offset, const uint8_t* block,
             const GemmOutput& out, size_t n0, void* c, size_t ldc) {
  const size_t kgroups = (k + kKr - 1) / kKr;
  const int32_t* bias = reinterpret_cast<const int32_t*>(block);
  const uint8_t* w = block + 1 * sizeof(int32_t);
  (void)nc;  // NR = 1
  for (size_t i0 = 0; i0 < mr; i0 += kMr) {
    const size_t rows = mr - i0 < kMr ? mr - i0 : kMr;
    const int16_t* base = static_cast<const int16_t*>(a) + i0 * a_stride;
    const int16_t* a0 = base;
    const int16_t* a1 = base + bare::ClampRow(1, rows) * a_stride;
    const int16_t* a2 = base + bare::ClampRow(2, rows) * a_stride;
    const int16_t* a3 = base + bare::ClampRow(3, rows) * a_stride;
    int32_t acc0 = bias[0], acc1 = bias[0], acc2 = bias[0], acc3 = bias[0];
    const uint8_t* wp = w;
    for (size_t g = 0; g < kgroups; ++g) {
      const uint32_t wv = Load32(wp);
      wp += kKr;
      const int16x2_t w02 = __sxtb16(wv);
      const int16x2_t w13 = __sxtb16((wv >> 8) | (wv << 24));  // ror 8
      acc0 = __smlad(static_cast<int16x2_t>(Load32(a0)), w02, acc0);
      acc0 = __smlad(static_cast<int16x2_t>(Load32(a0 + 2)), w13, acc0);
      acc1 = __smlad(static_cast<int16x2_t>(Load32(a1)), w02, acc1);
      acc1 = __smlad(static_cast<int16x2_t>(Load32(a1 + 2)), w13, acc1);
      acc2 = __smlad(static_cast<int16x2_t>(Load32(a2)), w02, acc2);
      acc2 = __smlad(static_cast<int16x2_t>(Load32(a2 + 2)), w13, acc2);
      acc3 = __smlad(static_cast<int16x2_t>(Load32(a3)), w02, acc3);
      acc3 = __smlad(static_cast<int16x2_t>(Load32(a3 + 2)), w13, acc3);
      a0 += kKr;
      a1 += kKr;
      a2 += kKr;
      a3 += kKr;
    }
    const int32_t acc[kMr] = {acc0, acc1, acc2, acc3};
    for (size_t i = 0; i < rows; ++i) {
      const int32_t offset = row_offset != nullptr ? row_offset[i0 + i] : 0;
      bare::StoreOutput(out, n0, acc[i] - offset, c, (i0 + i) * ldc);
    }
  }
}

}  // namespace

const McuGemmKernel kQ8Gemm4x1c4Armsimd32 = {
    "lowbit_q8_gemm_ukernel_4x1c4__armsimd32", "armsimd32", kMr,
    GemmLayout{1, kKr, ActFormat::kInt16}, Ukernel, bare::PrepareInt16Pairs};

}  // namespace lowbit

#endif  // __ARM_FEATURE_DSP
