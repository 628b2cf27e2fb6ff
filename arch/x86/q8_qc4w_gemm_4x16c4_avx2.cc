// lowbit_q8_qc4w_gemm_ukernel_4x16c4__avx2: int4 weights on AVX2 CPUs
// without AVX-512, 4 rows x 16 channels, K in groups of 4.
//
// Activations arrive as unsigned bytes A_u (int8 A XORed with 0x80) and the
// packed bias already holds -za_u * sum W' (layout.h, ActFormat::kUint8).
// vpmaddubsw multiplies unsigned by signed bytes and adds pairs into int16
// with saturation, which makes it unusable for int8 weights (the 8-bit AVX2
// kernel widens to vpmaddwd instead, DESIGN.md §3) but exact for int4 ones:
// |A_u * W| <= 255 * 8, so a pair sum stays within 4080 and the two groups
// added before widening within 8160. Per two K groups, row and vector of 8
// channels: two vpmaddubsw, one vpaddw, one vpmaddwd against ones and one
// vpaddd, 64 MACs for 3 multiplies, where the 8-bit kernel's vpmaddwd
// spends 4 for them. The accumulator chain is the vpaddd alone, so one
// and two-row tiles need no second set of accumulators.
//
// Weights are the int4 layout of span 32 (layout.h): a group's 32 bytes
// hold channels 0-7 (4 k each) in their low nibbles and 8-15 in the high
// ones, each vector made of the masked (for the high ones: shifted) bytes
// sign-extended by one vpshufb. Tasks of several row tiles expand their
// block to those signed bytes once (ExpandInt4) and run the same loop on
// them (the `expanded` descriptor, valid only for expanded int4 weights).
// The dynamically quantized GEMM runs the same loop per block of K (RunDq,
// both forms) and, for one row, DqGemv.
//
// Built with the AVX2 flags only (CMakeLists.txt); the epilogue is the
// 8-bit AVX2 kernel's.
#include <immintrin.h>

#include <cstring>

#include "arch/kernels.h"
#include "arch/x86/dq_avx2-inl.h"
#include "arch/x86/fp32_narrow_avx2-inl.h"
#include "hwy/highway.h"
#include "kernels/gemm/epilogue-inl.h"
#include "kernels/gemm/prepare8-inl.h"
#include "kernels/gemm/tile_dispatch.h"

#if HWY_TARGET != HWY_AVX2
#error "build this file with the AVX2 flags of CMakeLists.txt"
#endif

namespace lowbit {
namespace HWY_NAMESPACE {
namespace {

constexpr size_t kMR = 4;
constexpr size_t kNV = 2;
constexpr size_t kNR = kNV * 8;
constexpr size_t kKR = 4;
constexpr size_t kNibbleSpan = 32;
constexpr size_t kExpandedGroupBytes = kNR * kKR;

// The unsigned activations of one K group of a row, in every int32 lane.
HWY_INLINE __m256i Broadcast(const uint8_t* p) {
  int32_t quad;
  std::memcpy(&quad, p, sizeof(quad));
  return _mm256_set1_epi32(quad);
}

template <bool kInt4>
struct Tile {
  static constexpr size_t kGroupBytes = kInt4 ? kNR * kKR / 2 : kNR * kKR;

  // The NV vectors (8 channels x 4 k as signed bytes) of the group at p.
  template <size_t NV>
  static HWY_INLINE void Weights(const uint8_t* p, __m256i (&wv)[NV]) {
    if constexpr (kInt4) {
      const __m256i nibble = _mm256_set1_epi8(0x0F);
      // Byte i of each 128-bit lane: nibble i as a signed value.
      const __m256i extend = _mm256_setr_epi8(
          0, 1, 2, 3, 4, 5, 6, 7, -8, -7, -6, -5, -4, -3, -2, -1,  //
          0, 1, 2, 3, 4, 5, 6, 7, -8, -7, -6, -5, -4, -3, -2, -1);
      const __m256i x =
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
      wv[0] = _mm256_shuffle_epi8(extend, _mm256_and_si256(x, nibble));
      if constexpr (NV == 2) {
        wv[1] = _mm256_shuffle_epi8(
            extend, _mm256_and_si256(_mm256_srli_epi16(x, 4), nibble));
      }
    } else {
      LOWBIT_UNROLL
      for (size_t j = 0; j < NV; ++j) {
        wv[j] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32 * j));
      }
    }
  }

