// The loop of the AVX-512 VNNI c4 GEMM kernels, K in groups of 4, on
// vpdpbusd (64 unsigned x signed byte products summed into 16 int32 lanes
// per instruction, without saturation). One template, instantiated by
// q8_gemm_8x48c4_avx512vnni.cc (8-bit weights) and
// q8_qc4w_gemm_8x48c4_avx512vnni.cc (int4), each only for the forms its
// descriptors list: the template sits in an anonymous namespace, so the two
// translation units neither share nor repeat an instance, and the int4
// kernels reach the 8-bit loops through their siblings' descriptors
// (GemmKernel::expanded). Two files because one took 8 minutes to compile
// under ASan.
//
// Activations arrive as unsigned bytes A_u (int8 A XORed with 0x80) and the
// packed bias already holds -za_u * sum W' (layout.h, ActFormat::kUint8), so
// the loop is nothing but broadcasts, weight loads and vpdpbusd. Built with
// the AVX-512 flags only (CMakeLists.txt); the epilogue is the shared
// Highway one, compiled for the static AVX3 target, but for the fp32
// mode's, which packs before it clamps (fp32_narrow-inl.h).
#ifndef LOWBIT_ARCH_X86_GEMM_C4_AVX512VNNI_INL_H_
#define LOWBIT_ARCH_X86_GEMM_C4_AVX512VNNI_INL_H_

#include <immintrin.h>

#include <cstring>

#include "arch/kernels.h"
#include "arch/x86/fp32_narrow_avx512-inl.h"
#include "hwy/highway.h"
#include "kernels/gemm/epilogue-inl.h"
#include "kernels/gemm/prepare8-inl.h"
#include "kernels/gemm/tile_dispatch.h"

#if HWY_TARGET != HWY_AVX3
#error "build this file with the AVX-512 flags of CMakeLists.txt"
#endif

namespace lowbit {
namespace HWY_NAMESPACE {
namespace {

constexpr size_t kMR = 8;
// The narrow sibling's indirect form (convolutions) takes 12 rows: 24
// accumulators, 2 weight vectors, the broadcast and the flip constant fill
// the 32 registers, and a third fewer weight loads per multiply-add pays
// where a block's weights stream from L2 (rn50-3x3-14: +5%, rn50-3x3-56:
// +4%). Its plain form keeps 8: 12 rows measured 2% slower on sq-256..1024,
// whose A rows and block then outgrow L1.
constexpr size_t kNarrowIndirectMR = 12;
constexpr size_t kKR = 4;
// Rows per tile of the dynamically quantized loop (Tile::RunDq).
constexpr size_t kDqMR = 4;
// The blockwise-only forms (DqGemv, DqBlockSums) step through a block 4 K
// groups at a time: blocks are a multiple of 32 along K (lowbit.h), so 8
// groups of 4.
constexpr size_t kBlockGroupStep = 4;
static_assert(32 % (kBlockGroupStep * kKR) == 0, "whole steps per block");
// Int4 tasks expand their weights from 3 row tiles on: at 2 (tok16-1k)
// expanding cost more than unpacking in each tile.
constexpr size_t kInt4ExpandMinTiles = 3;

// kNV vectors of 16 channels per block. kFlip: activations arrive as the
// caller's int8 bytes, turned into A_u by the XOR that broadcasts them
// (one EVEX instruction with an embedded broadcast, like the plain
// broadcast it replaces), so a GEMM with int8 input reads it in place.
// kInt4: the weights are the int4 layout of span 64 (layout.h): a group's
// vectors 0 and 1 are the low and high nibbles of one 64-byte run (masked,
// the high ones shifted down, each sign-extended by one vpshufb), and
// vector 2 of a 48-channel block those of a last 32-byte run, joined into
// one vector: 10 instructions for 3 vectors of 64 weights.
template <size_t kNV, bool kFlip = false, bool kInt4 = false>
struct Tile {
  static constexpr size_t kNR = kNV * 16;
  static constexpr size_t kVectorBytes = kInt4 ? 32 : 64;
  static constexpr size_t kNibbleSpan = 64;
  static constexpr size_t kGroupBytes = kNV * kVectorBytes;
  // Full tiles fetch weights this far ahead (they stream from L2 for large
  // K). One- and two-row tiles (GEMV) leave it to the hardware prefetcher,
  // which measured faster on their purely sequential weight stream. A
  // block of fewer K groups than that (small-K GEMM, the first layers of
  // image networks) would only fetch past its own end: the plain form's
  // full tiles then run without (mnv1-conv0 +4%, mnv1-pw1 +3%).
  static constexpr size_t kPrefetchGroups = 64;
  static constexpr size_t kPrefetchBytes = kPrefetchGroups * kGroupBytes;

