// lowbit_q8_gemm_ukernel_6x16c2__avx2: 6 rows x 16 channels, K in pairs, for
// AVX2 CPUs without AVX-512. Activations arrive widened to int16 (A - za),
// and vpmaddwd multiplies int16 pairs and adds them into int32: exact for
// every input. vpmaddubsw would need no widening but saturates its int16
// pair sums (DESIGN.md §3).
//
// Same packed layout as the Highway kernels' 16-channel c2 blocks (int8).
// Two inner loops read it:
//   - the expanded form: a task of several row tiles first widens its
//     block's weights to int16 once (ExpandWeights), so each K pair is 2
//     weight loads, 6 activation broadcasts (both pure loads), 12 vpmaddwd
//     and 12 vpaddd: the multiplies and adds fill the vector pipes and
//     nothing else does (isa_peak_bench: avx2_int16w_mix);
//   - ukernel: a single row tile (GEMV) streams the int8 bytes, widening
//     them as it goes (vpmovsxbw), half the bytes of int16 weights.
// Built with the AVX2 flags only (CMakeLists.txt); the epilogue is the
// shared Highway one, compiled here for the static AVX2 target, but for the
// fp32 mode's, which packs before it clamps (fp32_narrow-inl.h).
#include <immintrin.h>

#include <cstring>

#include "arch/kernels.h"
#include "arch/x86/dq_avx2-inl.h"
#include "arch/x86/fp32_narrow_avx2-inl.h"
#include "hwy/highway.h"
#include "kernels/gemm/epilogue-inl.h"
#include "kernels/gemm/prepare16-inl.h"
#include "kernels/gemm/tile_dispatch.h"

#if HWY_TARGET != HWY_AVX2
#error "build this file with the AVX2 flags of CMakeLists.txt"
#endif

namespace lowbit {
namespace HWY_NAMESPACE {
namespace {

constexpr size_t kMR = 6;
constexpr size_t kNV = 2;
constexpr size_t kNR = kNV * 8;
constexpr size_t kKR = 2;

// NV vectors of 8 channels x 2 k as int16, from packed int8 weights (Wide =
// false: 16 bytes per vector) or from expanded int16 ones (32 bytes).
template <bool Wide>
HWY_INLINE __m256i LoadWeights(const uint8_t* wg, size_t j) {
  if constexpr (Wide) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wg + 32 * j));
  } else {
    return _mm256_cvtepi8_epi16(
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(wg + 16 * j)));
  }
}

// The ExpandWeightsFn: K groups of 16 channels x 2 k, int8 to int16.
void ExpandWeights(const uint8_t* w, size_t kgroups, void* out) {
  uint8_t* dst = static_cast<uint8_t*>(out);
  for (size_t g = 0; g < kgroups; ++g) {
    for (size_t j = 0; j < kNV; ++j) {
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + 64 * g + 32 * j),
                          LoadWeights<false>(w + 32 * g, j));
    }
  }
}

template <bool Wide>
struct Tile {
  static constexpr size_t kGroupBytes = kNR * kKR * (Wide ? 2 : 1);

  // Sets of accumulators a tile alternates K groups between: one or two
  // rows leave too few to cover the vpmaddwd latency.
  template <size_t MR>
  static constexpr size_t kSets = MR <= 2 ? 2 : 1;

  // acc += the products of `kgroups` K groups of MR rows (a, a_stride) and
  // the weights at w, the groups alternating between the kSets sets.
  // Inlined into its callers (objdump: their accumulators stay in
  // registers).
  template <size_t MR, size_t NV>
  static HWY_INLINE void Accumulate(size_t kgroups, const int16_t* a,
                                    size_t a_stride, const uint8_t* w,
                                    __m256i (&acc)[kSets<MR>][MR][NV]) {
    constexpr size_t S = kSets<MR>;
    size_t g = 0;
    for (; g + S <= kgroups; g += S) {
      LOWBIT_UNROLL
      for (size_t s = 0; s < S; ++s) {
        const uint8_t* wg = w + (g + s) * kGroupBytes;
        __m256i wv[NV];
        LOWBIT_UNROLL
        for (size_t j = 0; j < NV; ++j) wv[j] = LoadWeights<Wide>(wg, j);
        LOWBIT_UNROLL
        for (size_t m = 0; m < MR; ++m) {
          int32_t pair;
          std::memcpy(&pair, a + m * a_stride + (g + s) * kKR, sizeof(pair));
          const __m256i av = _mm256_set1_epi32(pair);
          LOWBIT_UNROLL
          for (size_t j = 0; j < NV; ++j) {
            acc[s][m][j] = _mm256_add_epi32(acc[s][m][j],
                                            _mm256_madd_epi16(av, wv[j]));
          }
        }
      }
    }
    for (; g < kgroups; ++g) {  // only when S > 1
      const uint8_t* wg = w + g * kGroupBytes;
      LOWBIT_UNROLL
      for (size_t m = 0; m < MR; ++m) {
        int32_t pair;
        std::memcpy(&pair, a + m * a_stride + g * kKR, sizeof(pair));
        const __m256i av = _mm256_set1_epi32(pair);
        LOWBIT_UNROLL
        for (size_t j = 0; j < NV; ++j) {
          const __m256i wv = LoadWeights<Wide>(wg, j);
          acc[0][m][j] =
              _mm256_add_epi32(acc[0][m][j], _mm256_madd_epi16(av, wv));
        }
      }
    }
    LOWBIT_UNROLL
    for (size_t m = 0; m < MR; ++m) {
      LOWBIT_UNROLL
      for (size_t j = 0; j < NV; ++j) {
        LOWBIT_UNROLL
        for (size_t s = 1; s < S; ++s) {
          acc[0][m][j] = _mm256_add_epi32(acc[0][m][j], acc[s][m][j]);
        }
      }
    }
  }

