// lowbit_q8_gemm_ukernel_8x8c8__neoni8mm: 8 rows x 8 channels, K in groups
// of 8, on the ARMv8.6 int8 matrix multiply: smmla multiplies a 2x8 block of
// signed activations (two rows) by an 8x2 block of weights (two channels)
// and adds the 2x2 product into 4 int32 lanes. 16 smmla = 512 MACs per K
// group of the tile; exact.
//
// The packed layout (layout.h, KR = 8) puts channels 2q and 2q+1 of a group
// next to each other: exactly smmla's second operand. Two rows' groups are
// paired in one register (8-byte loads, ins). Accumulator
// (p, q) holds rows 2p, 2p+1 x channels 2q, 2q+1; the epilogue unzips them
// back into rows. Activations as for sdot (ActFormat::kInt8). Built with
// -march=armv8.2-a+crypto+dotprod+i8mm only (CMakeLists.txt). Its int4
// form, lowbit_q8_qc4w_gemm_ukernel_8x8c8__neoni8mm, reads a group's
// 8 channels x 8 k as two 16-byte runs of nibbles (int4_neon-inl.h).
#include <arm_neon.h>

#include <cstring>

#include "arch/arm/int4_neon-inl.h"
#include "arch/kernels.h"
#include "hwy/highway.h"
#include "kernels/gemm/epilogue-inl.h"
#include "kernels/gemm/prepare8-inl.h"
#include "kernels/gemm/tile_dispatch.h"

#if HWY_TARGET != HWY_NEON
#error "build this file with the NEON flags of CMakeLists.txt"
#endif

namespace lowbit {
namespace HWY_NAMESPACE {
namespace {

constexpr size_t kMR = 8;
constexpr size_t kNV = 2;  // int32x4 vectors per row: 8 channels
constexpr size_t kNR = kNV * 4;
constexpr size_t kKR = 8;

template <bool kInt4>
struct Tile {
  static constexpr size_t kGroupBytes = kInt4 ? kNR * kKR / 2 : kNR * kKR;

  // One K group: a[p] holds the group of rows 2p and 2p+1.
  template <size_t P, size_t Q>
  static HWY_INLINE void Step(int32x4_t (&acc)[P][Q], const int8_t* w,
                              const int8x16_t (&a)[P]) {
    int8x16_t wv[Q];
    if constexpr (kInt4) {
      UnpackInt4(w, wv);
    } else {
      LOWBIT_UNROLL
      for (size_t q = 0; q < Q; ++q) wv[q] = vld1q_s8(w + 16 * q);
    }
    LOWBIT_UNROLL
    for (size_t p = 0; p < P; ++p) {
      LOWBIT_UNROLL
      for (size_t q = 0; q < Q; ++q) acc[p][q] = vmmlaq_s32(acc[p][q], a[p], wv[q]);
    }
  }

  template <size_t MR, size_t NV>
  static HWY_NOINLINE void Run(size_t nc, size_t kgroups, const int8_t* a,
                               size_t a_stride, const int32_t* row_offset,
                               const int32_t* init, size_t init_stride,
                               const uint8_t* w, const GemmOutput& out,
                               size_t n0, void* c, size_t ldc) {
    constexpr size_t P = (MR + 1) / 2;  // row pairs
    constexpr size_t Q = 2 * NV;        // channel pairs
    // An odd last row pairs with itself; its second half is dropped.
    const int8_t* rows[2 * P];
    LOWBIT_UNROLL
    for (size_t r = 0; r < 2 * P; ++r) {
      rows[r] = a + (r < MR ? r : MR - 1) * a_stride;
    }
    int32x4_t acc[P][Q];
    // acc[p][q] holds rows 2p, 2p+1 x channels 2q, 2q+1.
    LOWBIT_UNROLL
    for (size_t p = 0; p < P; ++p) {
      const int32_t* init0 = init + 2 * p * init_stride;
      const int32_t* init1 =
          init + (2 * p + 1 < MR ? 2 * p + 1 : MR - 1) * init_stride;
      LOWBIT_UNROLL
      for (size_t q = 0; q < Q; ++q) {
        acc[p][q] =
            vcombine_s32(vld1_s32(init0 + 2 * q), vld1_s32(init1 + 2 * q));
      }
    }
    const int8_t* wk = reinterpret_cast<const int8_t*>(w);
    // One K group per step: 8-byte row loads paired with ins. (Two groups
    // per step, zipping 16-byte loads, ran out of registers: GCC 12 then
    // copied accumulators inside the loop.)
    for (size_t g = 0; g < kgroups; ++g) {
      int8x16_t a0[P];
      LOWBIT_UNROLL
      for (size_t p = 0; p < P; ++p) {
        a0[p] = vcombine_s8(vld1_s8(rows[2 * p] + g * kKR),
                            vld1_s8(rows[2 * p + 1] + g * kKR));
      }
      Step<P, Q>(acc, wk + g * kGroupBytes, a0);
    }

    // (rows 2p, 2p+1) x (channels 2q, 2q+1) blocks -> rows of 4 channels.
    int32x4_t result[MR][NV];
    LOWBIT_UNROLL
    for (size_t p = 0; p < P; ++p) {
      LOWBIT_UNROLL
      for (size_t j = 0; j < NV; ++j) {
        const int64x2_t lo = vreinterpretq_s64_s32(acc[p][2 * j]);
        const int64x2_t hi = vreinterpretq_s64_s32(acc[p][2 * j + 1]);
        result[2 * p][j] = vreinterpretq_s32_s64(vzip1q_s64(lo, hi));
        if (2 * p + 1 < MR) {
          result[2 * p + 1][j] = vreinterpretq_s32_s64(vzip2q_s64(lo, hi));
        }
      }
    }
    FinishRawTile<MR, NV>(hn::Full128<int32_t>(), result, row_offset, out, n0,
                          nc, c, ldc);
  }
};

}  // namespace
}  // namespace HWY_NAMESPACE

namespace target = HWY_NAMESPACE;
// Constant-initialised (arch/kernels.h): listing them runs no code.
constexpr GemmKernel kQ8Qc4wGemm8x8c8NeonI8mm = {
    "lowbit_q8_qc4w_gemm_ukernel_8x8c8__neoni8mm",
    "neoni8mm",
    "neoni8mm",
    Isa::kNeonI8mm,
    0,
    target::kMR,
    GemmLayout{target::kNR, target::kKR, ActFormat::kInt8,
               target::kNeonNibbleSpan},
    &TileUkernel<target::Tile<true>, target::kMR, target::kNV, 4, int8_t>,
    &target::PrepareActivations8<ActFormat::kInt8>,
    &target::RequantizeFullVectors};
constexpr GemmKernel kQ8Gemm8x8c8NeonI8mm = {
    "lowbit_q8_gemm_ukernel_8x8c8__neoni8mm",
    "neoni8mm",
    "neoni8mm",
    Isa::kNeonI8mm,
    0,
    target::kMR,
    GemmLayout{target::kNR, target::kKR, ActFormat::kInt8},
    &TileUkernel<target::Tile<false>, target::kMR, target::kNV, 4, int8_t>,
    &target::PrepareActivations8<ActFormat::kInt8>,
    &target::RequantizeFullVectors,
    nullptr,
    0,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    0,
    &kQ8Qc4wGemm8x8c8NeonI8mm};

}  // namespace lowbit