  // The NV weight vectors of the group at p.
  template <size_t NV>
  static HWY_INLINE void Weights(const uint8_t* p, __m512i (&wv)[NV]) {
    if constexpr (kInt4) {
      const __m512i nibble = _mm512_set1_epi8(0x0F);
      // Byte i of each 128-bit lane: nibble i as a signed value.
      const __m512i extend = _mm512_set4_epi32(
          static_cast<int>(0xFFFEFDFCu), static_cast<int>(0xFBFAF9F8u),
          0x07060504, 0x03020100);
      const __m512i x = _mm512_loadu_si512(p);
      wv[0] = _mm512_shuffle_epi8(extend, _mm512_and_si512(x, nibble));
      if constexpr (NV >= 2) {
        wv[1] = _mm512_shuffle_epi8(
            extend, _mm512_and_si512(_mm512_srli_epi16(x, 4), nibble));
      }
      if constexpr (NV == 3) {
        const __m256i y =
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 64));
        const __m512i both = _mm512_inserti64x4(_mm512_castsi256_si512(y),
                                                _mm256_srli_epi16(y, 4), 1);
        wv[2] = _mm512_shuffle_epi8(extend, _mm512_and_si512(both, nibble));
      }
    } else {
      LOWBIT_UNROLL
      for (size_t j = 0; j < NV; ++j) wv[j] = _mm512_loadu_si512(p + 64 * j);
    }
  }

  // GemmKernel::expand_weights of the int4 form: kgroups groups widened to
  // the 8-bit layout, which the 8-bit kernel then reads for every row tile
  // of a task (the loop above unpacks once per group and tile: on 8-row
  // tiles that cost 18% of tok128-ffn-up).
  static void ExpandInt4(const uint8_t* w, size_t kgroups, void* out) {
    auto* dst = static_cast<uint8_t*>(out);
    for (size_t g = 0; g < kgroups; ++g, w += kGroupBytes) {
      __m512i wv[kNV];
      Weights(w, wv);
      LOWBIT_UNROLL
      for (size_t j = 0; j < kNV; ++j, dst += 64) {
        _mm512_storeu_si512(dst, wv[j]);
      }
    }
  }

