#include "kernels/reference/gemm.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/reference/requant.h"

namespace lowbit {
namespace ref {
int32_t Element(lowbit_dtype type, const void* base, size_t index) {
  if (type == LOWBIT_DTYPE_INT4) {  // DESIGN.md §2: low nibble first
    const uint8_t byte = static_cast<const uint8_t*>(base)[index / 2];
    const int32_t nibble = index % 2 == 0 ? byte & 0xF : byte >> 4;
    return nibble - (nibble & 8) * 2;
  }
  if (type == LOWBIT_DTYPE_UINT8) {
    return static_cast<const uint8_t*>(base)[index];
  }
  if (type == LOWBIT_DTYPE_INT16) {
    return static_cast<const int16_t*>(base)[index];
  }
  return static_cast<const int8_t*>(base)[index];
}

namespace {

float WeightScale(const lowbit_gemm_params& p, size_t n) {
  return p.weight_scales[p.weight_scale_count == 1 ? 0 : n];
}

}  // namespace

void GemmAccumulators(const lowbit_gemm_params& p, size_t m, const void* a,
                      size_t lda, int32_t* c, size_t ldc) {
  for (size_t i = 0; i < m; ++i) {
    for (size_t n = 0; n < p.n; ++n) {
      int64_t acc = p.bias != nullptr ? p.bias[n] : 0;
      for (size_t k = 0; k < p.k; ++k) {
        const int64_t x = Element(p.input_type, a, i * lda + k) -
                          p.input_zero_point;
        const int64_t w = Element(p.weight_type, p.weights,
                                  n * p.weight_stride + k) -
                          p.weight_zero_point;
        acc += x * w;
      }
      c[i * ldc + n] = static_cast<int32_t>(acc);
    }
  }
}

void Gemm(const lowbit_gemm_params& p, size_t m, const void* a, size_t lda,
          void* c, size_t ldc) {
  std::vector<int32_t> acc(m * p.n);
  GemmAccumulators(p, m, a, lda, acc.data(), p.n);
  Requantize(p, m, acc.data(), p.n, c, ldc);
}

void Requantize(const lowbit_gemm_params& p, size_t m, const int32_t* acc,
                size_t acc_stride, void* c, size_t ldc) {
  for (size_t n = 0; n < p.n; ++n) {
    float fp32_scale = 0.0f;
    int32_t multiplier = 0;
    int32_t shift = 0;
    if (p.requant_multipliers != nullptr) {  // the caller's own
      const size_t i = p.requant_multiplier_count == 1 ? 0 : n;
      multiplier = p.requant_multipliers[i];
      shift = p.requant_shifts[i];
    } else {
      const float ws = WeightScale(p, n);
      fp32_scale = p.input_scale * ws / p.output_scale;
      QuantizeMultiplier(
          static_cast<double>(p.input_scale) * ws / p.output_scale,
          &multiplier, &shift);
    }
    for (size_t i = 0; i < m; ++i) {
      const int32_t x = acc[i * acc_stride + n];
      int32_t q = 0;
      switch (p.requant) {
        case LOWBIT_REQUANT_FP32:
          q = RequantizeFp32(x, fp32_scale, p.output_zero_point, p.output_min,
                             p.output_max);
          break;
        case LOWBIT_REQUANT_FIXEDPOINT:
          q = RequantizeFixedpoint(x, multiplier, shift, p.output_zero_point,
                                   p.output_min, p.output_max);
          break;
        case LOWBIT_REQUANT_FIXEDPOINT_SINGLE:
          q = RequantizeFixedpointSingle(x, multiplier, shift,
                                         p.output_zero_point, p.output_min,
                                         p.output_max);
          break;
        default:  // validated before
          break;
      }
      if (p.output_type == LOWBIT_DTYPE_UINT8) {
        static_cast<uint8_t*>(c)[i * ldc + n] = static_cast<uint8_t>(q);
      } else {
        static_cast<int8_t*>(c)[i * ldc + n] = static_cast<int8_t>(q);
      }
    }
  }
}

void PackWeights(const lowbit_gemm_params& p, const GemmLayout& layout,
                 uint8_t* packed) {
  const size_t groups = layout.KGroups(p.k);
  uint8_t* out = packed;
  for (size_t b = 0; b < layout.Blocks(p.n); ++b) {
    for (size_t j = 0; j < layout.nr; ++j) {
      const size_t n = b * layout.nr + j;
      int64_t bias = (n < p.n && p.bias != nullptr) ? p.bias[n] : 0;
      if (n < p.n) {
        // The za term of the kernel's activation form, folded in.
        const int32_t z =
            FormatZeroPoint(layout.act, p.input_type, p.input_zero_point);
        for (size_t k = 0; k < p.k; ++k) {
          int32_t w = Element(p.weight_type, p.weights, n * p.weight_stride + k);
          if (p.weight_type == LOWBIT_DTYPE_UINT8) w -= 128;
          bias -= int64_t{z} * w;
        }
      }
      // Exact modulo 2^32, as the kernel's int32 arithmetic.
      const int32_t folded = static_cast<int32_t>(static_cast<uint32_t>(bias));
      std::memcpy(out, &folded, sizeof(folded));
      out += sizeof(folded);
    }
    for (size_t g = 0; g < groups; ++g) {
      // A group's values in order; int4 layouts then pair value i of each
      // run of 2S with value S + i in one byte (low, high nibble).
      std::vector<int8_t> values;
      for (size_t j = 0; j < layout.nr; ++j) {
        for (size_t t = 0; t < layout.kr; ++t) {
          const size_t n = b * layout.nr + j;
          const size_t k = g * layout.kr + t;
          int32_t w = 0;
          if (n < p.n && k < p.k) {
            w = Element(p.weight_type, p.weights, n * p.weight_stride + k);
            if (p.weight_type == LOWBIT_DTYPE_UINT8) w -= 128;
          }
          values.push_back(static_cast<int8_t>(w));
        }
      }
      const size_t span = layout.nibble_span;
      if (span == 0) {
        for (int8_t v : values) *out++ = static_cast<uint8_t>(v);
        continue;
      }
      for (size_t run = 0; run < values.size(); run += 2 * span) {
        // The last run may be shorter: half of what is left.
        const size_t s = std::min(span, (values.size() - run) / 2);
        for (size_t i = 0; i < s; ++i) {
          *out++ = static_cast<uint8_t>((values[run + i] & 0xF) |
                                        (values[run + s + i] & 0xF) << 4);
        }
        if (s < span) break;
      }
    }
  }
}

}  // namespace ref
}  // namespace lowbit
