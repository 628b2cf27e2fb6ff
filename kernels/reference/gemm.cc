#include "kernels/reference/gemm.h"

#include <algorithm>
#include <cstring>

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

int32_t Accumulator(const lowbit_gemm_params& p, const void* a, size_t lda,
                    size_t i, size_t n) {
  int64_t acc = p.bias != nullptr ? p.bias[n] : 0;
  for (size_t k = 0; k < p.k; ++k) {
    const int64_t x = Element(p.input_type, a, i * lda + k) -
                      p.input_zero_point;
    const int64_t w = Element(p.weight_type, p.weights,
                              n * p.weight_stride + k) -
                      p.weight_zero_point;
    acc += x * w;
  }
  return static_cast<int32_t>(acc);
}

// Channel n's requantization: the caller's multiplier and shift, or the
// ones (and the fp32 scale) derived from the scales.
struct ChannelRequant {
  float fp32_scale = 0.0f;
  int32_t multiplier = 0;
  int32_t shift = 0;
};

ChannelRequant ChannelParams(const lowbit_gemm_params& p, size_t n) {
  ChannelRequant r;
  if (p.requant_multipliers != nullptr) {  // the caller's own
    const size_t i = p.requant_multiplier_count == 1 ? 0 : n;
    r.multiplier = p.requant_multipliers[i];
    r.shift = p.requant_shifts[i];
  } else {
    const float ws = p.weight_scales[p.weight_scale_count == 1 ? 0 : n];
    r.fp32_scale = p.input_scale * ws / p.output_scale;
    QuantizeMultiplier(static_cast<double>(p.input_scale) * ws /
                           p.output_scale,
                       &r.multiplier, &r.shift);
  }
  return r;
}

void Store(const lowbit_gemm_params& p, const ChannelRequant& r, int32_t x,
           void* c, size_t index) {
  int32_t q = 0;
  switch (p.requant) {
    case LOWBIT_REQUANT_FP32:
      q = RequantizeFp32(x, r.fp32_scale, p.output_zero_point, p.output_min,
                         p.output_max);
      break;
    case LOWBIT_REQUANT_FIXEDPOINT:
      q = RequantizeFixedpoint(x, r.multiplier, r.shift, p.output_zero_point,
                               p.output_min, p.output_max);
      break;
    case LOWBIT_REQUANT_FIXEDPOINT_SINGLE:
      q = RequantizeFixedpointSingle(x, r.multiplier, r.shift,
                                     p.output_zero_point, p.output_min,
                                     p.output_max);
      break;
    default:  // validated before
      break;
  }
  if (p.output_type == LOWBIT_DTYPE_UINT8) {
    static_cast<uint8_t*>(c)[index] = static_cast<uint8_t>(q);
  } else {
    static_cast<int8_t*>(c)[index] = static_cast<int8_t>(q);
  }
}

}  // namespace

void GemmAccumulators(const lowbit_gemm_params& p, size_t m, const void* a,
                      size_t lda, int32_t* c, size_t ldc) {
  for (size_t i = 0; i < m; ++i) {
    for (size_t n = 0; n < p.n; ++n) {
      c[i * ldc + n] = Accumulator(p, a, lda, i, n);
    }
  }
}

void Gemm(const lowbit_gemm_params& p, size_t m, const void* a, size_t lda,
          void* c, size_t ldc) {
  for (size_t n = 0; n < p.n; ++n) {
    const ChannelRequant r = ChannelParams(p, n);
    for (size_t i = 0; i < m; ++i) {
      Store(p, r, Accumulator(p, a, lda, i, n), c, i * ldc + n);
    }
  }
}

void Requantize(const lowbit_gemm_params& p, size_t m, const int32_t* acc,
                size_t acc_stride, void* c, size_t ldc) {
  for (size_t n = 0; n < p.n; ++n) {
    const ChannelRequant r = ChannelParams(p, n);
    for (size_t i = 0; i < m; ++i) {
      Store(p, r, acc[i * acc_stride + n], c, i * ldc + n);
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
      const size_t count = layout.nr * layout.kr;
      auto value = [&](size_t v) {  // v = j * KR + t
        const size_t n = b * layout.nr + v / layout.kr;
        const size_t k = g * layout.kr + v % layout.kr;
        int32_t w = 0;
        if (n < p.n && k < p.k) {
          w = Element(p.weight_type, p.weights, n * p.weight_stride + k);
          if (p.weight_type == LOWBIT_DTYPE_UINT8) w -= 128;
        }
        return static_cast<int8_t>(w);
      };
      const size_t span = layout.nibble_span;
      if (span == 0) {
        for (size_t v = 0; v < count; ++v) {
          *out++ = static_cast<uint8_t>(value(v));
        }
        continue;
      }
      for (size_t run = 0; run < count; run += 2 * span) {
        // The last run may be shorter: half of what is left.
        const size_t s = std::min(span, (count - run) / 2);
        for (size_t i = 0; i < s; ++i) {
          *out++ = static_cast<uint8_t>((value(run + i) & 0xF) |
                                        (value(run + s + i) & 0xF) << 4);
        }
        if (s < span) break;
      }
    }
  }
}

}  // namespace ref
}  // namespace lowbit