  // The loop of both forms: `taps` runs of tap_groups K groups, row m of
  // run t at row_at(t, m) (one run of all K groups, rows a_stride apart,
  // for Run). The body is written inline: accumulator arrays handed to a
  // helper by reference end up in memory instead of registers.
  template <size_t MR, size_t NV, bool kPrefetch = true, class RowAt>
  static HWY_INLINE void Loop(size_t taps, size_t tap_groups,
                              const RowAt& row_at, const int32_t* row_offset,
                              const int32_t* init, size_t init_stride,
                              const uint8_t* w, const GemmOutput& out,
                              size_t n0, size_t nc, void* c, size_t ldc) {
    // One or two rows leave too few independent accumulators to cover the
    // multiply-add latency: alternate K groups between S sets.
    constexpr size_t S = MR == 1 ? 4 : MR == 2 ? 2 : 1;
    __m512i acc[S][MR][NV];
    LOWBIT_UNROLL
    for (size_t s = 0; s < S; ++s) {
      LOWBIT_UNROLL
      for (size_t m = 0; m < MR; ++m) {
        LOWBIT_UNROLL
        for (size_t j = 0; j < NV; ++j) {
          // Starting from init (not from zero) also keeps GCC from
          // copying the tied accumulator operand through other registers.
          acc[s][m][j] =
              s == 0 ? _mm512_loadu_si512(init + m * init_stride + 16 * j)
                     : _mm512_setzero_si512();
        }
      }
    }
    const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
    const auto broadcast = [&](const uint8_t* p) {
      int32_t quad;
      std::memcpy(&quad, p, sizeof(quad));
      const __m512i v = _mm512_set1_epi32(quad);
      return kFlip ? _mm512_xor_si512(v, flip) : v;
    };
    const uint8_t* wg = w;
    for (size_t t = 0; t < taps; ++t) {
      const uint8_t* rows[MR];
      LOWBIT_UNROLL
      for (size_t m = 0; m < MR; ++m) rows[m] = row_at(t, m);
      size_t g = 0;
      for (; g + S <= tap_groups; g += S) {
        LOWBIT_UNROLL
        for (size_t s = 0; s < S; ++s, wg += kGroupBytes) {
          if constexpr (S == 1 && kPrefetch) {
            LOWBIT_UNROLL
            for (size_t j = 0; j < (NV * kVectorBytes + 63) / 64; ++j) {
              _mm_prefetch(
                  reinterpret_cast<const char*>(wg + kPrefetchBytes) + 64 * j,
                  _MM_HINT_T0);
            }
          }
          __m512i wv[NV];
          Weights(wg, wv);
          LOWBIT_UNROLL
          for (size_t m = 0; m < MR; ++m) {
            const __m512i av = broadcast(rows[m] + (g + s) * kKR);
            LOWBIT_UNROLL
            for (size_t j = 0; j < NV; ++j) {
              acc[s][m][j] = _mm512_dpbusd_epi32(acc[s][m][j], av, wv[j]);
            }
          }
        }
      }
      for (; g < tap_groups; ++g, wg += kGroupBytes) {  // only when S > 1
        __m512i wv[NV];
        Weights(wg, wv);
        LOWBIT_UNROLL
        for (size_t m = 0; m < MR; ++m) {
          const __m512i av = broadcast(rows[m] + g * kKR);
          LOWBIT_UNROLL
          for (size_t j = 0; j < NV; ++j) {
            acc[0][m][j] = _mm512_dpbusd_epi32(acc[0][m][j], av, wv[j]);
          }
        }
      }
    }

    LOWBIT_UNROLL
    for (size_t m = 0; m < MR; ++m) {
      LOWBIT_UNROLL
      for (size_t j = 0; j < NV; ++j) {
        LOWBIT_UNROLL
        for (size_t s = 1; s < S; ++s) {
          acc[0][m][j] = _mm512_add_epi32(acc[0][m][j], acc[s][m][j]);
        }
      }
    }
    FinishNarrowTile<Avx512Narrow, MR, NV>(acc[0], row_offset, out, n0, nc, c, ldc);
  }

  template <size_t MR, size_t NV, bool kPrefetch = true>
  static HWY_NOINLINE void RunLoop(size_t nc, size_t kgroups,
                                   const uint8_t* a, size_t a_stride,
                                   const int32_t* row_offset,
                                   const int32_t* init, size_t init_stride,
                                   const uint8_t* w, const GemmOutput& out,
                                   size_t n0, void* c, size_t ldc) {
    Loop<MR, NV, kPrefetch>(
        1, kgroups,
        [&](size_t, size_t m) LOWBIT_LAMBDA_INLINE { return a + m * a_stride; },
        row_offset, init, init_stride, w, out, n0, nc, c, ldc);
  }

  // Only the full tile gets an instance without prefetch (compile time;
  // the others are a GEMM's edges), in a function of its own: a call in
  // the loop's function made GCC spill the accumulators.
  template <size_t MR, size_t NV>
  static HWY_INLINE void Run(size_t nc, size_t kgroups, const uint8_t* a,
                             size_t a_stride, const int32_t* row_offset,
                             const int32_t* init, size_t init_stride,
                             const uint8_t* w, const GemmOutput& out,
                             size_t n0, void* c, size_t ldc) {
    if constexpr (MR == kMR && NV == kNV) {
      if (kgroups < kPrefetchGroups) {
        return RunLoop<MR, NV, false>(nc, kgroups, a, a_stride, row_offset,
                                      init, init_stride, w, out, n0, c, ldc);
      }
    }
    RunLoop<MR, NV>(nc, kgroups, a, a_stride, row_offset, init, init_stride,
                    w, out, n0, c, ldc);
  }