  // GemmKernel::expand_weights of the int4 form: kgroups groups as the
  // signed bytes the expanded form reads.
  static void ExpandInt4(const uint8_t* w, size_t kgroups, void* out) {
    auto* dst = static_cast<uint8_t*>(out);
    for (size_t g = 0; g < kgroups; ++g, w += kGroupBytes) {
      __m256i wv[kNV];
      Weights(w, wv);
      LOWBIT_UNROLL
      for (size_t j = 0; j < kNV; ++j, dst += 32) {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), wv[j]);
      }
    }
  }

  // GemmKernel::dq_block_sums: -128 times each channel's weight sum per
  // block (modulo 2^32), the start value that takes A_u's offset out.
  static void DqBlockSums(const uint8_t* w, size_t blocks,
                          size_t block_groups, int32_t* out) {
    const __m256i ones8 = _mm256_set1_epi8(1);
    const __m256i ones16 = _mm256_set1_epi16(1);
    for (size_t b = 0; b < blocks; ++b, out += kNR) {
      __m256i sum[kNV] = {_mm256_setzero_si256(), _mm256_setzero_si256()};
      for (size_t g = 0; g < block_groups; ++g, w += kGroupBytes) {
        __m256i wv[kNV];
        Weights(w, wv);
        LOWBIT_UNROLL
        for (size_t j = 0; j < kNV; ++j) {
          sum[j] = _mm256_add_epi32(
              sum[j],
              _mm256_madd_epi16(_mm256_maddubs_epi16(ones8, wv[j]), ones16));
        }
      }
      LOWBIT_UNROLL
      for (size_t j = 0; j < kNV; ++j) {
        _mm256_storeu_si256(
            reinterpret_cast<__m256i*>(out + 8 * j),
            _mm256_sub_epi32(_mm256_setzero_si256(),
                             _mm256_slli_epi32(sum[j], 7)));
      }
    }
  }

  // GemmDqGemvFn: one row, the operands' roles swapped as in the AVX-512
  // kernel's: the nibbles XOR 8 (W + 8, 0..15, no sign extension) are the
  // unsigned operand and the row's bytes XOR 0x80 (q) the signed one, so
  // sum (W + 8) * q = acc + 8 * sum q: each block starts from -8 times the
  // row's block sum. The int16 pair sums of 8 groups (32 k, the unit of a
  // block) stay within 8 * 2 * 15 * 128 = 30720, so they are widened once
  // per 8 groups, not per group. Then f = f + float(acc) * wscale.
  static void DqGemv(size_t blocks, size_t block_groups, const uint8_t* a,
                     const int32_t* row_block_sums, const float* wscale,
                     const uint8_t* w, float* d) {
    static_assert(kInt4, "the int4 form's");
    constexpr size_t kStep = 32 / kKR;
    const __m256i nibble = _mm256_set1_epi8(0x0F);
    const __m256i eights = _mm256_set1_epi8(static_cast<char>(0x88));
    const __m256i flip = _mm256_set1_epi8(static_cast<char>(0x80));
    const __m256i ones = _mm256_set1_epi16(1);
    __m256 f[kNV] = {_mm256_setzero_ps(), _mm256_setzero_ps()};
    for (size_t b = 0; b < blocks; ++b) {
      const uint8_t* ab = a + b * block_groups * kKR;
      __m256i acc[kNV];
      LOWBIT_UNROLL
      for (size_t j = 0; j < kNV; ++j) {
        acc[j] = _mm256_set1_epi32(static_cast<int32_t>(
            0u - 8u * static_cast<uint32_t>(row_block_sums[b])));
      }
      for (size_t g = 0; g < block_groups; g += kStep) {
        __m256i pairs[kNV] = {_mm256_setzero_si256(), _mm256_setzero_si256()};
        LOWBIT_UNROLL
        for (size_t s = 0; s < kStep; ++s, w += kGroupBytes) {
          const __m256i x = _mm256_xor_si256(
              _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w)), eights);
          const __m256i av = _mm256_xor_si256(Broadcast(ab + (g + s) * kKR), flip);
          pairs[0] = _mm256_add_epi16(
              pairs[0], _mm256_maddubs_epi16(_mm256_and_si256(x, nibble), av));
          pairs[1] = _mm256_add_epi16(
              pairs[1],
              _mm256_maddubs_epi16(
                  _mm256_and_si256(_mm256_srli_epi16(x, 4), nibble), av));
        }
        LOWBIT_UNROLL
        for (size_t j = 0; j < kNV; ++j) {
          acc[j] = _mm256_add_epi32(acc[j], _mm256_madd_epi16(pairs[j], ones));
        }
      }
      const float* sc = wscale + b * kNR;
      LOWBIT_UNROLL
      for (size_t j = 0; j < kNV; ++j) {
        f[j] = _mm256_add_ps(f[j], _mm256_mul_ps(_mm256_cvtepi32_ps(acc[j]),
                                                 _mm256_loadu_ps(sc + 8 * j)));
      }
    }
    LOWBIT_UNROLL
    for (size_t j = 0; j < kNV; ++j) _mm256_storeu_ps(d + 8 * j, f[j]);
  }

  // acc += the products of `groups` K groups of MR rows (a, a_stride) and
  // the weights at w: per two groups, row and vector, 2 vpmaddubsw, their
  // int16 sum, and one vpmaddwd against ones into the int32 accumulator.
  // Inlined into its callers (objdump: their accumulators stay in
  // registers).
  template <size_t MR, size_t NV>
  static HWY_INLINE void Accumulate(size_t groups, const uint8_t* a,
                                    size_t a_stride, const uint8_t* w,
                                    __m256i (&acc)[MR][NV]) {
    const __m256i ones = _mm256_set1_epi16(1);
    size_t g = 0;
    for (; g + 2 <= groups; g += 2, w += 2 * kGroupBytes) {
      __m256i w0[NV], w1[NV];
      Weights(w, w0);
      Weights(w + kGroupBytes, w1);
      LOWBIT_UNROLL
      for (size_t m = 0; m < MR; ++m) {
        const uint8_t* row = a + m * a_stride + g * kKR;
        const __m256i a0 = Broadcast(row);
        const __m256i a1 = Broadcast(row + kKR);
        LOWBIT_UNROLL
        for (size_t j = 0; j < NV; ++j) {
          const __m256i pairs =
              _mm256_add_epi16(_mm256_maddubs_epi16(a0, w0[j]),
                               _mm256_maddubs_epi16(a1, w1[j]));
          acc[m][j] =
              _mm256_add_epi32(acc[m][j], _mm256_madd_epi16(pairs, ones));
        }
      }
    }
    if (g < groups) {
      __m256i w0[NV];
      Weights(w, w0);
      LOWBIT_UNROLL
      for (size_t m = 0; m < MR; ++m) {
        const __m256i a0 = Broadcast(a + m * a_stride + g * kKR);
        LOWBIT_UNROLL
        for (size_t j = 0; j < NV; ++j) {
          acc[m][j] = _mm256_add_epi32(
              acc[m][j], _mm256_madd_epi16(_mm256_maddubs_epi16(a0, w0[j]),
                                           ones));
        }
      }
    }
  }

  // GemmDqUkernelFn: the loop of Run on each block of block_groups K
  // groups, from the block's start value (blockwise: wsum, the block sums;
  // per channel: -r * wsum, modulo 2^32), then per row and channel f = f +
  // float(acc) * wscale from f = 0 (kernels/dq/qd8.h's order: the same
  // bits). With 16 registers the float sums live in d, read and written
  // once per block.
  template <size_t MR, size_t NV>
  static HWY_NOINLINE void RunDq(size_t blocks, size_t block_groups,
                                 const uint8_t* a, size_t a_stride,
                                 const int32_t* r, const int32_t* wsum,
                                 const float* wscale, const uint8_t* w,
                                 float* d, size_t ldd) {
    const uint8_t* wg = w;
    for (size_t b = 0; b < blocks; ++b) {
      const uint8_t* ab = a + b * block_groups * kKR;
      __m256i acc[MR][NV];
      LOWBIT_UNROLL
      for (size_t m = 0; m < MR; ++m) {
        LOWBIT_UNROLL
        for (size_t j = 0; j < NV; ++j) {
          acc[m][j] = DqStart(wsum + b * kNR + 8 * j, r, m);
        }
      }
      Accumulate(block_groups, ab, a_stride, wg, acc);
      wg += block_groups * kGroupBytes;
      const float* sc = wscale + b * kNR;
      LOWBIT_UNROLL
      for (size_t j = 0; j < NV; ++j) {
        const __m256 scale = _mm256_loadu_ps(sc + 8 * j);
        LOWBIT_UNROLL
        for (size_t m = 0; m < MR; ++m) {
          DqAddBlock(acc[m][j], scale, b == 0, d + m * ldd + 8 * j);
        }
      }
    }
  }

  template <size_t MR, size_t NV>
  static HWY_NOINLINE void Run(size_t nc, size_t kgroups, const uint8_t* a,
                               size_t a_stride, const int32_t* row_offset,
                               const int32_t* init, size_t init_stride,
                               const uint8_t* w, const GemmOutput& out,
                               size_t n0, void* c, size_t ldc) {
    __m256i acc[MR][NV];
    LOWBIT_UNROLL
    for (size_t m = 0; m < MR; ++m) {
      LOWBIT_UNROLL
      for (size_t j = 0; j < NV; ++j) {
        acc[m][j] = _mm256_loadu_si256(
            reinterpret_cast<const __m256i*>(init + m * init_stride + 8 * j));
      }
    }
    Accumulate(kgroups, a, a_stride, w, acc);
    FinishNarrowTile<Avx2Narrow, MR, NV>(acc, row_offset, out, n0, nc, c, ldc);
  }
};

}  // namespace
}  // namespace HWY_NAMESPACE