  // GemmDqUkernelFn (the dynamically quantized GEMM with int8 weights per
  // channel; blockwise runs the plain loop per block): the loop above on
  // each block of block_groups K groups, from -r * wsum (exact modulo 2^32;
  // r nullptr: wsum), then per row and channel f = f + float(acc) *
  // wscale from f = 0 (kernels/dq/qd8.h's order: the same bits). The float
  // sums live in d, read and written once per block: 16 registers do not
  // hold them beside the accumulators.
  template <size_t MR, size_t NV>
  static HWY_NOINLINE void RunDq(size_t blocks, size_t block_groups,
                                 const int16_t* a, size_t a_stride,
                                 const int32_t* r, const int32_t* wsum,
                                 const float* wscale, const uint8_t* w,
                                 float* d, size_t ldd) {
    constexpr size_t S = kSets<MR>;
    for (size_t b = 0; b < blocks; ++b) {
      __m256i acc[S][MR][NV];
      LOWBIT_UNROLL
      for (size_t m = 0; m < MR; ++m) {
        LOWBIT_UNROLL
        for (size_t j = 0; j < NV; ++j) {
          acc[0][m][j] = DqStart(wsum + b * kNR + 8 * j, r, m);
          LOWBIT_UNROLL
          for (size_t s = 1; s < S; ++s) acc[s][m][j] = _mm256_setzero_si256();
        }
      }
      Accumulate(block_groups, a + b * block_groups * kKR, a_stride,
                 w + b * block_groups * kGroupBytes, acc);
      const float* sc = wscale + b * kNR;
      LOWBIT_UNROLL
      for (size_t j = 0; j < NV; ++j) {
        const __m256 scale = _mm256_loadu_ps(sc + 8 * j);
        LOWBIT_UNROLL
        for (size_t m = 0; m < MR; ++m) {
          DqAddBlock(acc[0][m][j], scale, b == 0, d + m * ldd + 8 * j);
        }
      }
    }
  }

  template <size_t MR, size_t NV>
  static HWY_NOINLINE void Run(size_t nc, size_t kgroups, const int16_t* a,
                               size_t a_stride, const int32_t* row_offset,
                               const int32_t* init, size_t init_stride,
                               const uint8_t* w, const GemmOutput& out,
                               size_t n0, void* c, size_t ldc) {
    constexpr size_t S = kSets<MR>;
    __m256i acc[S][MR][NV];
    LOWBIT_UNROLL
    for (size_t s = 0; s < S; ++s) {
      LOWBIT_UNROLL
      for (size_t m = 0; m < MR; ++m) {
        LOWBIT_UNROLL
        for (size_t j = 0; j < NV; ++j) {
          acc[s][m][j] =
              s == 0 ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(
                           init + m * init_stride + 8 * j))
                     : _mm256_setzero_si256();
        }
      }
    }
    Accumulate(kgroups, a, a_stride, w, acc);
    FinishNarrowTile<Avx2Narrow, MR, NV>(acc[0], row_offset, out, n0, nc, c, ldc);
  }
};

}  // namespace
}  // namespace HWY_NAMESPACE

namespace target = HWY_NAMESPACE;
// Constant-initialised (arch/kernels.h): listing it runs no code. The
// expanded form is not in the table: the operator runs it on weights
// ExpandWeights widened, in the sweep too.
constexpr GemmKernel kQ8Gemm6x16c2Avx2Expanded = {
    "lowbit_q8_gemm_ukernel_6x16c2__avx2 (int16 weights)",
    "avx2",
    "avx2",
    Isa::kAvx2,
    0,
    target::kMR,
    GemmLayout{target::kNR, target::kKR, ActFormat::kInt16},
    &TileUkernel<target::Tile<true>, target::kMR, target::kNV, 8, int16_t>,
    &target::PrepareActivations16,
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
    &TileDqUkernel<target::Tile<true>, target::kMR, target::kNV, 8, int16_t>};
constexpr GemmKernel kQ8Gemm6x16c2Avx2 = {
    "lowbit_q8_gemm_ukernel_6x16c2__avx2",
    "avx2",
    "avx2",
    Isa::kAvx2,
    0,
    target::kMR,
    GemmLayout{target::kNR, target::kKR, ActFormat::kInt16},
    &TileUkernel<target::Tile<false>, target::kMR, target::kNV, 8, int16_t>,
    &target::PrepareActivations16,
    &target::RequantizeWithFp32Narrow<target::Avx2Narrow>,
    &target::ExpandWeights,
    target::kNR * target::kKR * sizeof(int16_t),
    &kQ8Gemm6x16c2Avx2Expanded,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    0,
    &kQ8Qc4wGemm4x16c4Avx2,
    2,
    &TileDqUkernel<target::Tile<false>, target::kMR, target::kNV, 8, int16_t>};

}  // namespace lowbit
