// lowbit_q8_qc4w_gemm_ukernel_4x16c1__neon: int4 weights on baseline ARMv8
// NEON (no dot product), 4 rows x 16 channels, one k per group.
//
// Activations arrive widened to int16 (A - za, |A - za| <= 255), like the
// 8-bit kernel's (q8_gemm_4x16c1_neon.cc). With int4 weights a product is
// at most 255 * 8 = 2040 in magnitude, so 16 of them sum exactly in int16:
// mla by lane multiplies 8 channels per instruction into int16 sums, which
// are widened into the int32 accumulators (saddw) once per 16 k. Per k of
// the 4 x 16 tile: 8 mla where the 8-bit kernel's smlal needs 16.
//
// Weights are the int4 layout of span 8 (layout.h): a k's 8 bytes hold
// channels 0-7 in their low nibbles and 8-15 in the high ones. One 16-byte
// load takes two k; the low nibbles are sign-extended by shl + sshr, the
// high ones by one sshr (int4_neon-inl.h's UnpackInt4), then sxtl to int16.
//
// Built with -march=armv8-a+crypto only (CMakeLists.txt); the epilogue is
// the shared Highway one, compiled here for the static NEON target.
#include <arm_neon.h>

#include <algorithm>

#include "arch/arm/int4_neon-inl.h"
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
constexpr size_t kGroupBytes = kNR / 2;
constexpr size_t kNibbleSpan = 8;
// k per int16 sum: 16 * 255 * 8 = 32640 <= 32767.
constexpr size_t kInt16Run = 16;

// s + w * a[L], 8 int16 lanes (mla by element). Written in asm: for
// vmlaq_lane_s16 GCC 12 loads each activation lane on its own (ldrsh, then
// dup or fmov) instead of naming the lane of one loaded vector. "x": the
// lane's register must be one of v0-v15 for 16-bit elements.
template <int L>
HWY_INLINE int16x8_t MlaLane(int16x8_t s, int16x8_t w, int16x4_t a) {
  static_assert(L >= 0 && L < 4, "a lane of a 4-lane vector");
  if constexpr (L == 0) {
    __asm__("mla %0.8h, %1.8h, %2.h[0]" : "+w"(s) : "w"(w), "x"(a));
  } else if constexpr (L == 1) {
    __asm__("mla %0.8h, %1.8h, %2.h[1]" : "+w"(s) : "w"(w), "x"(a));
  } else if constexpr (L == 2) {
    __asm__("mla %0.8h, %1.8h, %2.h[2]" : "+w"(s) : "w"(w), "x"(a));
  } else {
    __asm__("mla %0.8h, %1.8h, %2.h[3]" : "+w"(s) : "w"(w), "x"(a));
  }
  return s;
}

struct Tile {
  // Halves of 8 channels the tile's NV vectors of 4 need.
  template <size_t NV>
  static constexpr size_t kHalves = (NV + 1) / 2;

  // One k: channels 0-7 (lo) and 8-15 (hi) as int16, activation lane L of
  // each row's a[m].
  template <size_t MR, size_t NV, int L>
  static HWY_INLINE void Step(int16x8_t (&s)[MR][kHalves<NV>], int16x8_t lo,
                              int16x8_t hi, const int16x4_t (&a)[MR]) {
    LOWBIT_UNROLL
    for (size_t m = 0; m < MR; ++m) {
      s[m][0] = MlaLane<L>(s[m][0], lo, a[m]);
      if constexpr (NV > 2) s[m][1] = MlaLane<L>(s[m][1], hi, a[m]);
    }
  }

