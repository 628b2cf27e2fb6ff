// lowbit_q8_gemm_ukernel_4x2c16__mve: Helium (Cortex-M55, M85). VMLADAVA
// sums the 16 products of two int8 vectors into a general register: per 16
// k, 4 row loads and 2 weight loads feed 8 VMLADAVA (128 MACs). Signed
// activations (kInt8: the za term is folded into the packed bias).
// Compiled only where the build targets that ISA (mcu_kernel.h).
#if defined(__ARM_FEATURE_MVE)

#include <arm_mve.h>

#include "kernels/bare/mcu_kernel.h"
#include "kernels/bare/prepare.h"
#include "kernels/bare/store-inl.h"

namespace lowbit {
namespace {

constexpr size_t kMr = 4, kNr = 2, kKr = 16;

void Ukernel(size_t mr, size_t nc, size_t kgroups, const void* a,
             size_t a_stride, const int32_t* row_offset, const int32_t* init,
             size_t init_stride, const uint8_t* w, const GemmOutput& out,
             size_t n0, void* c, size_t ldc) {
  for (size_t i0 = 0; i0 < mr; i0 += kMr) {
    const size_t rows = mr - i0 < kMr ? mr - i0 : kMr;
    const int8_t* base = static_cast<const int8_t*>(a) + i0 * a_stride;
    const int8_t* a0 = base;
    const int8_t* a1 = base + bare::ClampRow(1, rows) * a_stride;
    const int8_t* a2 = base + bare::ClampRow(2, rows) * a_stride;
    const int8_t* a3 = base + bare::ClampRow(3, rows) * a_stride;
    const int32_t* i0p = init + i0 * init_stride;
    const int32_t* i1p = init + (i0 + bare::ClampRow(1, rows)) * init_stride;
    const int32_t* i2p = init + (i0 + bare::ClampRow(2, rows)) * init_stride;
    const int32_t* i3p = init + (i0 + bare::ClampRow(3, rows)) * init_stride;
    int32_t c00 = i0p[0], c01 = i0p[1], c10 = i1p[0], c11 = i1p[1];
    int32_t c20 = i2p[0], c21 = i2p[1], c30 = i3p[0], c31 = i3p[1];
    const int8_t* wp = reinterpret_cast<const int8_t*>(w);
    for (size_t g = 0; g < kgroups; ++g) {
      const int8x16_t w0 = vld1q_s8(wp);
      const int8x16_t w1 = vld1q_s8(wp + kKr);
      wp += kNr * kKr;
      const int8x16_t x0 = vld1q_s8(a0);
      c00 = vmladavaq_s8(c00, x0, w0);
      c01 = vmladavaq_s8(c01, x0, w1);
      const int8x16_t x1 = vld1q_s8(a1);
      c10 = vmladavaq_s8(c10, x1, w0);
      c11 = vmladavaq_s8(c11, x1, w1);
      const int8x16_t x2 = vld1q_s8(a2);
      c20 = vmladavaq_s8(c20, x2, w0);
      c21 = vmladavaq_s8(c21, x2, w1);
      const int8x16_t x3 = vld1q_s8(a3);
      c30 = vmladavaq_s8(c30, x3, w0);
      c31 = vmladavaq_s8(c31, x3, w1);
      a0 += kKr;
      a1 += kKr;
      a2 += kKr;
      a3 += kKr;
    }
    const int32_t acc[kMr][kNr] = {{c00, c01}, {c10, c11}, {c20, c21},
                                   {c30, c31}};
    for (size_t i = 0; i < rows; ++i) {
      const int32_t offset = row_offset != nullptr ? row_offset[i0 + i] : 0;
      for (size_t j = 0; j < nc; ++j) {
        bare::StoreOutput(out, n0 + j, acc[i][j] - offset, c,
                          (i0 + i) * ldc + j);
      }
    }
  }
}

}  // namespace

const McuGemmKernel kQ8Gemm4x2c16Mve = {
    "lowbit_q8_gemm_ukernel_4x2c16__mve", "mve", kMr,
    GemmLayout{kNr, kKr, ActFormat::kInt8}, Ukernel, bare::PrepareInt8};

}  // namespace lowbit

#endif  // __ARM_FEATURE_MVE
