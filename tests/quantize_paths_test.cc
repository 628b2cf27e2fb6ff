// The quantization toolkit's loops (kernels/quantize) on every Highway
// target the CPU has, byte for byte against the scalar forms: rounding
// ties, clamps, infinite quotients, signed zeros, denormals, every stored
// value, lengths around each vector width, INT4 nibbles at odd ends.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "kernels/quantize/quantize.h"
#include "tests/kernel_test.h"

namespace lowbit {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
const lowbit_dtype kTypes[] = {LOWBIT_DTYPE_INT8, LOWBIT_DTYPE_UINT8,
                               LOWBIT_DTYPE_INT16, LOWBIT_DTYPE_INT4};
const size_t kLengths[] = {0,   1,   2,   3,   7,   8,   9,   15,
                           16,  17,  31,  32,  33,  63,  64,  65,
                           100, 255, 256, 257, 511, 513, 1001};

size_t Bytes(lowbit_dtype t, size_t n) {
  return t == LOWBIT_DTYPE_INT4    ? (n + 1) / 2
         : t == LOWBIT_DTYPE_INT16 ? 2 * n
                                   : n;
}

struct TypeBounds {
  int32_t lo, hi;
};
TypeBounds Bounds(lowbit_dtype t) {
  switch (t) {
    case LOWBIT_DTYPE_UINT8:
      return {0, 255};
    case LOWBIT_DTYPE_INT16:
      return {-32768, 32767};
    case LOWBIT_DTYPE_INT4:
      return {-8, 7};
    default:
      return {-128, 127};
  }
}

// Values that end on exact halves of a power-of-two scale (ties), next to
// them, far outside the range, around 2^23 and 2^24 quotients, signed
// zeros, denormals, and random ones.
std::vector<float> Inputs(size_t n, float scale, std::mt19937* rng) {
  std::uniform_int_distribution<int> pick(0, 9);
  std::uniform_int_distribution<int> k(-300, 300);
  std::uniform_real_distribution<float> u(-40000.0f, 40000.0f);
  std::vector<float> x(n);
  for (float& v : x) {
    const float tie = (static_cast<float>(k(*rng)) + 0.5f) * scale;
    switch (pick(*rng)) {
      case 0:
      case 1:
        v = tie;
        break;
      case 2:
      case 3: {
        // A few ulps around the tie: for a scale that is not a power of
        // two, some of these divide to exactly k + 0.5 or one ulp from it,
        // where a division that is not correctly rounded shows.
        v = tie;
        const int steps = pick(*rng) % 4;
        for (int j = 0; j < steps; ++j) {
          v = std::nextafter(v, pick(*rng) < 5 ? 0.0f : kInf);
        }
        break;
      }
      case 4:
        v = (pick(*rng) < 5 ? 1.0f : -1.0f) * 3.0e38f;
        break;
      case 5:
        v = (pick(*rng) < 5 ? 8388607.5f : -16777217.0f) * scale;
        break;
      case 6:
        v = pick(*rng) < 5 ? 0.0f : -0.0f;
        break;
      case 7:
        v = (pick(*rng) < 5 ? 1.0f : -1.0f) * 1e-40f;
        break;
      default:
        v = u(*rng) * scale / 128.0f;
        break;
    }
  }
  return x;
}

TEST(QuantizePaths, QuantizeIsTheScalarFormOnEveryTarget) {
  std::mt19937 rng(13);
  const float scales[] = {1.0f,    0.25f,      0.0078125f, 0.1f,
                          3.7e-3f, 0.3333333f, 7.1e-5f,    1e-38f};
  ForEachHwyTarget([&] {
    for (lowbit_dtype t : kTypes) {
      const TypeBounds b = Bounds(t);
      for (float scale : scales) {
        for (int32_t zp : {b.lo, 0, 3, b.hi}) {
          if (zp < b.lo || zp > b.hi) continue;
          // The type's range, and a narrower one (weights clamp to +-qmax).
          for (int narrow = 0; narrow < 2; ++narrow) {
            const QuantizeSpec s{scale, zp, b.lo + narrow, b.hi - narrow, t};
            for (size_t n : kLengths) {
              const std::vector<float> x = Inputs(n, scale, &rng);
              std::vector<uint8_t> want(Bytes(t, n) + 8, 0xA5);
              std::vector<uint8_t> got(want.size(), 0xA5);
              QuantizeRef(x.data(), n, s, want.data());
              Quantize(x.data(), n, s, got.data());
              ASSERT_EQ(got, want) << "type " << t << " scale " << scale
                                   << " zp " << zp << " n " << n;
            }
          }
        }
      }
    }
  });
}

TEST(QuantizePaths, DequantizeAndSqnrSumsAreTheScalarFormsOnEveryTarget) {
  std::mt19937 rng(17);
  std::uniform_int_distribution<int> byte(0, 255);
  ForEachHwyTarget([&] {
    for (lowbit_dtype t : kTypes) {
      const TypeBounds b = Bounds(t);
      // The last scale is denormal, as are its products.
      for (float scale : {1.0f, 0.1f, 3.0e30f, 1e-40f}) {
        for (int32_t zp : {b.lo, 0, b.hi}) {
          if (zp < b.lo || zp > b.hi) continue;
          for (size_t n : kLengths) {
            std::vector<uint8_t> q(Bytes(t, n));
            for (uint8_t& v : q) v = static_cast<uint8_t>(byte(rng));
            // Every stored value at least once where n allows.
            for (size_t i = 0; i < q.size(); ++i) {
              if (t != LOWBIT_DTYPE_INT16) q[i] = static_cast<uint8_t>(i * 17);
            }
            std::vector<float> want(n + 4, -7.0f), got(n + 4, -7.0f);
            DequantizeRef(q.data(), n, t, scale, zp, want.data());
            Dequantize(q.data(), n, t, scale, zp, got.data());
            ASSERT_EQ(0, std::memcmp(got.data(), want.data(),
                                     want.size() * sizeof(float)))
                << "type " << t << " n " << n;
            // SQNR against values near the dequantized ones (and far).
            std::vector<float> x(n);
            std::uniform_real_distribution<float> jitter(-0.6f, 0.6f);
            for (size_t i = 0; i < n; ++i) {
              x[i] = i % 5 == 4 ? 1e30f : want[i] + jitter(rng) * scale;
              if (!std::isfinite(x[i])) x[i] = 1.0f;
            }
            SqnrSums ws, gs;
            std::memset(&gs, 0x5A, sizeof(gs));
            SqnrSumsRef(x.data(), q.data(), n, t, scale, zp, &ws);
            SqnrSumsOf(x.data(), q.data(), n, t, scale, zp, &gs);
            ASSERT_EQ(0, std::memcmp(&gs, &ws, sizeof(ws)))
                << "type " << t << " n " << n;
          }
        }
      }
    }
  });
}

TEST(QuantizePaths, RangesAndScalingAreTheScalarFormsOnEveryTarget) {
  std::mt19937 rng(19);
  std::uniform_real_distribution<float> u(-5.0f, 3.0f);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  ForEachHwyTarget([&] {
    for (size_t n : kLengths) {
      std::vector<float> x(n);
      for (float& v : x) v = u(rng);
      if (n > 2) x[n / 2] = -0.0f;
      if (n > 4) x[n / 3] = -1e-41f;  // denormals: min, max and products
      if (n > 6) x[n - 2] = 1e-41f;
      EXPECT_TRUE(AllFinite(x.data(), n));
      EXPECT_EQ(MaxAbs(x.data(), n), MaxAbsRef(x.data(), n)) << n;
      if (n > 0) {
        float lo = 0, hi = 0, rlo = 0, rhi = 0;
        ASSERT_TRUE(MinMax(x.data(), n, &lo, &hi));
        ASSERT_TRUE(MinMaxRef(x.data(), n, &rlo, &rhi));
        EXPECT_EQ(lo, rlo) << n;
        EXPECT_EQ(hi, rhi) << n;
      }
      std::vector<float> want = x, got = x;
      for (float f : {0.3f, 1e-39f}) {
        ScaleRef(want.data(), n, f);
        Scale(got.data(), n, f);
        ASSERT_TRUE(n == 0 || std::memcmp(got.data(), want.data(),
                                          n * sizeof(float)) == 0);
      }
      // Only denormals: MinMax must keep them.
      std::vector<float> tiny(n, 2e-41f);
      if (n > 1) tiny[n - 1] = -3e-41f;
      if (n > 0) {
        float lo = 0, hi = 0;
        ASSERT_TRUE(MinMax(tiny.data(), n, &lo, &hi));
        EXPECT_EQ(hi, 2e-41f) << n;
        EXPECT_EQ(lo, n > 1 ? -3e-41f : 2e-41f) << n;
        EXPECT_EQ(MaxAbs(tiny.data(), n), n > 1 ? 3e-41f : 2e-41f) << n;
      }
      // One bad value anywhere: every form says so.
      for (float bad : {nan, kInf, -kInf}) {
        for (size_t at : {size_t{0}, n / 2, n - 1}) {
          if (n == 0) continue;
          std::vector<float> y = x;
          y[at] = bad;
          float lo = 7.0f, hi = 7.0f;
          EXPECT_FALSE(AllFinite(y.data(), n)) << n << " at " << at;
          EXPECT_FALSE(MinMax(y.data(), n, &lo, &hi)) << n << " at " << at;
          EXPECT_EQ(lo, 7.0f);
          EXPECT_FALSE(MinMaxRef(y.data(), n, &lo, &hi));
        }
      }
    }
  });
}

}  // namespace
}  // namespace lowbit