  // Dynamically quantized blocks (GemmDqUkernelFn): the loop above on each
  // block of block_groups K groups, from the correction -r * wsum (exact
  // modulo 2^32), then per row m and channel f = f + float(acc) * wscale,
  // f from 0 (the order of kernels/dq/qd8.h: the same bits). The float
  // sums stay in registers, so tiles have at most 4 rows (kDqMR): 12 int32
  // and 12 float accumulators. Blockwise (r nullptr), each block starts
  // from its wsum values (DqBlockSums').
  template <size_t MR, size_t NV>
  static HWY_NOINLINE void RunDq(size_t blocks, size_t block_groups,
                                     const uint8_t* a, size_t a_stride,
                                     const int32_t* r, const int32_t* wsum,
                                     const float* wscale, const uint8_t* w,
                                     float* d, size_t ldd) {
    static_assert(MR <= 4, "register budget");
    constexpr size_t S = MR == 1 ? 4 : MR == 2 ? 2 : 1;
    __m512 f[MR][NV];
    LOWBIT_UNROLL
    for (size_t m = 0; m < MR; ++m) {
      LOWBIT_UNROLL
      for (size_t j = 0; j < NV; ++j) f[m][j] = _mm512_setzero_ps();
    }
    const uint8_t* wg = w;
    for (size_t b = 0; b < blocks; ++b) {
      const uint8_t* ab = a + b * block_groups * kKR;
      __m512i acc[S][MR][NV];
      LOWBIT_UNROLL
      for (size_t m = 0; m < MR; ++m) {
        LOWBIT_UNROLL
        for (size_t j = 0; j < NV; ++j) {
          const __m512i start = _mm512_loadu_si512(wsum + b * kNR + 16 * j);
          if (r == nullptr) {  // blockwise: the start value, no multiply
            acc[0][m][j] = start;
          } else {
            acc[0][m][j] = _mm512_mullo_epi32(
                _mm512_set1_epi32(
                    static_cast<int32_t>(0u - static_cast<uint32_t>(r[m]))),
                start);
          }
          LOWBIT_UNROLL
          for (size_t s = 1; s < S; ++s) acc[s][m][j] = _mm512_setzero_si512();
        }
      }
      size_t g = 0;
      // Two groups per iteration: +3% on the tok128 shapes.
#if defined(__clang__)
#pragma unroll 2
#elif defined(__GNUC__)
#pragma GCC unroll 2
#endif
      for (; g + S <= block_groups; g += S) {
        LOWBIT_UNROLL
        for (size_t s = 0; s < S; ++s, wg += kGroupBytes) {
          __m512i wv[NV];
          Weights(wg, wv);
          LOWBIT_UNROLL
          for (size_t m = 0; m < MR; ++m) {
            int32_t quad;
            std::memcpy(&quad, ab + m * a_stride + (g + s) * kKR, 4);
            const __m512i av = _mm512_set1_epi32(quad);
            LOWBIT_UNROLL
            for (size_t j = 0; j < NV; ++j) {
              acc[s][m][j] = _mm512_dpbusd_epi32(acc[s][m][j], av, wv[j]);
            }
          }
        }
      }
      for (; g < block_groups; ++g, wg += kGroupBytes) {  // only when S > 1
        __m512i wv[NV];
        Weights(wg, wv);
        LOWBIT_UNROLL
        for (size_t m = 0; m < MR; ++m) {
          int32_t quad;
          std::memcpy(&quad, ab + m * a_stride + g * kKR, 4);
          const __m512i av = _mm512_set1_epi32(quad);
          LOWBIT_UNROLL
          for (size_t j = 0; j < NV; ++j) {
            acc[0][m][j] = _mm512_dpbusd_epi32(acc[0][m][j], av, wv[j]);
          }
        }
      }
      // Without this barrier GCC copied every tied accumulator through
      // other registers in the loop above (objdump: 47 instructions per
      // 12 vpdpbusd instead of 23).
      LOWBIT_UNROLL
      for (size_t m = 0; m < MR; ++m) {
        LOWBIT_UNROLL
        for (size_t jj = 0; jj < NV; ++jj) asm("" : "+v"(acc[0][m][jj]));
      }
      const float* sc = wscale + b * kNR;
      LOWBIT_UNROLL
      for (size_t j = 0; j < NV; ++j) {
        const __m512 scale = _mm512_loadu_ps(sc + 16 * j);
        LOWBIT_UNROLL
        for (size_t m = 0; m < MR; ++m) {
          __m512i sum = acc[0][m][j];
          LOWBIT_UNROLL
          for (size_t s = 1; s < S; ++s) {
            sum = _mm512_add_epi32(sum, acc[s][m][j]);
          }
          f[m][j] = _mm512_add_ps(
              f[m][j],
              _mm512_mul_ps(_mm512_mask_cvtepi32_ps(_mm512_setzero_ps(),
                                                    0xFFFF, sum),
                            scale));
        }
      }
    }
    LOWBIT_UNROLL
    for (size_t m = 0; m < MR; ++m) {
      LOWBIT_UNROLL
      for (size_t j = 0; j < NV; ++j) {
        _mm512_storeu_ps(d + m * ldd + 16 * j, f[m][j]);
      }
    }
  }

