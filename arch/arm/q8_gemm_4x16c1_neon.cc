// lowbit_q8_gemm_ukernel_4x16c1__neon: 4 rows x 16 channels on baseline
// ARMv8 NEON. Activations arrive widened to int16 (A - za); each step
// sign-extends 16 int8 weights of one k to int16 and multiplies them by one
// activation lane per row with smlal/smlal2 (int16 x int16 -> int32
// accumulate): 64 exact MACs per 16 instructions.
//
// Built with -march=armv8-a+crypto only (CMakeLists.txt; Highway's NEON ops
// need the AES extension to inline). The epilogue is the shared Highway one,
// compiled here for the static NEON target.
#include <arm_neon.h>

#include <cstring>

#include "arch/kernels.h"
#include "hwy/highway.h"
#include "kernels/gemm/epilogue-inl.h"
#include "kernels/gemm/prepare16-inl.h"
#include "kernels/gemm/tile_dispatch.h"

#if HWY_TARGET != HWY_NEON
#error "build this file with the NEON flags of CMakeLists.txt"
#endif

namespace lowbit {
namespace HWY_NAMESPACE {
namespace {

constexpr size_t kMR = 4;
constexpr size_t kNV = 4;
constexpr size_t kNR = kNV * 4;

struct Tile {
  // One k: weights w (16 int8), activation lane L of each row's a[m].
  template <size_t MR, size_t NV, int L>
  static HWY_INLINE void Step(int32x4_t (&acc)[MR][NV], const int8_t* w,
                              const int16x4_t (&a)[MR]) {
    const int8x16_t w8 = vld1q_s8(w);
    const int16x8_t lo = vmovl_s8(vget_low_s8(w8));
    const int16x8_t hi = vmovl_high_s8(w8);
    LOWBIT_UNROLL
    for (size_t m = 0; m < MR; ++m) {
      acc[m][0] = vmlal_lane_s16(acc[m][0], vget_low_s16(lo), a[m], L);
      if (NV > 1) acc[m][1] = vmlal_high_lane_s16(acc[m][1], lo, a[m], L);
      if (NV > 2) acc[m][2] = vmlal_lane_s16(acc[m][2], vget_low_s16(hi), a[m], L);
      if (NV > 3) acc[m][3] = vmlal_high_lane_s16(acc[m][3], hi, a[m], L);
    }
  }

  template <size_t MR, size_t NV>
  static HWY_NOINLINE void Run(size_t nc, size_t k, const int16_t* a,
                               size_t a_stride, const int32_t* row_offset,
                               const int32_t* init, size_t init_stride,
                               const uint8_t* w, const GemmOutput& out,
                               size_t n0, void* c, size_t ldc) {
    int32x4_t acc[MR][NV];
    LOWBIT_UNROLL
    for (size_t m = 0; m < MR; ++m) {
      LOWBIT_UNROLL
      for (size_t j = 0; j < NV; ++j) {
        acc[m][j] = vld1q_s32(init + m * init_stride + 4 * j);
      }
    }
    const int8_t* wk = reinterpret_cast<const int8_t*>(w);
    size_t x = 0;
    for (; x + 4 <= k; x += 4) {
      int16x4_t av[MR];
      LOWBIT_UNROLL
      for (size_t m = 0; m < MR; ++m) av[m] = vld1_s16(a + m * a_stride + x);
      Step<MR, NV, 0>(acc, wk + (x + 0) * kNR, av);
      Step<MR, NV, 1>(acc, wk + (x + 1) * kNR, av);
      Step<MR, NV, 2>(acc, wk + (x + 2) * kNR, av);
      Step<MR, NV, 3>(acc, wk + (x + 3) * kNR, av);
    }
    for (; x < k; ++x) {
      int16x4_t av[MR];
      LOWBIT_UNROLL
      for (size_t m = 0; m < MR; ++m) av[m] = vld1_dup_s16(a + m * a_stride + x);
      Step<MR, NV, 0>(acc, wk + x * kNR, av);
    }

    FinishRawTile<MR, NV>(hn::Full128<int32_t>(), acc, row_offset, out, n0,
                          nc, c, ldc);
  }
};

}  // namespace
}  // namespace HWY_NAMESPACE

namespace target = HWY_NAMESPACE;
// Constant-initialised (arch/kernels.h): listing it runs no code.
constexpr GemmKernel kQ8Gemm4x16c1Neon = {
    "lowbit_q8_gemm_ukernel_4x16c1__neon",
    "neon",
    "neon",
    Isa::kNeon,
    0,
    target::kMR,
    GemmLayout{target::kNR, 1, ActFormat::kInt16},
    &TileUkernel<target::Tile, target::kMR, target::kNV, 4, int16_t>,
    &target::PrepareActivations16,
    &target::RequantizeFullVectors,
    nullptr,
    0,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    0,
    &kQ8Qc4wGemm4x16c1Neon};

}  // namespace lowbit
