// Portable int8/uint8 GEMM microkernel, compiled once per Highway target.
//
// Activations arrive widened to int16 (A - za); packed weights are int8 in
// the c2 layout (layout.h, KR = 2). Each step broadcasts one (a[k], a[k+1])
// pair per row and multiplies it with NR weight pairs widened to int16:
// ReorderWidenMulAccumulate (vpmaddwd on x86, smlal on NEON) never saturates,
// so the int32 accumulators are exact. The int4 form (kInt4) reads the same
// values from the nibbles of an int4 layout whose span is one vector's
// int32 lanes: a vector's pairs come from `lanes` bytes, sign-extended to
// int16, the low nibbles by a shift left and right, the high ones by a
// shift right, the two halves joined.

#if defined(LOWBIT_KERNELS_GEMM_Q8_GEMM_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef LOWBIT_KERNELS_GEMM_Q8_GEMM_INL_H_
#undef LOWBIT_KERNELS_GEMM_Q8_GEMM_INL_H_
#else
#define LOWBIT_KERNELS_GEMM_Q8_GEMM_INL_H_
#endif

#include <cstring>

#include "hwy/highway.h"
#include "kernels/gemm/epilogue-inl.h"
#include "kernels/gemm/prepare16-inl.h"
#include "kernels/gemm/tile_dispatch.h"
#include "kernels/gemm/ukernel.h"
#include "kernels/mul_add_pairs-inl.h"