  template <size_t MR, size_t NV>
  static HWY_NOINLINE void Run(size_t nc, size_t k, const int16_t* a,
                               size_t a_stride, const int32_t* row_offset,
                               const int32_t* init, size_t init_stride,
                               const uint8_t* w, const GemmOutput& out,
                               size_t n0, void* c, size_t ldc) {
    constexpr size_t H = kHalves<NV>;
    // The int32 sums live in memory, touched once per 16 k: in registers
    // they would leave too few of v0-v15, the only ones mla by a 16-bit
    // lane can name, and GCC 12 then moved every activation lane through a
    // general register.
    alignas(16) int32_t sum32[MR][NV * 4];
    LOWBIT_UNROLL
    for (size_t m = 0; m < MR; ++m) {
      LOWBIT_UNROLL
      for (size_t j = 0; j < NV; ++j) {
        vst1q_s32(&sum32[m][4 * j], vld1q_s32(init + m * init_stride + 4 * j));
      }
    }
    const int8_t* wk = reinterpret_cast<const int8_t*>(w);
    size_t x = 0;
    while (x < k) {
      const size_t end = std::min(k, x + kInt16Run);
      int16x8_t s[MR][H];
      LOWBIT_UNROLL
      for (size_t m = 0; m < MR; ++m) {
        LOWBIT_UNROLL
        for (size_t h = 0; h < H; ++h) s[m][h] = vdupq_n_s16(0);
      }
      for (; x + 4 <= end; x += 4) {
        int16x4_t av[MR];
        LOWBIT_UNROLL
        for (size_t m = 0; m < MR; ++m) av[m] = vld1_s16(a + m * a_stride + x);
        int8x16_t v[4];  // k x, x + 1 (low and high nibbles), then x + 2, 3
        UnpackInt4(wk + x * kGroupBytes, v);
        Step<MR, NV, 0>(s, vmovl_s8(vget_low_s8(v[0])),
                        vmovl_s8(vget_low_s8(v[1])), av);
        Step<MR, NV, 1>(s, vmovl_high_s8(v[0]), vmovl_high_s8(v[1]), av);
        Step<MR, NV, 2>(s, vmovl_s8(vget_low_s8(v[2])),
                        vmovl_s8(vget_low_s8(v[3])), av);
        Step<MR, NV, 3>(s, vmovl_high_s8(v[2]), vmovl_high_s8(v[3]), av);
      }
      for (; x < end; ++x) {
        int16x4_t av[MR];
        LOWBIT_UNROLL
        for (size_t m = 0; m < MR; ++m) av[m] = vld1_dup_s16(a + m * a_stride + x);
        const int8x8_t b = vld1_s8(wk + x * kGroupBytes);
        Step<MR, NV, 0>(s, vmovl_s8(vshr_n_s8(vshl_n_s8(b, 4), 4)),
                        vmovl_s8(vshr_n_s8(b, 4)), av);
      }
      LOWBIT_UNROLL
      for (size_t m = 0; m < MR; ++m) {
        LOWBIT_UNROLL
        for (size_t j = 0; j < NV; ++j) {
          const int32x4_t t = vld1q_s32(&sum32[m][4 * j]);
          vst1q_s32(&sum32[m][4 * j],
                    j % 2 == 0 ? vaddw_s16(t, vget_low_s16(s[m][j / 2]))
                               : vaddw_high_s16(t, s[m][j / 2]));
        }
      }
    }

    int32x4_t acc[MR][NV];
    LOWBIT_UNROLL
    for (size_t m = 0; m < MR; ++m) {
      LOWBIT_UNROLL
      for (size_t j = 0; j < NV; ++j) acc[m][j] = vld1q_s32(&sum32[m][4 * j]);
    }
    FinishRawTile<MR, NV>(hn::Full128<int32_t>(), acc, row_offset, out, n0,
                          nc, c, ldc);
  }
};

}  // namespace
}  // namespace HWY_NAMESPACE

namespace target = HWY_NAMESPACE;
// Constant-initialised (arch/kernels.h): listing it runs no code.
constexpr GemmKernel kQ8Qc4wGemm4x16c1Neon = {
    "lowbit_q8_qc4w_gemm_ukernel_4x16c1__neon",
    "neon",
    "neon",
    Isa::kNeon,
    0,
    target::kMR,
    GemmLayout{target::kNR, 1, ActFormat::kInt16, target::kNibbleSpan},
    &TileUkernel<target::Tile, target::kMR, target::kNV, 4, int16_t>,
    &target::PrepareActivations16,
    &target::RequantizeFullVectors};

}  // namespace lowbit
