// lowbit_q8_gemm_ukernel_4x16c4__neondot: 4 rows x 16 channels, K in groups
// of 4, on ARMv8.2 dot product: sdot multiplies 4 signed bytes of one
// activation group (a lane of the row's register) by 4 bytes of each of 4
// channels and adds into 4 int32 lanes. 16 sdot = 256 MACs per K group of
// the tile; exact (products of int8 summed in int32).
//
// Activations arrive as signed bytes A_s (uint8 A XORed with 0x80) and the
// packed bias already holds -za_s * sum W' (layout.h, ActFormat::kInt8).
// Built with -march=armv8.2-a+crypto+dotprod only (CMakeLists.txt). Its
// int4 form, lowbit_q8_qc4w_gemm_ukernel_4x16c4__neondot, reads a group's
// 16 channels x 4 k as two 16-byte runs of nibbles (int4_neon-inl.h).
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

constexpr size_t kMR = 4;
constexpr size_t kNV = 4;
constexpr size_t kNR = kNV * 4;
constexpr size_t kKR = 4;

template <bool kInt4>
struct Tile {
  static constexpr size_t kGroupBytes = kInt4 ? kNR * kKR / 2 : kNR * kKR;

  // One K group: activation group L (4 bytes) of each row's a[m].
  template <size_t MR, size_t NV, int L>
  static HWY_INLINE void Step(int32x4_t (&acc)[MR][NV], const int8_t* w,
                              const int8x16_t (&a)[MR]) {
    // Opaque to the compiler, so it cannot hoist the next steps' weight
    // loads above this one: with all of them in flight GCC 12 runs out of
    // registers and spills or copies accumulators inside the loop.
    __asm__("" : "+r"(w));
    int8x16_t wv[NV];
    if constexpr (kInt4) {
      UnpackInt4(w, wv);
    } else {
      LOWBIT_UNROLL
      for (size_t j = 0; j < NV; ++j) wv[j] = vld1q_s8(w + 16 * j);
    }
    LOWBIT_UNROLL
    for (size_t m = 0; m < MR; ++m) {
      LOWBIT_UNROLL
      for (size_t j = 0; j < NV; ++j) {
        acc[m][j] = vdotq_laneq_s32(acc[m][j], wv[j], a[m], L);
      }
    }
  }

  template <size_t MR, size_t NV>
  static HWY_NOINLINE void Run(size_t nc, size_t kgroups, const int8_t* a,
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
    size_t g = 0;
    for (; g + 4 <= kgroups; g += 4) {
      int8x16_t av[MR];  // 16 k of each row: 4 groups
      LOWBIT_UNROLL
      for (size_t m = 0; m < MR; ++m) av[m] = vld1q_s8(a + m * a_stride + g * kKR);
      Step<MR, NV, 0>(acc, wk + (g + 0) * kGroupBytes, av);
      Step<MR, NV, 1>(acc, wk + (g + 1) * kGroupBytes, av);
      Step<MR, NV, 2>(acc, wk + (g + 2) * kGroupBytes, av);
      Step<MR, NV, 3>(acc, wk + (g + 3) * kGroupBytes, av);
    }
    for (; g < kgroups; ++g) {
      int8x16_t av[MR];
      LOWBIT_UNROLL
      for (size_t m = 0; m < MR; ++m) {
        int32_t quad;
        std::memcpy(&quad, a + m * a_stride + g * kKR, sizeof(quad));
        av[m] = vreinterpretq_s8_s32(vdupq_n_s32(quad));
      }
      Step<MR, NV, 0>(acc, wk + g * kGroupBytes, av);
    }

    FinishRawTile<MR, NV>(hn::Full128<int32_t>(), acc, row_offset, out, n0,
                          nc, c, ldc);
  }
};

}  // namespace
}  // namespace HWY_NAMESPACE

namespace target = HWY_NAMESPACE;
// Constant-initialised (arch/kernels.h): listing them runs no code.
constexpr GemmKernel kQ8Qc4wGemm4x16c4NeonDot = {
    "lowbit_q8_qc4w_gemm_ukernel_4x16c4__neondot",
    "neondot",
    "neondot",
    Isa::kNeonDot,
    0,
    target::kMR,
    GemmLayout{target::kNR, target::kKR, ActFormat::kInt8,
               target::kNeonNibbleSpan},
    &TileUkernel<target::Tile<true>, target::kMR, target::kNV, 4, int8_t>,
    &target::PrepareActivations8<ActFormat::kInt8>,
    &target::RequantizeFullVectors};
constexpr GemmKernel kQ8Gemm4x16c4NeonDot = {
    "lowbit_q8_gemm_ukernel_4x16c4__neondot",
    "neondot",
    "neondot",
    Isa::kNeonDot,
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
    &kQ8Qc4wGemm4x16c4NeonDot};

}  // namespace lowbit
