#include "fuzz/gemm_case.h"

#include <pthreadpool.h>

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <string>

#include "kernels/gemm/kernel_table.h"
#include "kernels/operator/gemm_op.h"
#include "kernels/reference/gemm.h"
#include "kernels/reference/requant.h"
#include "lowbit/lowbit.h"

namespace lowbit {
namespace fuzz {

std::string g_case;  // the decoded case, for failure reports

[[noreturn]] void Die(const char* format, ...) {
  va_list args;
  va_start(args, format);
  std::fprintf(stderr, "lowbit_fuzzer: MISMATCH: ");
  std::vfprintf(stderr, format, args);
  va_end(args);
  std::fprintf(stderr, "\ncase: %s\n", g_case.c_str());
  std::abort();
}

namespace {

constexpr int32_t kInt32Max = std::numeric_limits<int32_t>::max();
constexpr int32_t kInt32Min = std::numeric_limits<int32_t>::min();

// Choice 6 is INT32 for activations and outputs, INT4 for weights.
lowbit_dtype Type(uint8_t choice, int32_t raw, bool weights = false) {
  int32_t v = raw;
  if (choice <= 2)
    v = LOWBIT_DTYPE_INT8;
  else if (choice <= 5)
    v = LOWBIT_DTYPE_UINT8;
  else if (choice == 6)
    v = weights ? LOWBIT_DTYPE_INT4 : LOWBIT_DTYPE_INT32;
  lowbit_dtype t;
  std::memcpy(&t, &v, sizeof(t));  // any int32, as a C caller may store
  return t;
}

// The contract's own type ranges, written here independently of lowbit.
bool Is8Bit(lowbit_dtype t) {
  return t == LOWBIT_DTYPE_INT8 || t == LOWBIT_DTYPE_UINT8;
}
int32_t Lo(lowbit_dtype t) {
  return t == LOWBIT_DTYPE_UINT8 ? 0 : t == LOWBIT_DTYPE_INT4 ? -8 : -128;
}
int32_t Hi(lowbit_dtype t) {
  return t == LOWBIT_DTYPE_UINT8 ? 255 : t == LOWBIT_DTYPE_INT4 ? 7 : 127;
}
// Weight element i: int4 weights two per byte, low nibble first.
int64_t WeightValue(const lowbit_gemm_params& p, size_t i) {
  const auto* bytes = static_cast<const uint8_t*>(p.weights);
  if (p.weight_type == LOWBIT_DTYPE_INT4) {
    const int nibble = (bytes[i / 2] >> (i % 2 * 4)) & 0xF;
    return nibble < 8 ? nibble : nibble - 16;
  }
  if (p.weight_type == LOWBIT_DTYPE_UINT8) return bytes[i];
  return static_cast<int8_t>(bytes[i]);
}

int32_t ZeroPoint(uint8_t mode, int32_t raw, lowbit_dtype t) {
  const int64_t lo = Lo(t), hi = Hi(t);
  const uint32_t u = static_cast<uint32_t>(raw);
  switch (mode) {
    case 0:
    case 1:
      return static_cast<int32_t>(lo + u % (hi - lo + 1));
    case 2:
      return static_cast<int32_t>(lo);
    case 3:
      return static_cast<int32_t>(hi);
    case 4:
      return 0;
    case 5:
      return static_cast<int32_t>((lo + hi) / 2);
    case 6:
      return raw;
    default:
      return static_cast<int32_t>((u & 1) ? hi + 1 : lo - 1);
  }
}

// Scales: ordinary values, powers of two and their neighbours (where
// rounding decisions flip), and every kind of bad value.
float Scale(uint8_t kind, float raw_float) {
  uint32_t raw;
  std::memcpy(&raw, &raw_float, sizeof(raw));
  const float mantissa = 1.0f + static_cast<float>(raw & 0x7FFFFF) / 8388608.0f;
  const int spread = static_cast<int>((raw >> 23) % 16);
  switch (kind) {
    case 0:
    case 1:
    case 2:
    case 3:
    case 4:
    case 5:
      return std::ldexp(mantissa, spread - 12);
    case 6:
      return std::ldexp(1.0f, static_cast<int>(raw % 90) - 45);
    case 7: {
      const float p = std::ldexp(1.0f, static_cast<int>(raw % 60) - 30);
      return std::nextafter(p, (raw & 0x80000000u) ? 0.0f : 1e30f);
    }
    case 8:
      return std::ldexp(mantissa, -40 - spread);
    case 9:
      return std::ldexp(mantissa, 20 + spread);
    case 10:
      return 0.0f;
    case 11:
      return -std::ldexp(mantissa, spread - 8);
    case 12:
      return std::numeric_limits<float>::quiet_NaN();
    case 13:
      return (raw & 1) ? std::numeric_limits<float>::infinity()
                       : -std::numeric_limits<float>::infinity();
    case 14:
      return std::numeric_limits<float>::denorm_min() * (1 + raw % 1000);
    default:
      return raw_float;
  }
}

}  // namespace

std::vector<uint8_t> FillData(size_t count, uint8_t fill, lowbit_dtype t,
                              int32_t zero_point, std::mt19937& rng,
                              const std::vector<uint8_t>& raw) {
  const bool int4 = t == LOWBIT_DTYPE_INT4;
  const int32_t lo = Is8Bit(t) || int4 ? Lo(t) : 0;
  const int32_t hi = Is8Bit(t) || int4 ? Hi(t) : 255;
  std::vector<uint8_t> v(count);
  for (size_t i = 0; i < count; ++i) {
    int32_t x = 0;
    switch (fill) {
      case 1:
        x = lo;
        break;
      case 2:
        x = hi;
        break;
      case 3:
        x = (i & 1) ? hi : lo;
        break;
      case 4:
        x = std::min(std::max(zero_point, lo), hi);
        break;
      case 5:
        if (!raw.empty()) {
          v[i] = raw[i % raw.size()];
          continue;
        }
        x = static_cast<int32_t>(lo + rng() % (hi - lo + 1));
        break;
      case 6:
        x = static_cast<int32_t>(rng() % 7) - 3 + (lo + hi + 1) / 2;
        break;
      default:
        x = static_cast<int32_t>(lo + rng() % (hi - lo + 1));
        break;
    }
    v[i] = static_cast<uint8_t>(x);
  }
  if (!int4) return v;
  // Values two per byte (raw bytes: their low nibbles).
  std::vector<uint8_t> packed((count + 1) / 2, 0);
  for (size_t i = 0; i < count; ++i) {
    packed[i / 2] |= static_cast<uint8_t>((v[i] & 0xF) << (i % 2 * 4));
  }
  return packed;
}

namespace {

}  // namespace

Built Build(const GemmSpec& s) {
  Built b;
  std::mt19937 rng(s.seed);
  b.m = s.m;
  b.n = s.n;
  b.k = s.k;
  if (s.big_k) {
    b.k = 30000 + size_t{s.k} * 33;
    b.m = std::min<size_t>(b.m, 2);
    b.n = std::min<size_t>(b.n, 3);
  }
  // Keep one execution short: M x N x K within 2^21.
  while (b.m > 1 && b.m * b.n * b.k > (size_t{1} << 21)) b.m /= 2;
  while (b.n > 1 && b.m * b.n * b.k > (size_t{1} << 21)) b.n /= 2;
  const auto stride = [](size_t len, int extra) {
    return extra < 0 && len < static_cast<size_t>(-extra) ? 0 : len + extra;
  };
  b.lda = stride(b.k, s.lda_extra);
  b.ldw = stride(b.k, s.ldw_extra);
  b.ldc = stride(b.n, s.ldc_extra);

  lowbit_gemm_params& p = b.p;
  lowbit_gemm_params_init(&p);
  p.n = b.n;
  p.k = b.k;
  p.input_type = Type(s.input_type, s.raw_type);
  p.weight_type = Type(s.weight_type, s.raw_type, /*weights=*/true);
  p.output_type = Type(s.output_type, s.raw_type);
  int32_t requant = s.raw_requant;
  if (s.requant < 3) requant = static_cast<int32_t>(s.requant) + 1;
  std::memcpy(&p.requant, &requant, sizeof(requant));
  p.input_zero_point = ZeroPoint(s.za_mode, s.za, p.input_type);
  p.weight_zero_point = p.weight_type != LOWBIT_DTYPE_UINT8 && s.zw_mode < 4
                            ? 0  // mostly the symmetric weights' only value
                            : ZeroPoint(s.zw_mode, s.zw, p.weight_type);
  p.output_zero_point = ZeroPoint(s.zo_mode, s.zo, p.output_type);

  const size_t a_len = b.m == 0 ? 1 : (b.m - 1) * std::max(b.lda, b.k) + b.k;
  const size_t w_len =
      b.n == 0 ? 1
               : (b.n - 1) * std::max(b.ldw, b.k) + std::max<size_t>(b.k, 1);
  b.a = FillData(a_len, s.a_fill, p.input_type, p.input_zero_point, rng,
                 s.raw_data);
  b.w = FillData(w_len, s.w_fill, p.weight_type, p.weight_zero_point, rng,
                 s.raw_data);
  p.weights = (s.flags & GemmSpec::kNullWeights) ? nullptr : b.w.data();
  p.weight_stride = b.ldw;

  const size_t special = b.n == 0 ? 0 : s.special_channel % b.n;
  if (s.bias_mode != 0) {
    b.bias.resize(std::max<size_t>(b.n, 1));
    for (auto& x : b.bias) {
      x = s.bias_mode == 2 ? ((rng() & 1) ? kInt32Max : kInt32Min + (rng() & 1))
                           : static_cast<int32_t>(rng() % 40001) - 20000;
    }
    if (s.bias_mode == 3) b.bias[special] = s.raw_bias;
    p.bias = b.bias.data();
  }

  // Scales. Output kind 0 maps a random accumulator's spread onto about
  // +-60 output steps, so outputs are neither all clamped nor all zero.
  p.input_scale = Scale(s.input_scale_kind, s.input_scale);
  const float ws = Scale(s.weight_scale_kind, s.weight_scale);
  const size_t count = s.per_channel == 0   ? 1
                       : s.per_channel == 1 ? b.n
                                            : b.n + 1 + s.special_channel % 3;
  b.scales.resize(std::max<size_t>(count, 1));
  std::uniform_real_distribution<float> jitter(0.5f, 2.0f);
  for (auto& x : b.scales) x = s.weight_scale_kind < 6 ? ws * jitter(rng) : ws;
  if (s.weight_scale_kind == 15 && count > 0) {
    b.scales[special % count] = s.weight_scale;
  }
  if (s.output_scale_kind == 0) {
    const float spread = 75.0f * 75.0f * std::sqrt(static_cast<float>(b.k + 1));
    p.output_scale = p.input_scale * ws * spread / 60.0f;
  } else {
    p.output_scale = Scale(s.output_scale_kind, s.output_scale);
  }
  p.weight_scales =
      (s.flags & GemmSpec::kNullScales) ? nullptr : b.scales.data();
  p.weight_scale_count = count;

  // Caller multipliers: QuantizeMultiplier of the TFLite FULLY_CONNECTED
  // scale, moved within [2^30, 2^31); the special channel takes raw values.
  if (s.multipliers != 0) {
    const size_t mcount = s.multipliers == 1   ? 1
                          : s.multipliers == 2 ? b.n
                                               : b.n + 2;
    b.multipliers.resize(std::max<size_t>(mcount, 1));
    b.shifts.resize(b.multipliers.size());
    for (size_t i = 0; i < b.multipliers.size(); ++i) {
      const float wsi = b.scales[i % b.scales.size()];
      int32_t m = 1 << 30, sh = static_cast<int32_t>(rng() % 40) - 31;
      ref::QuantizeMultiplier(
          static_cast<double>(p.input_scale * wsi) / p.output_scale, &m, &sh);
      const int64_t moved =
          int64_t{m} + static_cast<int64_t>(rng() % 200001) - 100000;
      b.multipliers[i] = static_cast<int32_t>(
          std::min<int64_t>(std::max<int64_t>(moved, 1 << 30), kInt32Max));
      b.shifts[i] = sh;
    }
    if (s.special_channel & 1) {
      b.multipliers[special % b.multipliers.size()] = s.raw_multiplier;
      b.shifts[special % b.shifts.size()] = s.raw_shift;
    }
    p.requant_multipliers = b.multipliers.data();
    p.requant_shifts = b.shifts.data();
    p.requant_multiplier_count = mcount;
  }

  // The output clamp.
  const int32_t lo = Is8Bit(p.output_type) ? Lo(p.output_type) : -128;
  const int32_t hi = Is8Bit(p.output_type) ? Hi(p.output_type) : 127;
  const int32_t zo_in = std::min(std::max(p.output_zero_point, lo), hi);
  const auto within = [&](int32_t raw) {
    return lo +
           static_cast<int32_t>(static_cast<uint32_t>(raw) % (hi - lo + 1));
  };
  switch (s.clamp_mode) {
    case 0:
      p.output_min = lo;
      p.output_max = hi;
      break;
    case 1:
      p.output_min = zo_in;
      p.output_max = hi;
      break;
    case 2:
      p.output_min = zo_in;
      p.output_max = std::min(hi, zo_in + within(s.raw_qmax) - lo);
      break;
    case 3:
      p.output_min = std::min(within(s.raw_qmin), within(s.raw_qmax));
      p.output_max = std::max(within(s.raw_qmin), within(s.raw_qmax));
      break;
    case 4:
      p.output_min = p.output_max = within(s.raw_qmin);
      break;
    case 5:
      p.output_min = within(s.raw_qmin) + 1;
      p.output_max = p.output_min - 1;
      break;
    case 6:
      p.output_min = s.raw_qmin;
      p.output_max = s.raw_qmax;
      break;
    default: {
      // Through lowbit_output_range, with any activation value.
      lowbit_activation act;
      const int32_t a =
          s.raw_qmin % 5 == 4 ? s.raw_qmin : std::abs(s.raw_qmin % 5);
      std::memcpy(&act, &a, sizeof(a));
      float fmin = 0, fmax = 0;
      const int32_t q = s.raw_qmax;
      fmin = static_cast<float>(q % 200) / 10.0f - 10.0f;
      fmax = fmin +
             static_cast<float>((static_cast<uint32_t>(q) >> 8) % 300) / 10.0f;
      int32_t qmin = 7, qmax = 7;
      const lowbit_status st =
          lowbit_output_range(act, fmin, fmax, p.output_scale,
                              p.output_zero_point, p.output_type, &qmin, &qmax);
      if (st == LOWBIT_OK) {
        if (!Is8Bit(p.output_type) || qmin > qmax || qmin < lo || qmax > hi) {
          Die("lowbit_output_range returned [%d, %d]", qmin, qmax);
        }
        p.output_min = qmin;
        p.output_max = qmax;
      } else if (qmin != 7 || qmax != 7) {
        Die("lowbit_output_range failed (%d) but wrote its outputs", st);
      }
      break;
    }
  }

  b.first_layout = (s.flags & GemmSpec::kFirstLayout) != 0;
  b.raw_int32 = (s.flags & GemmSpec::kRawInt32) != 0;
  b.two_threads = (s.flags & GemmSpec::kTwoThreads) != 0;
  b.k_part_groups = s.k_part_groups;
  return b;
}

std::vector<lowbit_status> ContractViolations(const lowbit_gemm_params& p) {
  std::vector<lowbit_status> v;
  if (p.weights == nullptr) v.push_back(LOWBIT_ERROR_NULL_POINTER);
  if (p.n == 0 || p.k == 0) v.push_back(LOWBIT_ERROR_INVALID_SIZE);
  if (p.weight_stride < p.k) v.push_back(LOWBIT_ERROR_INVALID_STRIDE);
  const bool types = Is8Bit(p.input_type) &&
                     (Is8Bit(p.weight_type) ||
                      p.weight_type == LOWBIT_DTYPE_INT4) &&
                     Is8Bit(p.output_type);
  if (!types) v.push_back(LOWBIT_ERROR_UNSUPPORTED);
  const bool fixed = p.requant == LOWBIT_REQUANT_FIXEDPOINT ||
                     p.requant == LOWBIT_REQUANT_FIXEDPOINT_SINGLE;
  if (!fixed && p.requant != LOWBIT_REQUANT_FP32) {
    v.push_back(LOWBIT_ERROR_UNSUPPORTED);
  }
  const bool given = p.requant_multipliers != nullptr ||
                     p.requant_shifts != nullptr ||
                     p.requant_multiplier_count != 0;
  if (given) {
    if (!fixed) v.push_back(LOWBIT_ERROR_INVALID_ARGUMENT);
    if (p.requant_multipliers == nullptr || p.requant_shifts == nullptr) {
      v.push_back(LOWBIT_ERROR_NULL_POINTER);
    } else if (p.requant_multiplier_count != 1 &&
               p.requant_multiplier_count != p.n) {
      v.push_back(LOWBIT_ERROR_INVALID_ARGUMENT);
    } else {
      for (size_t i = 0; i < p.requant_multiplier_count; ++i) {
        const int64_t m = p.requant_multipliers[i];
        const int64_t s = p.requant_shifts[i];
        if (m < (int64_t{1} << 30) || m >= (int64_t{1} << 31) || s < -31 ||
            s > 8) {
          v.push_back(LOWBIT_ERROR_INVALID_SCALE);
        }
      }
    }
  } else if (p.weight_scales == nullptr) {
    v.push_back(LOWBIT_ERROR_NULL_POINTER);
  } else if (p.weight_scale_count != 1 && p.weight_scale_count != p.n) {
    v.push_back(LOWBIT_ERROR_INVALID_ARGUMENT);
  } else {
    const auto ok = [](float x) { return x > 0 && x <= 3.4028235e38f; };
    if (!ok(p.input_scale) || !ok(p.output_scale)) {
      v.push_back(LOWBIT_ERROR_INVALID_SCALE);
    }
    for (size_t i = 0; i < p.weight_scale_count; ++i) {
      const float ws = p.weight_scales[i];
      if (!ok(ws)) {
        v.push_back(LOWBIT_ERROR_INVALID_SCALE);
        continue;
      }
      if (!ok(p.input_scale) || !ok(p.output_scale)) continue;
      // Effective scale in [2^-32, 256), formed as each mode forms it.
      const double e =
          fixed ? static_cast<double>(p.input_scale) * ws / p.output_scale
                : static_cast<double>(static_cast<float>(
                      static_cast<float>(p.input_scale * ws) / p.output_scale));
      if (!(e >= std::ldexp(1.0, -32) && e < 256.0)) {
        v.push_back(LOWBIT_ERROR_INVALID_SCALE);
      }
    }
  }
  if (!types) return v;
  const auto in_type = [](int64_t x, lowbit_dtype t) {
    return x >= Lo(t) && x <= Hi(t);
  };
  if (!in_type(p.input_zero_point, p.input_type) ||
      !in_type(p.output_zero_point, p.output_type) ||
      (p.weight_type != LOWBIT_DTYPE_UINT8
           ? p.weight_zero_point != 0
           : !in_type(p.weight_zero_point, p.weight_type))) {
    v.push_back(LOWBIT_ERROR_INVALID_ZERO_POINT);
  }
  if (p.output_min > p.output_max || !in_type(p.output_min, p.output_type) ||
      !in_type(p.output_max, p.output_type)) {
    v.push_back(LOWBIT_ERROR_INVALID_RANGE);
  }
  if (p.weights == nullptr || p.weight_stride < p.k) return v;
  // Exact accumulation: |bias| + max|A - za| * sum |W - zw| <= 2^31 - 1
  // (with the zero points as given, even out of range: the check's order
  // is lowbit's, so any violated condition is an allowed answer).
  const int64_t max_a =
      std::max<int64_t>(int64_t{Hi(p.input_type)} - p.input_zero_point,
                        int64_t{p.input_zero_point} - Lo(p.input_type));
  for (size_t n = 0; n < p.n; ++n) {
    int64_t bound = p.bias != nullptr ? std::llabs(p.bias[n]) : 0;
    for (size_t k = 0; k < p.k && bound <= kInt32Max; ++k) {
      const int64_t w = WeightValue(p, n * p.weight_stride + k);
      bound += max_a * std::llabs(w - p.weight_zero_point);
    }
    if (bound > kInt32Max) {
      v.push_back(LOWBIT_ERROR_K_TOO_LARGE);
      break;
    }
  }
  return v;
}

bool Allowed(lowbit_status s, const std::vector<lowbit_status>& violations) {
  if (violations.empty()) return s == LOWBIT_OK;
  return std::find(violations.begin(), violations.end(), s) != violations.end();
}

pthreadpool_t TwoThreads() {
  static pthreadpool_t pool = pthreadpool_create(2);
  return pool;
}

namespace {

// Runs a packed handle into a guarded buffer and compares with `expected`
// (the reference's bytes at the caller's row stride, canaries elsewhere).
void RunAndCompare(const char* who, lowbit_gemm_t g, const Built& b,
                   const std::vector<uint8_t>& expected, pthreadpool_t pool,
                   lowbit_status want_status) {
  const size_t elem = b.raw_int32 ? 4 : 1;
  const size_t rows = std::max<size_t>(b.m, 1);
  const size_t c_bytes = ((rows - 1) * std::max(b.ldc, b.n) + b.n) * elem + 1;
  std::vector<uint8_t> c(c_bytes + 2 * kGuard, kCanary);
  uint8_t* out = c.data() + kGuard;
  const lowbit_status st =
      b.raw_int32
          ? lowbit_gemm_run_int32(g, b.m, b.a.data(), b.lda,
                                  reinterpret_cast<int32_t*>(out), b.ldc, pool)
          : lowbit_gemm_run(g, b.m, b.a.data(), b.lda, out, b.ldc, pool);
  if (st != want_status) {
    Die("%s: run returned %d (%s), expected %d", who, st, lowbit_last_error(),
        want_status);
  }
  const bool wrote = st == LOWBIT_OK && b.m > 0;
  for (size_t i = 0; i < c.size(); ++i) {
    const bool inside = i >= kGuard && i < kGuard + c_bytes;
    const uint8_t want = wrote && inside ? expected[i - kGuard] : kCanary;
    if (c[i] != want) {
      const long at = static_cast<long>(i) - static_cast<long>(kGuard);
      Die("%s: byte %ld of C is %d, expected %d (row %zu)", who, at, c[i], want,
          at < 0 ? 0
                 : static_cast<size_t>(at) / elem / std::max<size_t>(b.ldc, 1));
    }
  }
}

}  // namespace

bool CheckGemm(const GemmSpec& spec) {
  Built b = Build(spec);
  char text[512];
  std::snprintf(text, sizeof(text),
                "m=%zu n=%zu k=%zu lda=%zu ldw=%zu ldc=%zu types=%d/%d/%d "
                "requant=%d za=%d zw=%d zo=%d scales=%g/%g(%zu)/%g mult=%zu "
                "clamp=[%d,%d] bias=%d fills=%d/%d kparts=%zu flags=%d seed=%u",
                b.m, b.n, b.k, b.lda, b.ldw, b.ldc, b.p.input_type,
                b.p.weight_type, b.p.output_type, b.p.requant,
                b.p.input_zero_point, b.p.weight_zero_point,
                b.p.output_zero_point, b.p.input_scale,
                b.scales.empty() ? 0.0f : b.scales[0], b.p.weight_scale_count,
                b.p.output_scale, b.p.requant_multiplier_count, b.p.output_min,
                b.p.output_max, spec.bias_mode, spec.a_fill, spec.w_fill,
                b.k_part_groups, spec.flags, spec.seed);
  g_case = text;

  // What the library sees: a caller of the first layout has no multiplier
  // fields, whatever our struct holds past them.
  lowbit_gemm_params model = b.p;
  std::unique_ptr<unsigned char[]> first;
  const lowbit_gemm_params* caller = &b.p;
  if (b.first_layout) {
    const size_t size = offsetof(lowbit_gemm_params, requant_multipliers);
    first.reset(new unsigned char[size]);
    std::memcpy(first.get(), &b.p, size);
    std::memcpy(first.get(), &size, sizeof(size));
    caller = reinterpret_cast<const lowbit_gemm_params*>(first.get());
    model.requant_multipliers = nullptr;
    model.requant_shifts = nullptr;
    model.requant_multiplier_count = 0;
  }
  const std::vector<lowbit_status> violations = ContractViolations(model);

  // Expected bytes, at the caller's row stride.
  std::vector<uint8_t> expected;
  const bool valid = violations.empty();
  const bool run_ok = b.lda >= b.k && b.ldc >= b.n;
  if (valid && run_ok && b.m > 0) {
    const size_t elem = b.raw_int32 ? 4 : 1;
    expected.assign(((b.m - 1) * b.ldc + b.n) * elem + 1, kCanary);
    if (b.raw_int32) {
      std::vector<int32_t> acc(b.m * b.n);
      ref::GemmAccumulators(model, b.m, b.a.data(), b.lda, acc.data(), b.n);
      for (size_t i = 0; i < b.m; ++i) {
        std::memcpy(&expected[i * b.ldc * 4], &acc[i * b.n], b.n * 4);
      }
    } else {
      std::vector<uint8_t> out(b.m * b.n);
      ref::Gemm(model, b.m, b.a.data(), b.lda, out.data(), b.n);
      for (size_t i = 0; i < b.m; ++i) {
        std::memcpy(&expected[i * b.ldc], &out[i * b.n], b.n);
      }
    }
  }
  const lowbit_status want_run =
      run_ok ? LOWBIT_OK : LOWBIT_ERROR_INVALID_STRIDE;

  SetGemmKPartGroupsForTesting(b.k_part_groups);
  lowbit_status first_status = LOWBIT_STATUS_MAX_ENUM;
  // int4 weights run on the kernels that read them.
  const bool int4 = model.weight_type == LOWBIT_DTYPE_INT4;
  for (const GemmKernel* kernel : int4 ? Int4GemmKernels() : GemmKernels()) {
    if (!CpuSupports(*kernel)) continue;
    lowbit_gemm_t g = nullptr;
    const auto pack = [&](lowbit_gemm_t* h) {
      const lowbit_status st = PackGemm(caller, *kernel, h);
      if (first_status == LOWBIT_STATUS_MAX_ENUM) first_status = st;
      if (st != first_status) {
        Die("%s: pack returned %d, another kernel %d", kernel->name, st,
            first_status);
      }
      return st;
    };
    if (!PackChecked(kernel->name, violations, pack, &g)) continue;
    RunAndCompare(kernel->name, g, b, expected, nullptr, want_run);
    if (b.two_threads) {
      RunAndCompare(kernel->name, g, b, expected, TwoThreads(), want_run);
    }
    lowbit_gemm_destroy(g);
  }

  // The public API, with the kernel dispatch chose.
  lowbit_gemm_t g = nullptr;
  const lowbit_status st = lowbit_gemm_pack(caller, &g);
  if (st != first_status) {
    Die("lowbit_gemm_pack returned %d (%s), the kernels %d", st,
        lowbit_last_error(), first_status);
  }
  if (st == LOWBIT_OK) {
    RunAndCompare("lowbit_gemm_run", g, b, expected, TwoThreads(), want_run);
    lowbit_gemm_destroy(g);
  }
  SetGemmKPartGroupsForTesting(0);
  return valid;
}

std::vector<GemmSpec> GemmSeeds() {
  std::vector<GemmSpec> seeds;
  GemmSpec base;
  base.m = 9;
  base.n = 53;
  base.k = 77;
  base.seed = 1;
  base.flags = GemmSpec::kTwoThreads;
  for (uint8_t requant = 0; requant < 3; ++requant) {
    GemmSpec s = base;
    s.requant = requant;
    seeds.push_back(s);
    s.input_type = s.weight_type = s.output_type = 3;  // uint8
    s.za_mode = 3;
    s.zw_mode = 2;
    s.zo_mode = 3;
    s.clamp_mode = 3;
    s.raw_qmin = 40;
    s.raw_qmax = 200;
    seeds.push_back(s);
    s = base;
    s.requant = requant;
    s.multipliers = requant == 0 ? 0 : 2;
    s.per_channel = 1;
    s.bias_mode = 2;
    seeds.push_back(s);
  }
  // Extremes: all -128 / 127 inputs with zero points at the far ends, the K
  // limit (uint8 x uint8, 33025), K cut into parts, raw int32 output.
  GemmSpec s = base;
  s.a_fill = 1;
  s.w_fill = 2;
  s.za_mode = 3;
  seeds.push_back(s);
  s = base;
  s.big_k = 1;
  s.m = 2;
  s.n = 2;
  s.k = 92;  // 30000 + 92 * 33 = 33036: just past the limit
  s.input_type = s.weight_type = s.output_type = 3;
  s.a_fill = 2;
  s.w_fill = 1;
  s.za_mode = 2;
  s.zw_mode = 3;
  seeds.push_back(s);
  s.k = 92 - 1;
  seeds.push_back(s);
  s = base;
  s.k_part_groups = 3;
  s.m = 40;
  s.k = 300;
  seeds.push_back(s);
  s.flags |= GemmSpec::kRawInt32;
  seeds.push_back(s);
  // Bad parameters: zero sizes, small strides, scale kinds, first layout.
  s = base;
  s.n = 0;
  seeds.push_back(s);
  s = base;
  s.lda_extra = -1;
  s.ldc_extra = -2;
  seeds.push_back(s);
  for (uint8_t kind = 6; kind < 16; ++kind) {
    s = base;
    s.requant = kind % 3;
    s.output_scale_kind = kind;
    s.output_scale = 0.5f;
    seeds.push_back(s);
  }
  s = base;
  s.flags |= GemmSpec::kFirstLayout;
  s.multipliers = 1;
  s.requant = 1;
  seeds.push_back(s);
  s = base;
  s.clamp_mode = 7;
  s.raw_qmin = 2;  // ReLU6
  seeds.push_back(s);
  // int4 weights: each mode, -8 and 7 against far zero points, odd row
  // strides (rows starting in a high nibble), a nonzero weight zero point.
  for (uint8_t requant = 0; requant < 3; ++requant) {
    s = base;
    s.weight_type = 6;
    s.requant = requant;
    s.per_channel = 1;
    seeds.push_back(s);
  }
  s = base;
  s.weight_type = 6;
  s.a_fill = 2;
  s.w_fill = 1;
  s.za_mode = 2;
  s.ldw_extra = 1;
  seeds.push_back(s);
  s.w_fill = 2;
  s.input_type = 3;
  s.za_mode = 2;
  s.ldw_extra = 0;
  s.k = 76;
  seeds.push_back(s);
  s = base;
  s.weight_type = 6;
  s.zw_mode = 5;
  seeds.push_back(s);
  s = base;
  s.m = 0;
  seeds.push_back(s);
  return seeds;
}

}  // namespace fuzz
}  // namespace lowbit