  // The kNV weight vectors of the group at p as unsigned bytes W + o, o =
  // kWeightOffset: int4 nibbles XOR 8 (no sign extension: cheaper than
  // Weights), 8-bit weights XOR 0x80.
  static constexpr int32_t kWeightOffset = kInt4 ? 8 : 128;
  static HWY_INLINE void UnsignedWeights(const uint8_t* p,
                                         __m512i (&wv)[kNV]) {
    if constexpr (kInt4) {
      const __m512i nibble = _mm512_set1_epi8(0x0F);
      const __m512i x = _mm512_xor_si512(_mm512_loadu_si512(p),
                                         _mm512_set1_epi8(0x88 - 256));
      wv[0] = _mm512_and_si512(x, nibble);
      if constexpr (kNV >= 2) {
        wv[1] = _mm512_and_si512(_mm512_srli_epi16(x, 4), nibble);
      }
      if constexpr (kNV == 3) {
        const __m256i y = _mm256_xor_si256(
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 64)),
            _mm256_set1_epi8(0x88 - 256));
        const __m512i both = _mm512_inserti64x4(_mm512_castsi256_si512(y),
                                                _mm256_srli_epi16(y, 4), 1);
        wv[2] = _mm512_and_si512(both, nibble);
      }
    } else {
      const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
      LOWBIT_UNROLL
      for (size_t j = 0; j < kNV; ++j) {
        wv[j] = _mm512_xor_si512(_mm512_loadu_si512(p + 64 * j), flip);
      }
    }
  }

  // GemmDqGemvFn: one row, the operands' roles swapped. The weights are
  // the unsigned operand (W + o) and the row's bytes, A_u XOR 0x80 = q,
  // the signed one, so sum (W + o) * q = acc_g + o * sum q: each block
  // starts from -o times the row's block sum (one broadcast), where the
  // 4-row loop needs the blocks' weight sums (a pass of DqBlockSums cost
  // as much as the GEMV itself). Then f = f + float(acc) * wscale.
  static void DqGemv(size_t blocks, size_t block_groups, const uint8_t* a,
                     const int32_t* row_block_sums, const float* wscale,
                     const uint8_t* w, float* d) {
    constexpr size_t S = kBlockGroupStep;
    const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
    __m512 f[kNV];
    LOWBIT_UNROLL
    for (size_t j = 0; j < kNV; ++j) f[j] = _mm512_setzero_ps();
    for (size_t b = 0; b < blocks; ++b) {
      const uint8_t* ab = a + b * block_groups * kKR;
      __m512i acc[S][kNV];
      const __m512i start = _mm512_set1_epi32(static_cast<int32_t>(
          0u - static_cast<uint32_t>(kWeightOffset) *
                   static_cast<uint32_t>(row_block_sums[b])));
      LOWBIT_UNROLL
      for (size_t j = 0; j < kNV; ++j) {
        acc[0][j] = start;
        LOWBIT_UNROLL
        for (size_t s = 1; s < S; ++s) acc[s][j] = _mm512_setzero_si512();
      }
      for (size_t g = 0; g < block_groups; g += S) {
        LOWBIT_UNROLL
        for (size_t s = 0; s < S; ++s, w += kGroupBytes) {
          __m512i wv[kNV];
          UnsignedWeights(w, wv);
          int32_t quad;
          std::memcpy(&quad, ab + (g + s) * kKR, 4);
          const __m512i av = _mm512_xor_si512(_mm512_set1_epi32(quad), flip);
          LOWBIT_UNROLL
          for (size_t j = 0; j < kNV; ++j) {
            acc[s][j] = _mm512_dpbusd_epi32(acc[s][j], wv[j], av);
          }
        }
      }
      // As in RunDq: without it GCC copies the tied accumulators.
      LOWBIT_UNROLL
      for (size_t s = 0; s < S; ++s) {
        LOWBIT_UNROLL
        for (size_t jj = 0; jj < kNV; ++jj) asm("" : "+v"(acc[s][jj]));
      }
      const float* sc = wscale + b * kNR;
      LOWBIT_UNROLL
      for (size_t j = 0; j < kNV; ++j) {
        const __m512i sum =
            _mm512_add_epi32(_mm512_add_epi32(acc[0][j], acc[1][j]),
                             _mm512_add_epi32(acc[2][j], acc[3][j]));
        f[j] = _mm512_add_ps(
            f[j], _mm512_mul_ps(_mm512_cvtepi32_ps(sum),
                                _mm512_loadu_ps(sc + 16 * j)));
      }
    }
    LOWBIT_UNROLL
    for (size_t j = 0; j < kNV; ++j) _mm512_storeu_ps(d + 16 * j, f[j]);
  }

  // GemmDqBlockSumsFn: each group's weights summed per channel by one
  // vpdpbusd against bytes of 1 (into 4 sets of sums, which keeps the
  // vpdpbusd latency off the loop), then times -128.
  static void DqBlockSums(const uint8_t* w, size_t blocks,
                          size_t block_groups, int32_t* out) {
    constexpr size_t S = kBlockGroupStep;
    const __m512i ones = _mm512_set1_epi8(1);
    for (size_t b = 0; b < blocks; ++b) {
      __m512i sum[S][kNV];
      LOWBIT_UNROLL
      for (size_t s = 0; s < S; ++s) {
        LOWBIT_UNROLL
        for (size_t j = 0; j < kNV; ++j) sum[s][j] = _mm512_setzero_si512();
      }
      for (size_t g = 0; g < block_groups; g += S) {
        LOWBIT_UNROLL
        for (size_t s = 0; s < S; ++s, w += kGroupBytes) {
          __m512i wv[kNV];
          Weights(w, wv);
          LOWBIT_UNROLL
          for (size_t j = 0; j < kNV; ++j) {
            sum[s][j] = _mm512_dpbusd_epi32(sum[s][j], ones, wv[j]);
          }
        }
      }
      LOWBIT_UNROLL
      for (size_t j = 0; j < kNV; ++j) {
        const __m512i total =
            _mm512_add_epi32(_mm512_add_epi32(sum[0][j], sum[1][j]),
                             _mm512_add_epi32(sum[2][j], sum[3][j]));
        _mm512_storeu_si512(out + b * kNR + 16 * j,
                            _mm512_sub_epi32(_mm512_setzero_si512(),
                                             _mm512_slli_epi32(total, 7)));
      }
    }
  }

  // The same loop on rows read through tap offsets (GemmIndirectUkernelFn):
  // per tap, each row's pointer once, then the tap's K groups.
  template <size_t MR, size_t NV>
  static HWY_NOINLINE void RunIndirect(
      size_t nc, size_t taps, size_t tap_groups, const int64_t* offsets,
      size_t offsets_stride, const uint8_t* base, const uint8_t* zero,
      const int32_t* init, size_t init_stride, const uint8_t* w,
      const GemmOutput& out, size_t n0, void* c, size_t ldc) {
    Loop<MR, NV>(
        taps, tap_groups,
        [&](size_t t, size_t m) LOWBIT_LAMBDA_INLINE {
          const int64_t off = offsets[m * offsets_stride + t];
          return off < 0 ? zero : base + off;
        },
        nullptr, init, init_stride, w, out, n0, nc, c, ldc);
  }
};

}  // namespace
}  // namespace HWY_NAMESPACE
}  // namespace lowbit

#endif  // LOWBIT_ARCH_X86_GEMM_C4_AVX512VNNI_INL_H_