HWY_BEFORE_NAMESPACE();
// For MulAddPairs's vpdpwssd (kernels/mul_add_pairs-inl.h).
#if HWY_TARGET == HWY_AVX3_DL && !defined(__clang__) && defined(__GNUC__)
#pragma GCC target("avx512vnni")
#endif
namespace lowbit {
namespace HWY_NAMESPACE {
namespace {  // internal linkage: see kernels/requant-inl.h
namespace hn = hwy::HWY_NAMESPACE;

// Tile shape per target: MR rows x NV int32 vectors, sized to the register
// file (accumulators + NV weight vectors + one broadcast).
#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
constexpr size_t kQ8MR = 8;
constexpr size_t kQ8NV = 3;
#else
constexpr size_t kQ8MR = 4;
constexpr size_t kQ8NV = 2;
#endif

using D32 = hn::ScalableTag<int32_t>;

#if HWY_ARCH_ARM
constexpr bool kInitFirst = false;  // NEON's rearrangement adds pairwise
#else
constexpr bool kInitFirst = true;
#endif

template <size_t MR, size_t NV, bool kInt4>
HWY_NOINLINE void Q8GemmTile(size_t nc, size_t kgroups, const int16_t* a,
                             size_t a_stride, const int32_t* row_offset,
                             const int32_t* init, size_t init_stride,
                             const uint8_t* w, const GemmOutput& out, size_t n0,
                             void* c, size_t ldc) {
  const D32 d32;
  const hn::Repartition<int16_t, D32> d16;
  const hn::Rebind<int8_t, decltype(d16)> d8;
  const hn::Half<decltype(d16)> dh16;
  const hn::Rebind<int8_t, decltype(dh16)> dh8;
  using V = hn::Vec<D32>;
  const size_t lanes = hn::Lanes(d32);
  // The layout's NR; a narrow last block computes only NV <= kQ8NV vectors.
  const size_t nr = kQ8NV * lanes;

  // Short tiles have too few accumulators to hide the multiply-add latency:
  // they alternate K groups between two sets (S = 2). The first set starts
  // from init: when all started from one shared zero, GCC 12 copied the
  // accumulators through extra registers and the stack every step.
  constexpr size_t S = MR <= 2 ? 2 : 1;
  V acc0[S][MR][NV];
  V acc1[S][MR][NV];  // ReorderWidenMulAccumulate's second sum (not on x86)
  LOWBIT_UNROLL
  for (size_t s = 0; s < S; ++s) {
    LOWBIT_UNROLL
    for (size_t m = 0; m < MR; ++m) {
      LOWBIT_UNROLL
      for (size_t j = 0; j < NV; ++j) {
        // Where RearrangeToOddPlusEven adds lanewise (all but NEON), init
        // can start the first sum.
        acc0[s][m][j] = (kInitFirst && s == 0)
                            ? hn::LoadU(d32, init + m * init_stride + j * lanes)
                            : hn::Zero(d32);
        acc1[s][m][j] = hn::Zero(d32);
      }
    }
  }

  const int8_t* wk = reinterpret_cast<const int8_t*>(w);
  // The body is written inline: accumulator arrays handed to a helper by
  // reference end up in memory instead of registers.
  for (size_t g0 = 0; g0 < kgroups; g0 += S) {
    LOWBIT_UNROLL
    for (size_t s = 0; s < S; ++s) {
      const size_t g = g0 + s;
      if (S > 1 && g >= kgroups) break;
      hn::Vec<decltype(d16)> wv[NV];
      LOWBIT_UNROLL
      for (size_t j = 0; j < NV; ++j) {
        if constexpr (kInt4) {
          const auto x =
              hn::PromoteTo(dh16, hn::LoadU(dh8, wk + g * nr + j * lanes));
          wv[j] = hn::Combine(d16, hn::ShiftRight<4>(x),
                              hn::ShiftRight<12>(hn::ShiftLeft<12>(x)));
        } else {
          wv[j] = hn::PromoteTo(
              d16, hn::LoadU(d8, wk + g * 2 * nr + j * 2 * lanes));
        }
      }
      LOWBIT_UNROLL
      for (size_t m = 0; m < MR; ++m) {
        int32_t pair;
        std::memcpy(&pair, a + m * a_stride + 2 * g, sizeof(pair));
        const auto av = hn::BitCast(d16, hn::Set(d32, pair));
        LOWBIT_UNROLL
        for (size_t j = 0; j < NV; ++j) {
          acc0[s][m][j] =
              MulAddPairs(d32, wv[j], av, acc0[s][m][j], acc1[s][m][j]);
        }
      }
    }
  }

  LOWBIT_UNROLL
  for (size_t m = 0; m < MR; ++m) {
    LOWBIT_UNROLL
    for (size_t j = 0; j < NV; ++j) {
      V sum = hn::RearrangeToOddPlusEven(acc0[0][m][j], acc1[0][m][j]);
      if constexpr (S == 2) {
        sum = hn::Add(sum, hn::RearrangeToOddPlusEven(acc0[1][m][j],
                                                      acc1[1][m][j]));
      }
      if constexpr (!kInitFirst) {
        sum = hn::Add(sum, hn::LoadU(d32, init + m * init_stride + j * lanes));
      }
      acc0[0][m][j] = sum;
    }
  }
  FinishTile<MR, NV>(d32, acc0[0], row_offset, out, n0, nc, c, ldc);
}

// DispatchTile's form of the tile.
template <bool kInt4>
struct Q8Tile {
  template <size_t MR, size_t NV, class... Args>
  static void Run(const Args&... args) {
    Q8GemmTile<MR, NV, kInt4>(args...);
  }
};

template <bool kInt4>
void Q8GemmUkernel(size_t mr, size_t nc, size_t kgroups, const void* a,
                   size_t a_stride, const int32_t* row_offset,
                   const int32_t* init, size_t init_stride, const uint8_t* w,
                   const GemmOutput& out, size_t n0, void* c, size_t ldc) {
  const size_t lanes = hn::Lanes(D32());
  DispatchRows<Q8Tile<kInt4>, kQ8MR, kQ8NV>(
      mr, (nc + lanes - 1) / lanes, nc, kgroups, static_cast<const int16_t*>(a),
      a_stride, row_offset, init, init_stride, w, out, n0, c, ldc);
}

}  // namespace
}  // namespace HWY_NAMESPACE
}  // namespace lowbit
HWY_AFTER_NAMESPACE();

#endif  // LOWBIT_KERNELS_GEMM_Q8_GEMM_INL_H_