namespace target = HWY_NAMESPACE;
// Constant-initialised (arch/kernels.h): listing them runs no code. The
// expanded form is not in the table: the operator runs it on weights
// ExpandInt4 unpacked, in the sweep too.
constexpr GemmKernel kQ8Qc4wGemm4x16c4Avx2Expanded = {
    "lowbit_q8_qc4w_gemm_ukernel_4x16c4__avx2 (expanded int4 weights)",
    "avx2",
    "avx2",
    Isa::kAvx2,
    0,
    target::kMR,
    GemmLayout{target::kNR, target::kKR, ActFormat::kUint8},
    &TileUkernel<target::Tile<false>, target::kMR, target::kNV, 8, uint8_t>,
    &target::PrepareActivations8<ActFormat::kUint8>,
    &target::RequantizeWithFp32Narrow<target::Avx2Narrow>,
    nullptr,
    0,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    0,
    nullptr,
    2,
    &TileDqUkernel<target::Tile<false>, target::kMR, target::kNV, 8>,
    &target::Tile<false>::DqBlockSums};
constexpr GemmKernel kQ8Qc4wGemm4x16c4Avx2 = {
    "lowbit_q8_qc4w_gemm_ukernel_4x16c4__avx2",
    "avx2",
    "avx2",
    Isa::kAvx2,
    0,
    target::kMR,
    GemmLayout{target::kNR, target::kKR, ActFormat::kUint8,
               target::kNibbleSpan},
    &TileUkernel<target::Tile<true>, target::kMR, target::kNV, 8, uint8_t>,
    &target::PrepareActivations8<ActFormat::kUint8>,
    &target::RequantizeWithFp32Narrow<target::Avx2Narrow>,
    &target::Tile<true>::ExpandInt4,
    target::kExpandedGroupBytes,
    &kQ8Qc4wGemm4x16c4Avx2Expanded,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    0,
    nullptr,
    2,
    &TileDqUkernel<target::Tile<true>, target::kMR, target::kNV, 8>,
    &target::Tile<true>::DqBlockSums,
    &target::Tile<true>::DqGemv};

}  // namespace lowbit
