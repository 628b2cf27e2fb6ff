// GEMM with INT16 activations (16x8 and int16 x int16) on every 16-bit
// kernel of the bare-metal build, against the reference
// (kernels/reference/gemm16.cc), exact; and the 16-bit checks.
#include <cstdio>
#include <cstring>

#include "kernels/bare/gemm_bare.h"
#include "kernels/bare/mcu_kernel.h"
#include "kernels/reference/gemm16.h"
#include "lowbit/lowbit.h"
#include "tests/bare/check.h"

namespace lowbit_test {
namespace {

alignas(8) int16_t g_a[4096];
alignas(8) uint8_t g_w[2 * 4096];
alignas(8) int64_t g_acc[1024];
alignas(8) uint8_t g_c[8 * 1024 + 16];
alignas(8) uint8_t g_want[8 * 1024];
int32_t g_bias[64];
int64_t g_bias64[64];
float g_scales[64];
int32_t g_mult[64];
int32_t g_shift[64];

struct Case16 {
  size_t m, n, k;
  lowbit_dtype weights;
  int fill;      // 0 random, 1 low ends, 2 high ends
  int bias;      // 0 none, 1 int32, 2 int64
  bool caller;   // multipliers instead of scales
  bool raw;      // int64 accumulators
  int32_t qmin, qmax;
  uint32_t seed;
};

void Run(const lowbit::McuGemm16Kernel& kernel, const Case16& cs) {
  const size_t lda = cs.k + 1, ldc = cs.n + 2;
  const size_t welem = cs.weights == LOWBIT_DTYPE_INT16 ? 2 : 1;
  const int32_t wlo = welem == 2 ? -32768 : -128, whi = welem == 2 ? 32767 : 127;
  Rng rng(cs.seed);
  for (size_t i = 0; i < cs.m * lda; ++i) {
    g_a[i] = static_cast<int16_t>(cs.fill == 1   ? -32768
                                  : cs.fill == 2 ? 32767
                                                 : rng.Uniform(-32768, 32767));
  }
  for (size_t i = 0; i < cs.n * cs.k; ++i) {
    const int32_t w = cs.fill != 0 ? (i % 2 ? wlo : whi) : rng.Uniform(wlo, whi);
    if (welem == 2) {
      const int16_t v = static_cast<int16_t>(w);
      std::memcpy(g_w + 2 * i, &v, 2);
    } else {
      g_w[i] = static_cast<uint8_t>(w);
    }
  }
  for (size_t n = 0; n < cs.n; ++n) {
    g_bias[n] = rng.Uniform(-(1 << 24), 1 << 24);
    g_bias64[n] = int64_t{rng.Uniform(-(1 << 30), 1 << 30)} * 1000;
    g_scales[n] = static_cast<float>(rng.Uniform(1, 1000)) * 1e-5f;
    g_mult[n] = rng.Uniform(1 << 30, 0x7FFFFFFF);
    g_shift[n] = rng.Uniform(-20, 0);
  }
  lowbit_gemm_params p;
  lowbit_gemm_params_init(&p);
  p.n = cs.n;
  p.k = cs.k;
  p.input_type = LOWBIT_DTYPE_INT16;
  p.weight_type = cs.weights;
  p.output_type = LOWBIT_DTYPE_INT16;
  p.requant = LOWBIT_REQUANT_FIXEDPOINT;
  p.weights = g_w;
  p.weight_stride = cs.k;
  if (cs.bias == 1) p.bias = g_bias;
  if (cs.bias == 2) p.bias64 = g_bias64;
  p.input_scale = 0.5f;
  p.weight_scales = g_scales;
  p.weight_scale_count = cs.n;
  p.output_scale = 0.25f;
  p.output_min = cs.qmin;
  p.output_max = cs.qmax;
  if (cs.caller) {
    p.requant_multipliers = g_mult;
    p.requant_shifts = g_shift;
    p.requant_multiplier_count = cs.n;
  }
  lowbit_gemm_t g = nullptr;
  if (!LOWBIT_CHECK(lowbit::PackGemm16Bare(p, kernel, &g, "test") ==
                    LOWBIT_OK)) {
    std::printf("  pack: %s\n", lowbit_last_error());
    return;
  }
  const size_t c_elem = cs.raw ? 8 : 2;
  std::memset(g_c, 0xA5, sizeof(g_c));
  LOWBIT_CHECK(lowbit::RunGemmBare(g, cs.m, g_a, lda, g_c, ldc, cs.raw,
                                   nullptr, 0, "test") == LOWBIT_OK);
  lowbit_gemm_destroy(g);
  lowbit::ref::Gemm16Accumulators(p, cs.m, g_a, lda, g_acc, cs.n);
  std::memset(g_want, 0xA5, sizeof(g_want));
  if (cs.raw) {
    for (size_t i = 0; i < cs.m; ++i) {
      std::memcpy(g_want + i * ldc * 8, g_acc + i * cs.n, cs.n * 8);
    }
  } else {
    lowbit::ref::Requantize16(p, cs.m, g_acc, cs.n,
                              reinterpret_cast<int16_t*>(g_want), ldc);
  }
  const size_t bytes = cs.m * ldc * c_elem;
  for (size_t i = 0; i < bytes + 16; ++i) {
    const size_t col = (i % (ldc * c_elem));
    const bool inside = i < bytes && col < cs.n * c_elem;
    const uint8_t want = inside ? g_want[i] : 0xA5;
    if (g_c[i] != want) {
      char what[160];
      std::snprintf(what, sizeof(what),
                    "%s: m=%u n=%u k=%u w%u raw %d byte %u: want %u got %u",
                    kernel.name, unsigned(cs.m), unsigned(cs.n),
                    unsigned(cs.k), unsigned(welem * 8), int(cs.raw),
                    unsigned(i), unsigned(want), unsigned(g_c[i]));
      Check(false, __FILE__, __LINE__, what);
      return;
    }
  }
  Check(true, __FILE__, __LINE__, "");
}

}  // namespace

void Gemm16Tests() {
  size_t count = 0;
  const lowbit::McuGemm16Kernel* const* kernels =
      lowbit::McuGemm16Kernels(&count);
  for (size_t ki = 0; ki < count; ++ki) {
    const lowbit::McuGemm16Kernel& kernel = *kernels[ki];
    const unsigned before = Results().checks;
    const size_t mr = kernel.mr, nr = kernel.nr, kr = kernel.kr;
    const size_t ks[] = {1, 3, kr - 1, kr, kr + 1, 2 * kr + 5, 61};
    const lowbit_dtype wtypes[] = {LOWBIT_DTYPE_INT8, LOWBIT_DTYPE_INT16};
    uint32_t seed = 1;
    for (lowbit_dtype wt : wtypes) {
      for (size_t k : ks) {
        for (size_t n = 1; n <= 2 * nr + 1; ++n) {
          for (size_t m = 1; m <= 2 * mr + 1; ++m) {
            const int bias = static_cast<int>(seed % 3);
            Run(kernel, {m, n, k, wt, 0, bias, seed % 2 == 0, seed % 5 == 0,
                         seed % 4 == 0 ? -1000 : -32768,
                         seed % 4 == 0 ? 2000 : 32767, seed});
            ++seed;
          }
        }
      }
      // Extremes: every product at its largest, both signs, long K.
      for (int fill = 1; fill <= 2; ++fill) {
        Run(kernel, {mr + 1, nr + 1, 1001, wt, fill, 2, true, false, -32768,
                     32767, seed++});
        Run(kernel, {mr + 1, nr + 1, 1001, wt, fill, 0, false, true, -32768,
                     32767, seed++});
      }
    }
    std::printf("%s: %u checks\n", kernel.name, Results().checks - before);
  }
  // The 16-bit contract's checks, through the C API.
  int8_t w[4] = {1, 2, 3, 4};
  float scale = 1.0f;
  lowbit_gemm_params p;
  lowbit_gemm_params_init(&p);
  p.n = 1;
  p.k = 4;
  p.input_type = LOWBIT_DTYPE_INT16;
  p.output_type = LOWBIT_DTYPE_INT16;
  p.requant = LOWBIT_REQUANT_FIXEDPOINT;
  p.weights = w;
  p.weight_stride = 4;
  p.weight_scales = &scale;
  p.output_min = -32768;
  p.output_max = 32767;
  lowbit_gemm_t g = nullptr;
  lowbit_gemm_params bad = p;
  bad.requant = LOWBIT_REQUANT_FP32;
  LOWBIT_CHECK(lowbit_gemm_pack(&bad, &g) == LOWBIT_ERROR_UNSUPPORTED);
  bad = p;
  bad.input_zero_point = 1;
  LOWBIT_CHECK(lowbit_gemm_pack(&bad, &g) == LOWBIT_ERROR_INVALID_ZERO_POINT);
  bad = p;
  bad.output_type = LOWBIT_DTYPE_INT8;
  LOWBIT_CHECK(lowbit_gemm_pack(&bad, &g) == LOWBIT_ERROR_UNSUPPORTED);
  LOWBIT_CHECK(g == nullptr);
  LOWBIT_CHECK(lowbit_gemm_pack(&p, &g) == LOWBIT_OK);
  const int16_t a[4] = {100, -200, 300, -400};
  int16_t c = 0;
  int64_t c64 = 0;
  int32_t c32 = 0;
  LOWBIT_CHECK(lowbit_gemm_run(g, 1, a, 4, &c, 1, nullptr) == LOWBIT_OK);
  LOWBIT_CHECK(lowbit_gemm_run_int64(g, 1, a, 4, &c64, 1, nullptr) ==
               LOWBIT_OK);
  // 100 - 400 + 900 - 1600 = -1000; scale 1: the same.
  LOWBIT_CHECK(c64 == -1000 && c == -1000);
  LOWBIT_CHECK(lowbit_gemm_run_int32(g, 1, a, 4, &c32, 1, nullptr) ==
               LOWBIT_ERROR_UNSUPPORTED);
  lowbit_gemm_destroy(g);
}

}  // namespace lowbit_test
