#include "fuzz/dq_gemm_case.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "fuzz/gemm_case.h"
#include "kernels/gemm/kernel_table.h"
#include "kernels/operator/dq_gemm_op.h"
#include "kernels/reference/dq_gemm.h"
#include "lowbit/lowbit.h"

namespace lowbit {
namespace fuzz {

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

struct Case {
  lowbit_dq_gemm_params p;
  size_t m, lda, ldc;
  std::vector<uint8_t> w;
  std::vector<float> scales, bias, a;
};

// What the contract (lowbit.h) says packing must reject, by its own
// reading of the parameters: the statuses allowed, none when valid.
std::vector<lowbit_status> PackViolations(const DqSpec& s, const Case& c) {
  std::vector<lowbit_status> v;
  const lowbit_dq_gemm_params& p = c.p;
  if (p.n == 0) v.push_back(LOWBIT_ERROR_INVALID_SIZE);
  if (p.weight_type != LOWBIT_DTYPE_INT8 && p.weight_type != LOWBIT_DTYPE_INT4)
    v.push_back(LOWBIT_ERROR_UNSUPPORTED);
  if (p.weight_stride < p.k) v.push_back(LOWBIT_ERROR_INVALID_STRIDE);
  if (p.block_size != 0 && (p.block_size % 32 != 0 || p.k % p.block_size != 0))
    v.push_back(LOWBIT_ERROR_INVALID_SIZE);
  if (s.bad_scale != 0 && p.n != 0) v.push_back(LOWBIT_ERROR_INVALID_SCALE);
  if (s.bias == 2 && p.n != 0) v.push_back(LOWBIT_ERROR_INVALID_ARGUMENT);
  if (s.clamp >= 3) v.push_back(LOWBIT_ERROR_INVALID_RANGE);
  return v;
}

Case Build(const DqSpec& s) {
  Case c{};
  std::mt19937 rng(s.seed);
  static const size_t kBlocks[] = {0, 32, 64, 128, 48};
  const size_t block = kBlocks[s.block];
  const size_t k = block != 0 ? s.blocks * (block == 48 ? 32 : block)
                              : s.blocks * size_t{7} + 1;
  lowbit_dq_gemm_params_init(&c.p);
  c.p.n = s.n;
  c.p.k = k;
  c.p.weight_type = s.int4 == 0   ? LOWBIT_DTYPE_INT8
                    : s.int4 == 1 ? LOWBIT_DTYPE_INT4
                                  : LOWBIT_DTYPE_UINT8;
  c.p.weight_stride = k + s.ldw_extra;
  c.p.block_size = block;
  const size_t rows = std::max<size_t>(s.n, 1);
  const size_t elems = rows * (k + 9);
  c.w.resize(s.int4 == 1 ? (elems + 1) / 2 : elems);
  std::uniform_int_distribution<int> byte(0, 255);
  for (auto& b : c.w) {
    b = static_cast<uint8_t>(s.w_fill == 0   ? byte(rng)
                             : s.w_fill == 1 ? (s.int4 == 1 ? 0x88 : 0x80)
                                             : (s.int4 == 1 ? 0x77 : 0x7F));
  }
  c.p.weights = c.w.data();
  const size_t per_row = block != 0 && k % block == 0 ? k / block : 1;
  c.scales.resize(rows * per_row);
  std::uniform_real_distribution<float> unit(0.25f, 4.0f);
  for (auto& x : c.scales) x = unit(rng) * 1e-3f;
  const float bad[] = {0.0f, 0.0f, -1.0f, kNaN, kInf};
  if (s.bad_scale != 0) c.scales[s.seed % c.scales.size()] = bad[s.bad_scale];
  c.p.weight_scales = c.scales.data();
  if (s.bias != 0) {
    c.bias.resize(rows);
    for (auto& x : c.bias) x = unit(rng) - 2.0f;
    if (s.bias == 2) c.bias[s.seed % rows] = kNaN;
    c.p.bias = c.bias.data();
  }
  switch (s.clamp) {
    case 1: c.p.output_min = -0.5f; c.p.output_max = 0.75f; break;
    case 2: c.p.output_min = c.p.output_max = 0.25f; break;
    case 3: c.p.output_min = 1.0f; c.p.output_max = -1.0f; break;
    case 4: c.p.output_min = kNaN; break;
    default: break;
  }
  c.m = s.m;
  c.lda = k + s.lda_extra;
  c.ldc = s.n + s.ldc_extra;
  c.a.resize(std::max<size_t>(c.m, 1) * (k + 9));
  std::uniform_real_distribution<float> dist(-2.0f, 1.5f);
  for (size_t i = 0; i < c.a.size(); ++i) {
    float x = dist(rng);
    const size_t row = i / std::max<size_t>(c.lda, 1);
    switch (s.a_fill) {
      case 1: x = row % 2 == 0 ? 0.0f : x; break;
      case 2: x = std::fabs(x); break;
      case 3: x = i % 5 == 0 ? x * 1e30f : x * 1e-30f; break;
      default: break;
    }
    c.a[i] = x;
  }
  if (s.a_fill >= 4 && c.m != 0) {
    const size_t at = (s.seed % c.m) * c.lda + (s.seed >> 8) % k;
    if (at < c.a.size()) {
      c.a[at] = s.a_fill == 4 ? kNaN : s.a_fill == 5 ? -kInf : 3e38f;
      if (s.a_fill == 6) c.a[at - at % c.lda] = -3e38f;
    }
  }
  return c;
}

// Whether row i of a is one the run must reject (lowbit.h).
bool BadRow(const Case& c, size_t i) {
  float lo = 0.0f, hi = 0.0f;
  for (size_t t = 0; t < c.p.k; ++t) {
    const float x = c.a[i * c.lda + t];
    if (!std::isfinite(x)) return true;
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
  return !std::isfinite(hi - lo);
}

void RunAndCompare(const char* who, lowbit_dq_gemm_t gemm, const Case& c,
                   pthreadpool* pool) {
  const bool strides_ok = c.lda >= c.p.k && c.ldc >= c.p.n;
  bool bad_row = false;
  for (size_t i = 0; strides_ok && i < c.m; ++i) bad_row |= BadRow(c, i);
  const float canary = -7.25f;
  const size_t count = c.m != 0 ? (c.m - 1) * c.ldc + c.p.n : 0;
  std::vector<float> out(count + 16, canary);
  const lowbit_status st =
      lowbit_dq_gemm_run(gemm, c.m, c.a.data(), c.lda, out.data(), c.ldc, pool);
  const lowbit_status want = !strides_ok ? LOWBIT_ERROR_INVALID_STRIDE
                             : bad_row   ? LOWBIT_ERROR_INVALID_ARGUMENT
                                         : LOWBIT_OK;
  if (st != want) {
    Die("%s: run returned %d (%s), the contract says %d", who, st,
        lowbit_last_error(), want);
  }
  if (st != LOWBIT_OK) {
    for (float x : out) {
      if (std::memcmp(&x, &canary, sizeof(x)) != 0) Die("%s: failed run wrote C", who);
    }
    return;
  }
  std::vector<float> expected(count + 16, canary);
  ref::DqGemm(c.p, c.m, c.a.data(), c.lda, expected.data(), c.ldc);
  for (size_t i = 0; i < out.size(); ++i) {
    if (std::memcmp(&out[i], &expected[i], sizeof(float)) != 0) {
      Die("%s: C element %zu (row %zu) is %a, the reference gives %a", who, i,
          c.ldc != 0 ? i / c.ldc : 0, out[i], expected[i]);
    }
  }
}

}  // namespace

bool CheckDqGemm(const DqSpec& s) {
  char text[256];
  std::snprintf(text, sizeof(text),
                "dq m=%u n=%u blocks=%u block=%u int4=%u lda+%d ldc+%d ldw+%d "
                "a_fill=%u w_fill=%u bad_scale=%u bias=%u clamp=%u threads=%u "
                "seed=%u",
                s.m, s.n, s.blocks, s.block, s.int4, s.lda_extra, s.ldc_extra,
                s.ldw_extra, s.a_fill, s.w_fill, s.bad_scale, s.bias, s.clamp,
                s.two_threads + 1, s.seed);
  g_case = text;
  const Case c = Build(s);
  const std::vector<lowbit_status> violations = PackViolations(s, c);
  const bool int4 = c.p.weight_type == LOWBIT_DTYPE_INT4;
  std::vector<const GemmKernel*> kernels = int4 ? Int4GemmKernels() : GemmKernels();
  kernels.push_back(nullptr);  // the public entry point
  for (const GemmKernel* kernel : kernels) {
    if (kernel != nullptr && !CpuSupports(*kernel)) continue;
    const char* who = kernel != nullptr ? kernel->name : "lowbit_dq_gemm_pack";
    lowbit_dq_gemm_t gemm = nullptr;
    const auto pack = [&](lowbit_dq_gemm_t* h) {
      return kernel != nullptr ? PackDqGemm(&c.p, *kernel, h)
                               : lowbit_dq_gemm_pack(&c.p, h);
    };
    if (!PackChecked(who, violations, pack, &gemm)) continue;
    RunAndCompare(who, gemm, c, nullptr);
    if (s.two_threads) RunAndCompare(who, gemm, c, TwoThreads());
    lowbit_dq_gemm_destroy(gemm);
  }
  return violations.empty();
}

std::vector<DqSpec> DqSeeds() {
  std::vector<DqSpec> seeds;
  DqSpec base;
  base.m = 9;
  base.n = 53;
  base.blocks = 3;
  base.block = 1;  // 32
  base.int4 = 1;
  base.bias = 1;
  base.seed = 5;
  seeds.push_back(base);
  DqSpec s = base;
  s.int4 = 0;
  s.block = 0;  // int8 per channel
  s.two_threads = 1;
  s.m = 37;
  seeds.push_back(s);
  s = base;
  s.m = 33;
  s.block = 2;
  s.two_threads = 1;  // several row tiles: int4 expanded
  seeds.push_back(s);
  s = base;
  s.a_fill = 3;
  s.w_fill = 1;
  s.clamp = 1;
  seeds.push_back(s);
  s = base;
  s.a_fill = 4;  // a NaN: the run fails
  seeds.push_back(s);
  s = base;
  s.bad_scale = 3;
  seeds.push_back(s);
  return seeds;
}

}  // namespace fuzz
}  // namespace lowbit
