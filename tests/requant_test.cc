// Requantization: the reference on hand-derived cases, then every kernel's
// vector requantization against the reference on edge and random values.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "kernels/gemm/kernel_table.h"
#include "tests/kernel_test.h"
#include "kernels/reference/requant.h"

namespace lowbit {
namespace {

constexpr int32_t kMin = std::numeric_limits<int32_t>::min();
constexpr int32_t kMax = std::numeric_limits<int32_t>::max();
constexpr int32_t kHalfQ31 = 1 << 30;  // multiplier for a real factor of 0.5

TEST(ReferenceRequant, SaturatingRoundingDoublingHighMul) {
  EXPECT_EQ(ref::SaturatingRoundingDoublingHighMul(kMin, kMin), kMax);
  EXPECT_EQ(ref::SaturatingRoundingDoublingHighMul(1, kHalfQ31), 1);    // 0.5
  EXPECT_EQ(ref::SaturatingRoundingDoublingHighMul(-1, kHalfQ31), 0);   // -0.5
  EXPECT_EQ(ref::SaturatingRoundingDoublingHighMul(3, kHalfQ31), 2);    // 1.5
  EXPECT_EQ(ref::SaturatingRoundingDoublingHighMul(-3, kHalfQ31), -1);  // -1.5
  EXPECT_EQ(ref::SaturatingRoundingDoublingHighMul(-5, kHalfQ31), -2);  // -2.5
  EXPECT_EQ(ref::SaturatingRoundingDoublingHighMul(kMax, kMax), 2147483646);
  EXPECT_EQ(ref::SaturatingRoundingDoublingHighMul(kMin, kHalfQ31),
            -(1 << 30));
  EXPECT_EQ(ref::SaturatingRoundingDoublingHighMul(kMin, kMax), -kMax);
}

TEST(ReferenceRequant, RoundingDivideByPOT) {
  EXPECT_EQ(ref::RoundingDivideByPOT(5, 1), 3);    // 2.5 away from zero
  EXPECT_EQ(ref::RoundingDivideByPOT(-5, 1), -3);  // -2.5
  EXPECT_EQ(ref::RoundingDivideByPOT(4, 1), 2);
  EXPECT_EQ(ref::RoundingDivideByPOT(7, 2), 2);    // 1.75
  EXPECT_EQ(ref::RoundingDivideByPOT(-7, 2), -2);
  EXPECT_EQ(ref::RoundingDivideByPOT(5, 2), 1);    // 1.25
  EXPECT_EQ(ref::RoundingDivideByPOT(-6, 2), -2);  // -1.5
  EXPECT_EQ(ref::RoundingDivideByPOT(123, 0), 123);
  EXPECT_EQ(ref::RoundingDivideByPOT(kMin, 31), -1);
  EXPECT_EQ(ref::RoundingDivideByPOT(kMax, 31), 1);
  EXPECT_EQ(ref::RoundingDivideByPOT(1 << 30, 31), 1);      // 0.5
  EXPECT_EQ(ref::RoundingDivideByPOT(-(1 << 30), 31), -1);  // -0.5
  EXPECT_EQ(ref::RoundingDivideByPOT((1 << 30) - 1, 31), 0);
}

TEST(ReferenceRequant, QuantizeMultiplier) {
  int32_t m = 0, s = 0;
  ASSERT_TRUE(ref::QuantizeMultiplier(0.5, &m, &s));
  EXPECT_EQ(m, 1 << 30);
  EXPECT_EQ(s, 0);
  ASSERT_TRUE(ref::QuantizeMultiplier(1.0, &m, &s));
  EXPECT_EQ(m, 1 << 30);
  EXPECT_EQ(s, 1);
  ASSERT_TRUE(ref::QuantizeMultiplier(0.75, &m, &s));
  EXPECT_EQ(m, 1610612736);
  EXPECT_EQ(s, 0);
  // Smallest scale: 2^-32 = 0.5 * 2^-31, the largest right shift.
  ASSERT_TRUE(ref::QuantizeMultiplier(std::ldexp(1.0, -32), &m, &s));
  EXPECT_EQ(m, 1 << 30);
  EXPECT_EQ(s, -31);
  // Near 2^-31 from below: q rounds up to 2^31, which is halved.
  ASSERT_TRUE(ref::QuantizeMultiplier(std::ldexp(1.0 - 1e-12, -31), &m, &s));
  EXPECT_EQ(m, 1 << 30);
  EXPECT_EQ(s, -30);
  // Just below 1: the same carry into the exponent.
  ASSERT_TRUE(ref::QuantizeMultiplier(1.0 - std::ldexp(1.0, -33), &m, &s));
  EXPECT_EQ(m, 1 << 30);
  EXPECT_EQ(s, 1);
  // Largest accepted scale, just below 256: the largest left shift.
  ASSERT_TRUE(ref::QuantizeMultiplier(255.75, &m, &s));
  EXPECT_EQ(m, 2145386496);  // 255.75 / 256 * 2^31
  EXPECT_EQ(s, 8);
  for (double bad : std::initializer_list<double>{0.0, -1.0, std::ldexp(1.0, -33), 256.0, 1e9,
                     std::nan(""), INFINITY}) {
    EXPECT_FALSE(ref::QuantizeMultiplier(bad, &m, &s)) << bad;
  }
}

TEST(ReferenceRequant, Fp32RoundsToNearestEven) {
  EXPECT_EQ(ref::RequantizeFp32(5, 0.5f, 0, -128, 127), 2);    // 2.5
  EXPECT_EQ(ref::RequantizeFp32(7, 0.5f, 0, -128, 127), 4);    // 3.5
  EXPECT_EQ(ref::RequantizeFp32(-5, 0.5f, 0, -128, 127), -2);  // -2.5
  EXPECT_EQ(ref::RequantizeFp32(-7, 0.5f, 0, -128, 127), -4);  // -3.5
  EXPECT_EQ(ref::RequantizeFp32(10, 1.0f, -128, -128, 127), -118);
  EXPECT_EQ(ref::RequantizeFp32(1000, 1.0f, 0, -128, 127), 127);
  EXPECT_EQ(ref::RequantizeFp32(kMin, 255.0f, 0, -128, 127), -128);
  EXPECT_EQ(ref::RequantizeFp32(kMax, 255.0f, 200, 0, 255), 255);
  // float(16777217) rounds to 16777216 before the multiply.
  EXPECT_EQ(ref::RequantizeFp32(16777217, 0x1p-24f, 0, -128, 127), 1);
}

TEST(ReferenceRequant, FixedpointRoundsTwice) {
  // 5 * 0.25 = 1.25: SRDHM gives 3 (2.5 up), then 3 / 2 = 1.5 -> 2.
  EXPECT_EQ(ref::RequantizeFixedpoint(5, kHalfQ31, -1, 0, -128, 127), 2);
  EXPECT_EQ(ref::RequantizeFixedpoint(-5, kHalfQ31, -1, 0, -128, 127), -1);
  EXPECT_EQ(ref::RequantizeFixedpoint(5, kHalfQ31, 0, 0, -128, 127), 3);
  EXPECT_EQ(ref::RequantizeFixedpoint(-5, kHalfQ31, 0, 0, -128, 127), -2);
  // Left shift saturates before the multiply: 2^29 * 8 -> INT32_MAX.
  EXPECT_EQ(ref::RequantizeFixedpoint(1 << 29, kHalfQ31, 3, 0, kMin, kMax),
            1 << 30);
  EXPECT_EQ(ref::RequantizeFixedpoint(-(1 << 29) - 1, kHalfQ31, 2, 0, kMin,
                                      kMax),
            -(1 << 30));
  // Smallest scale: (2^31 - 1) * 2^-32 is just under 0.5, but SRDHM rounds
  // it to 2^30 first and RDBPOT takes that half away from zero: 1.
  EXPECT_EQ(ref::RequantizeFixedpoint(kMax, kHalfQ31, -31, 0, -128, 127), 1);
  EXPECT_EQ(ref::RequantizeFixedpoint(kMax - (1 << 30), kHalfQ31, -31, 0,
                                      -128, 127), 0);
  EXPECT_EQ(ref::RequantizeFixedpoint(kMin, kHalfQ31, -31, 0, -128, 127), -1);
  // Zero point then clamp, without int32 overflow.
  EXPECT_EQ(ref::RequantizeFixedpoint(kMax, kMax, 0, 255, 0, 255), 255);
}

TEST(ReferenceRequant, FixedpointSingleRoundsOnceHalfUp) {
  EXPECT_EQ(ref::RequantizeFixedpointSingle(5, kHalfQ31, -1, 0, -128, 127), 1);
  EXPECT_EQ(ref::RequantizeFixedpointSingle(3, kHalfQ31, 0, 0, -128, 127), 2);
  EXPECT_EQ(ref::RequantizeFixedpointSingle(-3, kHalfQ31, 0, 0, -128, 127),
            -1);
  EXPECT_EQ(ref::RequantizeFixedpointSingle(-5, kHalfQ31, 0, 0, -128, 127),
            -2);
  EXPECT_EQ(ref::RequantizeFixedpointSingle(kMax, kHalfQ31, -31, 0, -128, 127),
            0);
  EXPECT_EQ(ref::RequantizeFixedpointSingle(kMin, kHalfQ31, -31, 0, -128, 127),
            0);
  EXPECT_EQ(ref::RequantizeFixedpointSingle(1, kHalfQ31, 9, 0, kMin, kMax),
            256);
  EXPECT_EQ(ref::RequantizeFixedpointSingle(kMax, kHalfQ31, 9, 0, kMin, kMax),
            kMax);
  EXPECT_EQ(ref::RequantizeFixedpointSingle(kMin, kHalfQ31, 9, 0, kMin, kMax),
            kMin);
}

// CMSIS-NN's arm_nn_requantize, as its documentation and source state it
// (written here from the formula): a left shift by multiplication (no
// saturation), then arm_nn_doubling_high_mult_no_sat, floor((x * m + 2^30)
// / 2^31) with an always positive nudge, then arm_nn_divide_by_power_of_two
// (gemmlowp's RoundingDivideByPOT). lowbit's fixed-point mode (gemmlowp's
// sign-dependent nudge, truncating division) must give the same value
// wherever CMSIS-NN's left shift does not overflow: the bytes engines on
// Cortex-M get from CMSIS-NN (README, "Engines on Cortex-M").
int32_t CmsisNnRequantize(int32_t acc, int32_t multiplier, int32_t shift) {
  const int64_t x = int64_t{acc} * (int64_t{1} << (shift > 0 ? shift : 0));
  const int64_t high = (x * multiplier + (int64_t{1} << 30)) >> 31;  // floor
  const int32_t e = shift > 0 ? 0 : -shift;
  const int32_t mask = static_cast<int32_t>((uint32_t{1} << e) - 1);
  const int32_t v = static_cast<int32_t>(high);
  const int32_t threshold = (mask >> 1) + (v < 0 ? 1 : 0);
  return (v >> e) + ((v & mask) > threshold ? 1 : 0);
}

TEST(ReferenceRequant, FixedpointIsCmsisNnsRequantize) {
  std::mt19937 rng(12);
  std::uniform_int_distribution<int32_t> any(kMin, kMax);
  std::uniform_int_distribution<int32_t> multipliers(1 << 30, kMax);
  std::uniform_int_distribution<int32_t> shifts(-31, 8);
  const int32_t edges[] = {kMin, kMin + 1, -65536, -3, -2, -1, 0, 1, 2, 3,
                           65535, kMax - 1, kMax};
  for (int i = 0; i < 400000; ++i) {
    const int32_t shift = i % 7 == 0 ? 0 : shifts(rng);
    const int32_t m = i % 11 == 0 ? 1 << 30 : multipliers(rng);
    int32_t acc = i % 5 == 0 ? edges[i % 13] : any(rng);
    if (shift > 0) acc >>= shift;  // CMSIS-NN's left shift must not wrap
    const int32_t want = CmsisNnRequantize(acc, m, shift);
    const int32_t got =
        ref::RequantizeFixedpoint(acc, m, shift, 0, kMin, kMax);
    ASSERT_EQ(got, want) << "acc " << acc << " multiplier " << m << " shift "
                         << shift;
  }
}

// ---------------------------------------------------------------------------
// Each kernel's vector requantization equals the reference, lane by lane.

class VectorRequant : public KernelTest {};

std::vector<int32_t> EdgeAccumulators(std::mt19937& rng, size_t random) {
  std::vector<int32_t> acc = {0,    1,     -1,    2,       -2,   kMin, kMin + 1,
                              kMax, kMax - 1, 1 << 30, -(1 << 30), 255, -256,
                              (1 << 23) + 1, -(1 << 23) - 1};
  std::uniform_int_distribution<int32_t> any(kMin, kMax);
  std::uniform_int_distribution<int32_t> small(-100000, 100000);
  for (size_t i = 0; i < random; ++i) acc.push_back(i % 2 ? any(rng) : small(rng));
  return acc;
}

void CheckMode(const GemmKernel& kernel, lowbit_requant mode,
               lowbit_dtype type, int32_t zp, int32_t qmin, int32_t qmax,
               uint32_t seed) {
  std::mt19937 rng(seed);
  const std::vector<int32_t> acc = EdgeAccumulators(rng, 2000);
  const size_t n = acc.size();
  const size_t padded = n + 64;  // vectors read whole lanes
  std::vector<float> scale(padded, 1.0f);
  std::vector<int32_t> mult(padded, 1 << 30), shift(padded, 0);
  std::uniform_int_distribution<int32_t> exp_dist(-32, 7);
  std::uniform_real_distribution<double> frac(1.0, 2.0);
  for (size_t i = 0; i < n; ++i) {
    // Scales over the whole accepted range, with its ends included.
    double s = std::ldexp(frac(rng), exp_dist(rng));
    if (i % 97 == 0) s = std::ldexp(1.0, -32);
    if (i % 89 == 0) s = 255.999;
    if (i % 83 == 0) s = 1.0;
    scale[i] = static_cast<float>(s);
    if (!ref::ScaleInRange(scale[i])) scale[i] = 1.0f;
    ASSERT_TRUE(ref::QuantizeMultiplier(s, &mult[i], &shift[i])) << s;
  }
  GemmOutput out{mode, type, scale.data(), mult.data(), shift.data(),
                 zp, qmin, qmax};
  std::vector<int32_t> got(n);
  kernel.requantize(out, acc.data(), n, got.data());
  for (size_t i = 0; i < n; ++i) {
    int32_t want = 0;
    switch (mode) {
      case LOWBIT_REQUANT_FP32:
        want = ref::RequantizeFp32(acc[i], scale[i], zp, qmin, qmax);
        break;
      case LOWBIT_REQUANT_FIXEDPOINT:
        want = ref::RequantizeFixedpoint(acc[i], mult[i], shift[i], zp, qmin,
                                         qmax);
        break;
      case LOWBIT_REQUANT_FIXEDPOINT_SINGLE:
        want = ref::RequantizeFixedpointSingle(acc[i], mult[i], shift[i], zp,
                                               qmin, qmax);
        break;
      default:
        FAIL() << "unknown mode " << mode;
    }
    ASSERT_EQ(got[i], want)
        << kernel.name << " mode " << mode << " acc " << acc[i] << " scale "
        << scale[i] << " multiplier " << mult[i] << " shift " << shift[i]
        << " zp " << zp << " clamp [" << qmin << ", " << qmax << "]";
  }
}

TEST_P(VectorRequant, MatchesReference) {
  const GemmKernel& kernel = *GetParam();
  uint32_t seed = 1;
  for (lowbit_requant mode : {LOWBIT_REQUANT_FP32, LOWBIT_REQUANT_FIXEDPOINT,
                              LOWBIT_REQUANT_FIXEDPOINT_SINGLE}) {
    CheckMode(kernel, mode, LOWBIT_DTYPE_INT8, 0, -128, 127, seed++);
    CheckMode(kernel, mode, LOWBIT_DTYPE_INT8, -128, -128, 127, seed++);
    CheckMode(kernel, mode, LOWBIT_DTYPE_INT8, 127, -128, 127, seed++);
    CheckMode(kernel, mode, LOWBIT_DTYPE_INT8, 5, 5, 60, seed++);
    CheckMode(kernel, mode, LOWBIT_DTYPE_UINT8, 0, 0, 255, seed++);
    CheckMode(kernel, mode, LOWBIT_DTYPE_UINT8, 255, 0, 255, seed++);
    CheckMode(kernel, mode, LOWBIT_DTYPE_UINT8, 128, 128, 128, seed++);
  }
}

// Every tie between two integers, both signs, for fp32 (round to even).
TEST_P(VectorRequant, Fp32Ties) {
  const GemmKernel& kernel = *GetParam();
  std::vector<int32_t> acc;
  for (int32_t x = -600; x <= 600; ++x) acc.push_back(x);
  const size_t n = acc.size();
  std::vector<float> scale(n + 64, 0.5f);
  std::vector<int32_t> mult(n + 64, 1 << 30), shift(n + 64, 0);
  GemmOutput out{LOWBIT_REQUANT_FP32, LOWBIT_DTYPE_INT8, scale.data(),
                 mult.data(), shift.data(), -1, -128, 127};
  std::vector<int32_t> got(n);
  kernel.requantize(out, acc.data(), n, got.data());
  for (size_t i = 0; i < n; ++i) {
    ASSERT_EQ(got[i], ref::RequantizeFp32(acc[i], 0.5f, -1, -128, 127))
        << kernel.name << " acc " << acc[i];
  }
}

LOWBIT_INSTANTIATE_FOR_ALL_KERNELS(VectorRequant);

}  // namespace
}  // namespace lowbit
