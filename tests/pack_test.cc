// The packer against the reference packer, byte for byte, for every layout
// in the kernel table and every int4 layout.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "kernels/gemm/kernel_table.h"
#include "kernels/gemm/pack.h"
#include "kernels/operator/aligned_vector.h"
#include "kernels/operator/gemm_op.h"
#include "kernels/operator/scratch.h"
#include "kernels/reference/gemm.h"
#include "tests/kernel_test.h"

namespace lowbit {
namespace {

struct PackCase {
  size_t n, k, stride;
  lowbit_dtype type;
  bool bias;
};

void CheckPack(const GemmKernel& kernel, const PackCase& c, uint32_t seed) {
  std::mt19937 rng(seed);
  // Any byte is two valid int4 values.
  const size_t count = (c.n - 1) * c.stride + c.k;
  std::vector<uint8_t> w(c.type == LOWBIT_DTYPE_INT4 ? (count + 1) / 2
                                                     : count);
  for (auto& x : w) x = static_cast<uint8_t>(rng());
  std::vector<int32_t> bias(c.n);
  for (auto& b : bias) b = static_cast<int32_t>(rng());
  const float scale = 1.0f;
  lowbit_gemm_params p;
  lowbit_gemm_params_init(&p);
  p.n = c.n;
  p.k = c.k;
  p.weight_type = c.type;
  p.weights = w.data();
  p.weight_stride = c.stride;
  p.bias = c.bias ? bias.data() : nullptr;
  p.weight_scales = &scale;
  p.weight_zero_point = c.type == LOWBIT_DTYPE_UINT8 ? 128 : 0;

  const size_t bytes = kernel.layout.PackedBytes(c.n, c.k);
  std::vector<uint8_t> want(bytes, 0xEE);
  ref::PackWeights(p, kernel.layout, want.data());
  std::vector<uint8_t> got(bytes, 0x11);
  PackGemmWeights(p, kernel.layout, got.data());
  for (size_t i = 0; i < bytes; ++i) {
    ASSERT_EQ(got[i], want[i])
        << kernel.name << " n=" << c.n << " k=" << c.k << " stride="
        << c.stride << " type=" << c.type << ": packed byte " << i << " of "
        << bytes;
  }

  // A handle carries exactly these bytes too (bias magnitudes permitting).
  if (!c.bias) {
    lowbit_gemm_t gemm = nullptr;
    ASSERT_EQ(PackGemm(&p, kernel, &gemm), LOWBIT_OK) << lowbit_last_error();
    size_t handle_bytes = 0;
    const uint8_t* packed = PackedWeights(gemm, &handle_bytes);
    ASSERT_EQ(handle_bytes, bytes);
    EXPECT_EQ(std::memcmp(packed, want.data(), bytes), 0) << kernel.name;
    lowbit_gemm_destroy(gemm);
  }
}

class PackTest : public ::testing::TestWithParam<const GemmKernel*> {};

TEST_P(PackTest, MatchesReferencePacker) {
  const GemmKernel& kernel = *GetParam();
  const size_t nr = kernel.layout.nr;
  const size_t kr = kernel.layout.kr;
  uint32_t seed = 7;
  for (size_t n : {size_t{1}, nr - 1, nr, nr + 1, 3 * nr + 5}) {
    for (size_t k : {size_t{1}, kr - 1 + (kr == 1), kr, kr + 1, 4 * kr + 3,
                     size_t{127}}) {
      for (lowbit_dtype t : {LOWBIT_DTYPE_INT8, LOWBIT_DTYPE_UINT8}) {
        for (bool bias : {false, true}) {
          CheckPack(kernel, {n, k, k, t, bias}, seed++);
          CheckPack(kernel, {n, k, k + 13, t, bias}, seed++);
        }
      }
    }
  }
}

LOWBIT_INSTANTIATE_FOR_ALL_KERNELS(PackTest);

// int4 layouts, rows starting on a byte and in a high nibble; packed int4
// weights stay 4-bit: nibbles padded to whole K groups and the per-channel
// bias, at most 0.5 + 8 / K bytes per weight when the blocks are full.
class Int4PackTest : public PackTest {};

TEST_P(Int4PackTest, MatchesReferencePackerAndStaysFourBit) {
  const GemmKernel& kernel = *GetParam();
  const size_t nr = kernel.layout.nr;
  const size_t kr = kernel.layout.kr;
  uint32_t seed = 11;
  for (size_t n : {size_t{1}, nr - 1, nr, 3 * nr + 5}) {
    for (size_t k : {size_t{1}, kr + 1, size_t{64}, size_t{127}}) {
      for (size_t stride : {k, k + 1}) {
        for (bool bias : {false, true}) {
          CheckPack(kernel, {n, k, stride, LOWBIT_DTYPE_INT4, bias}, seed++);
        }
      }
      if (n % nr == 0) {
        EXPECT_LE(static_cast<double>(kernel.layout.PackedBytes(n, k)),
                  n * (0.5 * k + 8.0))
            << kernel.name << " n=" << n << " k=" << k;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Kernels, Int4PackTest,
                         ::testing::ValuesIn(Int4GemmKernels()), KernelName);

// Packed weights, per-channel parameters and scratch start on a cache line:
// the kernels read them as 64-byte vectors, and one straddling two lines
// cost the depthwise kernel a fifth of its speed.
TEST(PackedData, StartsOnACacheLine) {
  for (size_t n : {1, 3, 16, 17, 100, 4097}) {
    AlignedVector<int32_t> v(n);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(v.data()) % 64, 0u) << n;
    AlignedVector<uint8_t> b;
    b.assign(n, 1);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(b.data()) % 64, 0u) << n;
    b.resize(3 * n + 5);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(b.data()) % 64, 0u) << n;
    ScratchArray<int16_t> scratch;
    ASSERT_TRUE(scratch.Reserve(n));
    EXPECT_EQ(reinterpret_cast<uintptr_t>(scratch.data()) % 64, 0u) << n;
  }
  ScratchArray<int32_t> huge;
  EXPECT_FALSE(huge.Reserve(static_cast<size_t>(-1) / 2));
}

// A static int4 handle (lowbit_gemm_packed_size) keeps the nibbles, one
// int32 per channel and only its mode's requantization parameters: at
// most 0.5 + 4 / G + 8 / K bytes per weight with G = K (per-channel
// scales), N a whole number of the kernel's channel blocks.
TEST(Int4PackedSize, StaysWithinTheBound) {
  for (const GemmKernel* kernel : Int4GemmKernels()) {
    if (!CpuSupports(*kernel)) continue;
    const size_t n = 2 * kernel->layout.nr, k = 256;
    std::vector<uint8_t> w(n * k / 2, 0x7A);
    std::vector<float> scales(n, 0.01f);
    std::vector<int32_t> mult(n, 1 << 30), shift(n, -3);
    for (int mode = 0; mode < 3; ++mode) {
      lowbit_gemm_params p;
      lowbit_gemm_params_init(&p);
      p.n = n;
      p.k = k;
      p.weight_type = LOWBIT_DTYPE_INT4;
      p.weights = w.data();
      p.weight_stride = k;
      p.input_scale = 0.5f;
      p.output_scale = 0.25f;
      p.weight_scales = scales.data();
      p.weight_scale_count = n;
      p.requant = mode == 0 ? LOWBIT_REQUANT_FP32 : LOWBIT_REQUANT_FIXEDPOINT;
      if (mode == 2) {
        p.requant_multipliers = mult.data();
        p.requant_shifts = shift.data();
        p.requant_multiplier_count = n;
      }
      lowbit_gemm_t g = nullptr;
      ASSERT_EQ(PackGemm(&p, *kernel, &g), LOWBIT_OK) << lowbit_last_error();
      const size_t bytes = lowbit_gemm_packed_size(g);
      EXPECT_LE(static_cast<double>(bytes), (0.5 + 12.0 / k) * n * k)
          << kernel->name << " mode " << mode;
      EXPECT_GE(bytes, n * k / 2);
      lowbit_gemm_destroy(g);
    }
  }
  EXPECT_EQ(lowbit_gemm_packed_size(nullptr), 0u);
}

}  // namespace
}  // namespace lowbit
