// The exact sweep of DESIGN.md §4 on every GEMM kernel of the bare-metal
// build, against the reference (kernels/reference/gemm.cc), and the C API's
// checks of bad input. Runs bare metal under qemu-system-arm.
#include <cstdio>
#include <cstring>
#include <initializer_list>

#include "kernels/bare/gemm_bare.h"
#include "kernels/bare/mcu_kernel.h"
#include "kernels/reference/gemm.h"
#include "kernels/reference/requant.h"
#include "lowbit/lowbit.h"
#include "tests/bare/check.h"

namespace lowbit_test {
namespace {

using lowbit::McuGemmKernel;

constexpr size_t kMaxA = 16 * 1024, kMaxW = 32 * 1024, kMaxC = 8 * 1024;
constexpr size_t kGuard = 16;
constexpr uint8_t kCanary = 0xA5;
alignas(8) uint8_t g_a[kMaxA];
alignas(8) uint8_t g_w[kMaxW];
alignas(8) uint8_t g_c[kMaxC * 4 + kGuard];
alignas(8) uint8_t g_expected[kMaxC * 4];
alignas(8) uint8_t g_workspace[40 * 1024];
int32_t g_bias[256];
float g_scales[256];
int32_t g_multipliers[256];
int32_t g_shifts[256];

enum class Fill { kRandom, kLow, kHigh, kSmall };

struct Case {
  size_t m = 1, n = 1, k = 1;
  size_t lda = 0, ldc = 0;  // 0: dense
  lowbit_dtype input = LOWBIT_DTYPE_INT8;
  lowbit_dtype weights = LOWBIT_DTYPE_INT8;
  lowbit_dtype output = LOWBIT_DTYPE_INT8;
  int32_t za = 0, zw = 0, zo = 0;
  lowbit_requant requant = LOWBIT_REQUANT_FP32;
  bool per_channel = true;
  bool caller_multipliers = false;
  int32_t qmin = -128, qmax = 127;
  Fill fill = Fill::kRandom;
  bool raw = false;  // int32 accumulators
  uint32_t seed = 1;
  // Ties: no bias, caller multipliers 2^30 and shifts tie_shift (fp32:
  // scales of 1/2), so small accumulators land on exact halves.
  bool ties = false;
  int32_t tie_shift = 0;
};

int32_t Lo(lowbit_dtype t) {
  return t == LOWBIT_DTYPE_UINT8 ? 0 : t == LOWBIT_DTYPE_INT4 ? -8 : -128;
}
int32_t Hi(lowbit_dtype t) {
  return t == LOWBIT_DTYPE_UINT8 ? 255 : t == LOWBIT_DTYPE_INT4 ? 7 : 127;
}

int32_t Value(Rng& rng, lowbit_dtype t, Fill fill) {
  if (fill == Fill::kLow) return Lo(t);
  if (fill == Fill::kHigh) return Hi(t);
  if (fill == Fill::kSmall) return rng.Uniform(-3, 3) + (t == LOWBIT_DTYPE_UINT8 ? 128 : 0);
  return rng.Uniform(Lo(t), Hi(t));
}

// One case on one kernel: pack, run through the workspace, compare every
// output byte with the reference and check the canaries past C.
void RunCase(const McuGemmKernel& kernel, const Case& cs) {
  const size_t lda = cs.lda != 0 ? cs.lda : cs.k;
  const size_t ldc = cs.ldc != 0 ? cs.ldc : cs.n;
  const size_t c_elem = cs.raw ? 4 : 1;
  if (cs.m * lda > kMaxA || cs.n * cs.k > kMaxW || cs.m * ldc > kMaxC ||
      cs.n > 256) {
    LOWBIT_CHECK(!"case too large for the test buffers");
    return;
  }
  Rng rng(cs.seed * 2654435761u + static_cast<uint32_t>(cs.m * 131 + cs.n * 17 + cs.k));
  for (size_t i = 0; i < cs.m * lda; ++i) {
    g_a[i] = static_cast<uint8_t>(Value(rng, cs.input, cs.fill));
  }
  if (cs.weights == LOWBIT_DTYPE_INT4) std::memset(g_w, 0, (cs.n * cs.k + 1) / 2);
  for (size_t i = 0; i < cs.n * cs.k; ++i) {
    // Extremes on both sides: weights opposite to the activations too.
    const Fill f = cs.fill == Fill::kRandom || cs.fill == Fill::kSmall
                       ? cs.fill
                   : (i % 2 == 0)           ? cs.fill
                                            : (cs.fill == Fill::kLow ? Fill::kHigh : Fill::kLow);
    const int32_t v = Value(rng, cs.weights, f);
    if (cs.weights == LOWBIT_DTYPE_INT4) {  // nibble i, low first
      const int32_t nibble = (cs.fill == Fill::kSmall ? v % 8 : v) & 0xF;
      g_w[i / 2] |= static_cast<uint8_t>(i % 2 == 0 ? nibble : nibble << 4);
    } else {
      g_w[i] = static_cast<uint8_t>(v);
    }
  }
  for (size_t n = 0; n < cs.n; ++n) {
    g_bias[n] = cs.ties ? 0 : rng.Uniform(-(1 << 20), 1 << 20);
    // Ties: fp32 scales of exactly 1/2 (x.5 halves round to even).
    g_scales[n] = cs.ties
                      ? 1.0f
                      : static_cast<float>(rng.Uniform(1, 1000)) * 1e-4f;
    g_multipliers[n] =
        cs.ties ? 1 << 30 : rng.Uniform(1 << 30, 0x7FFFFFFF);
    g_shifts[n] = cs.ties ? cs.tie_shift : rng.Uniform(-12, 1);
  }
  lowbit_gemm_params p;
  lowbit_gemm_params_init(&p);
  p.n = cs.n;
  p.k = cs.k;
  p.input_type = cs.input;
  p.weight_type = cs.weights;
  p.output_type = cs.output;
  p.requant = cs.requant;
  p.weights = g_w;
  p.weight_stride = cs.k;
  p.bias = g_bias;
  p.input_scale = 0.5f;
  p.input_zero_point = cs.za;
  p.weight_scales = g_scales;
  p.weight_scale_count = cs.per_channel ? cs.n : 1;
  p.weight_zero_point = cs.zw;
  p.output_scale = cs.ties ? 1.0f : 0.25f;
  p.output_zero_point = cs.zo;
  p.output_min = cs.qmin;
  p.output_max = cs.qmax;
  if (cs.caller_multipliers) {
    p.requant_multipliers = g_multipliers;
    p.requant_shifts = g_shifts;
    p.requant_multiplier_count = cs.per_channel ? cs.n : 1;
  }
  lowbit_gemm_t gemm = nullptr;
  if (!LOWBIT_CHECK(lowbit::PackGemmBare(&p, kernel, &gemm, "test") ==
                    LOWBIT_OK)) {
    std::printf("  pack failed: %s\n", lowbit_last_error());
    return;
  }
  size_t need = 0;
  LOWBIT_CHECK(lowbit_gemm_workspace_size(gemm, cs.m, &need) == LOWBIT_OK);
  LOWBIT_CHECK(need <= sizeof(g_workspace));
  std::memset(g_c, kCanary, sizeof(g_c));
  const lowbit_status run =
      lowbit::RunGemmBare(gemm, cs.m, g_a, lda, g_c, ldc, cs.raw, g_workspace,
                          need, "test");
  LOWBIT_CHECK(run == LOWBIT_OK);
  lowbit_gemm_destroy(gemm);
  if (cs.raw) {
    lowbit::ref::GemmAccumulators(p, cs.m, g_a, lda,
                                  reinterpret_cast<int32_t*>(g_expected), ldc);
  } else {
    lowbit::ref::Gemm(p, cs.m, g_a, lda, g_expected, ldc);
  }
  for (size_t i = 0; i < cs.m; ++i) {
    for (size_t j = 0; j < ldc * c_elem; ++j) {
      const size_t at = i * ldc * c_elem + j;
      const bool inside = j < cs.n * c_elem;
      const uint8_t want = inside ? g_expected[at] : kCanary;
      if (g_c[at] != want) {
        char what[200];
        std::snprintf(what, sizeof(what),
                      "%s: m=%u n=%u k=%u mode=%d row %u byte %u: want %u, got %u",
                      kernel.name, unsigned(cs.m), unsigned(cs.n),
                      unsigned(cs.k), int(cs.requant), unsigned(i),
                      unsigned(j), unsigned(want), unsigned(g_c[at]));
        Check(false, __FILE__, __LINE__, what);
        return;
      }
    }
  }
  for (size_t j = 0; j < kGuard; ++j) {
    if (!LOWBIT_CHECK(g_c[cs.m * ldc * c_elem + j] == kCanary)) return;
  }
  Check(true, __FILE__, __LINE__, "");
}

void Sweep(const McuGemmKernel& kernel) {
  const unsigned before = Results().checks;
  const size_t mr = kernel.mr, nr = kernel.layout.nr, kr = kernel.layout.kr;
  // K below, at and above the kernel's K group, in prime steps.
  const size_t ks[] = {1, 2, 3, 5, 7, kr - 1, kr, kr + 1, 2 * kr + 3, 61, 64, 97};
  for (size_t k : ks) {
    if (k == 0) continue;
    for (size_t n = 1; n <= 2 * nr + 1; ++n) {
      for (size_t m = 1; m <= 2 * mr + 1; m += (m < mr + 1 ? 1 : mr)) {
        Case cs;
        cs.m = m;
        cs.n = n;
        cs.k = k;
        cs.seed = static_cast<uint32_t>(k * 7 + n);
        RunCase(kernel, cs);
      }
    }
  }
  // Every mode, data type, zero point at both ends, clamps, strides.
  const lowbit_requant modes[] = {LOWBIT_REQUANT_FP32,
                                  LOWBIT_REQUANT_FIXEDPOINT,
                                  LOWBIT_REQUANT_FIXEDPOINT_SINGLE};
  const lowbit_dtype types[] = {LOWBIT_DTYPE_INT8, LOWBIT_DTYPE_UINT8};
  uint32_t seed = 100;
  for (lowbit_requant mode : modes) {
    for (lowbit_dtype in : types) {
      for (lowbit_dtype w : types) {
        for (int end = 0; end < 3; ++end) {
          Case cs;
          cs.m = mr + 1;
          cs.n = 2 * nr + 1;
          cs.k = 2 * kr + 5;
          cs.lda = cs.k + 3;
          cs.ldc = cs.n + 2;
          cs.input = in;
          cs.weights = w;
          cs.output = ++seed % 2 == 0 ? LOWBIT_DTYPE_INT8 : LOWBIT_DTYPE_UINT8;
          cs.requant = mode;
          cs.za = end == 0 ? Lo(in) : end == 1 ? Hi(in) : (Lo(in) + Hi(in)) / 2;
          cs.zw = w == LOWBIT_DTYPE_UINT8 ? (end == 0 ? 0 : end == 1 ? 255 : 128) : 0;
          cs.zo = end == 0 ? Lo(cs.output) : end == 1 ? Hi(cs.output) : Lo(cs.output) + 100;
          cs.qmin = Lo(cs.output) + (end == 2 ? 20 : 0);
          cs.qmax = Hi(cs.output) - (end == 2 ? 30 : 0);
          cs.per_channel = end != 1;
          cs.caller_multipliers = mode != LOWBIT_REQUANT_FP32 && end == 2;
          cs.seed = seed;
          RunCase(kernel, cs);
          // Extreme inputs: all at one end, weights alternating ends.
          cs.fill = Fill::kLow;
          RunCase(kernel, cs);
          cs.fill = Fill::kHigh;
          RunCase(kernel, cs);
          cs.fill = Fill::kRandom;
          cs.raw = true;
          RunCase(kernel, cs);
        }
      }
    }
  }
  // Exact ties of the fixed-point rounding, negative ones included: small
  // products (k = 1, 2) through a multiplier of 1/2 and right shifts.
  for (int32_t shift = 0; shift >= -3; --shift) {
    for (size_t k : {size_t{1}, size_t{2}, kr + 1}) {
      Case cs;
      cs.m = 2 * mr + 1;
      cs.n = 2 * nr + 1;
      cs.k = k;
      cs.requant = LOWBIT_REQUANT_FIXEDPOINT;
      cs.caller_multipliers = true;
      cs.ties = true;
      cs.tie_shift = shift;
      cs.fill = Fill::kSmall;
      cs.seed = static_cast<uint32_t>(500 - shift);
      RunCase(kernel, cs);
      cs.requant = LOWBIT_REQUANT_FIXEDPOINT_SINGLE;
      RunCase(kernel, cs);
      cs.requant = LOWBIT_REQUANT_FP32;
      cs.caller_multipliers = false;
      RunCase(kernel, cs);
    }
  }
  // A long K at the extremes (the accumulator near its limit) and a wide N.
  const Fill ends[] = {Fill::kLow, Fill::kHigh};
  for (Fill fill : ends) {
    Case cs;
    cs.m = mr;
    cs.n = nr;
    cs.k = 4093;
    cs.fill = fill;
    cs.raw = true;
    RunCase(kernel, cs);
  }
  Case wide;
  wide.m = 2 * mr + 1;
  wide.n = 67;
  wide.k = 33;
  wide.requant = LOWBIT_REQUANT_FIXEDPOINT;
  RunCase(kernel, wide);
  std::printf("%s: %u checks\n", kernel.name, Results().checks - before);
}

// The int4 forms: shapes around their groups and blocks, both activation
// types with zero points at both ends, every mode, ties, extremes.
void Int4Sweep(const McuGemmKernel& kernel) {
  const unsigned before = Results().checks;
  const size_t mr = kernel.mr, nr = kernel.layout.nr, kr = kernel.layout.kr;
  const size_t ks[] = {1, 2, 3, kr - 1, kr, kr + 1, 2 * kr + 3, 64, 97};
  for (size_t k : ks) {
    for (size_t n = 1; n <= 2 * nr + 1; ++n) {
      for (size_t m = 1; m <= 2 * mr + 1; m += (m < mr + 1 ? 1 : mr)) {
        Case cs;
        cs.m = m;
        cs.n = n;
        cs.k = k;
        cs.weights = LOWBIT_DTYPE_INT4;
        cs.seed = static_cast<uint32_t>(k * 11 + n);
        RunCase(kernel, cs);
      }
    }
  }
  const lowbit_requant modes[] = {LOWBIT_REQUANT_FP32,
                                  LOWBIT_REQUANT_FIXEDPOINT,
                                  LOWBIT_REQUANT_FIXEDPOINT_SINGLE};
  const lowbit_dtype inputs[] = {LOWBIT_DTYPE_INT8, LOWBIT_DTYPE_UINT8};
  uint32_t seed = 300;
  for (lowbit_requant mode : modes) {
    for (lowbit_dtype in : inputs) {
      for (int end = 0; end < 2; ++end) {
        Case cs;
        cs.m = 2 * mr + 1;
        cs.n = 2 * nr + 1;
        cs.k = 3 * kr + 1;
        cs.lda = cs.k + 5;
        cs.ldc = cs.n + 1;
        cs.input = in;
        cs.weights = LOWBIT_DTYPE_INT4;
        cs.requant = mode;
        cs.za = end == 0 ? Lo(in) : Hi(in);
        cs.zo = end == 0 ? 7 : -9;
        cs.caller_multipliers = mode != LOWBIT_REQUANT_FP32 && end == 1;
        cs.seed = ++seed;
        RunCase(kernel, cs);
        cs.fill = Fill::kLow;
        RunCase(kernel, cs);
        cs.fill = Fill::kHigh;
        RunCase(kernel, cs);
        cs.fill = Fill::kRandom;
        cs.raw = true;
        RunCase(kernel, cs);
      }
    }
  }
  for (int32_t shift = -1; shift >= -2; --shift) {
    Case cs;
    cs.m = 2 * mr + 1;
    cs.n = nr + 1;
    cs.k = 2;
    cs.weights = LOWBIT_DTYPE_INT4;
    cs.requant = LOWBIT_REQUANT_FIXEDPOINT;
    cs.caller_multipliers = true;
    cs.ties = true;
    cs.tie_shift = shift;
    cs.fill = Fill::kSmall;
    RunCase(kernel, cs);
  }
  std::printf("%s: %u checks\n", kernel.name, Results().checks - before);
}

// Bad input: a clear status, nothing written.
void BadInput() {
  int8_t w[16] = {1, 2, 3};
  float scale = 1.0f;
  lowbit_gemm_params p;
  lowbit_gemm_params_init(&p);
  p.n = 4;
  p.k = 4;
  p.weights = w;
  p.weight_stride = 4;
  p.weight_scales = &scale;
  lowbit_gemm_t g = nullptr;
  LOWBIT_CHECK(lowbit_gemm_pack(nullptr, &g) == LOWBIT_ERROR_NULL_POINTER);
  LOWBIT_CHECK(lowbit_gemm_pack(&p, nullptr) == LOWBIT_ERROR_NULL_POINTER);
  lowbit_gemm_params bad = p;
  bad.n = 0;
  LOWBIT_CHECK(lowbit_gemm_pack(&bad, &g) == LOWBIT_ERROR_INVALID_SIZE);
  float nan_scale = __builtin_nanf("");
  bad = p;
  bad.weight_scales = &nan_scale;
  LOWBIT_CHECK(lowbit_gemm_pack(&bad, &g) == LOWBIT_ERROR_INVALID_SCALE);
  bad = p;
  bad.input_zero_point = 128;
  LOWBIT_CHECK(lowbit_gemm_pack(&bad, &g) == LOWBIT_ERROR_INVALID_ZERO_POINT);
  bad = p;
  bad.weight_stride = 3;
  LOWBIT_CHECK(lowbit_gemm_pack(&bad, &g) == LOWBIT_ERROR_INVALID_STRIDE);

  LOWBIT_CHECK(g == nullptr);

  // UINT8 activations: every kernel converts them, in the workspace.
  lowbit_gemm_params u = p;
  u.input_type = LOWBIT_DTYPE_UINT8;
  u.input_zero_point = 128;
  LOWBIT_CHECK(lowbit_gemm_pack(&u, &g) == LOWBIT_OK);
  uint8_t a[8] = {129, 130, 131, 132, 133, 134, 135, 136};  // 1..8
  int8_t c[8] = {0};
  size_t need = 0;
  LOWBIT_CHECK(lowbit_gemm_workspace_size(g, 2, &need) == LOWBIT_OK);
  LOWBIT_CHECK(need > 0);
  // Runs allocate nothing: without a workspace the run says which call to use.
  LOWBIT_CHECK(lowbit_gemm_run(g, 2, a, 4, c, 4, nullptr) ==
               LOWBIT_ERROR_UNSUPPORTED);
  LOWBIT_CHECK(std::strstr(lowbit_last_error(), "lowbit_gemm_run_workspace") !=
               nullptr);
  LOWBIT_CHECK(lowbit_gemm_run_workspace(g, 2, a, 4, c, 4, g_workspace,
                                         need - 1) ==
               LOWBIT_ERROR_INVALID_ARGUMENT);
  LOWBIT_CHECK(lowbit_gemm_run_workspace(g, 2, a, 4, c, 4, g_workspace + 4,
                                         need) == LOWBIT_ERROR_INVALID_ARGUMENT);
  LOWBIT_CHECK(lowbit_gemm_run_workspace(g, 2, a, 3, c, 4, g_workspace,
                                         need) == LOWBIT_ERROR_INVALID_STRIDE);
  LOWBIT_CHECK(lowbit_gemm_run_workspace(g, 2, nullptr, 4, c, 4, g_workspace,
                                         need) == LOWBIT_ERROR_NULL_POINTER);
  LOWBIT_CHECK(lowbit_gemm_run_workspace(g, 0, nullptr, 4, nullptr, 4, nullptr,
                                         0) == LOWBIT_OK);
  int pool = 0;
  LOWBIT_CHECK(lowbit_gemm_run(g, 2, a, 4, c, 4,
                               reinterpret_cast<pthreadpool*>(&pool)) ==
               LOWBIT_ERROR_INVALID_ARGUMENT);
  for (int8_t v : c) LOWBIT_CHECK(v == 0);
  LOWBIT_CHECK(lowbit_gemm_run_workspace(g, 2, a, 4, c, 4, g_workspace,
                                         need) == LOWBIT_OK);
  // 1*1+2*2+3*3 = 14, 5*1+6*2+7*3 = 38 in channel 0; channels 1-3 are 0.
  LOWBIT_CHECK(c[0] == 14 && c[4] == 38 && c[1] == 0 && c[7] == 0);
  lowbit_gemm_destroy(g);

  // INT8 activations on a kernel that reads them in place (Helium): no
  // workspace, and lowbit_gemm_run itself runs.
  LOWBIT_CHECK(lowbit_gemm_pack(&p, &g) == LOWBIT_OK);
  LOWBIT_CHECK(lowbit_gemm_workspace_size(g, 2, &need) == LOWBIT_OK);
  size_t count = 0;
  const bool in_place = lowbit::McuGemmKernels(&count)[0]->in_place;
  LOWBIT_CHECK((need == 0) == in_place);
  const int8_t s8[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  std::memset(c, 0, sizeof(c));
  LOWBIT_CHECK(lowbit_gemm_run(g, 2, s8, 4, c, 4, nullptr) ==
               (in_place ? LOWBIT_OK : LOWBIT_ERROR_UNSUPPORTED));
  LOWBIT_CHECK(!in_place || (c[0] == 14 && c[4] == 38));
  lowbit_gemm_destroy(g);
  lowbit_gemm_destroy(nullptr);
}

}  // namespace

Tally& Results() {
  static Tally tally;
  return tally;
}

bool Check(bool ok, const char* file, int line, const char* what) {
  ++Results().checks;
  if (!ok && ++Results().failures <= 20) {
    std::printf("FAILED %s:%d: %s\n", file, line, what);
  }
  return ok;
}

}  // namespace lowbit_test

int main() {
  using namespace lowbit_test;
  std::printf("%s\n", lowbit_info());
  size_t count = 0;
  const lowbit::McuGemmKernel* const* kernels = lowbit::McuGemmKernels(&count);
  for (size_t i = 0; i < count; ++i) Sweep(*kernels[i]);
  const lowbit::McuGemmKernel* const* int4 = lowbit::McuInt4GemmKernels(&count);
  for (size_t i = 0; i < count; ++i) Int4Sweep(*int4[i]);
  BadInput();
  ConvTests();
  Gemm16Tests();
  Conv16Tests();
  QuantizeTests();
  std::printf("%u checks, %u failed\n", Results().checks, Results().failures);
  return Results().failures == 0 ? 0 : 1;
}
