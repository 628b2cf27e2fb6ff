// int8 activations x int4 weights (per channel or per tensor, symmetric):
// the exact sweep of DESIGN.md §4 on every kernel that reads int4 weights
// and the public entry points (the packer: pack_test.cc).
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <vector>

#include "kernels/gemm/kernel_table.h"
#include "kernels/operator/gemm_op.h"
#include "kernels/reference/gemm.h"
#include "tests/gemm_tester.h"
#include "tests/kernel_test.h"

namespace lowbit {
namespace {

constexpr lowbit_requant kModes[] = {LOWBIT_REQUANT_FP32,
                                     LOWBIT_REQUANT_FIXEDPOINT,
                                     LOWBIT_REQUANT_FIXEDPOINT_SINGLE};

class Int4GemmSweep : public KernelTest {
 protected:
  size_t mr() const { return kernel().mr; }
  size_t nr() const { return kernel().layout.nr; }
  size_t kr() const { return kernel().layout.kr; }
  GemmTester Int4() const {
    return GemmTester().weight_type(LOWBIT_DTYPE_INT4);
  }
};

TEST_P(Int4GemmSweep, KSweep) {
  for (size_t m : {size_t{1}, size_t{2}, mr()}) {
    for (lowbit_requant mode : kModes) {
      for (size_t k = 1; k <= 8 * kr(); ++k) {
        Int4().m(m).n(nr()).k(k).requant(mode).Test(kernel());
      }
      for (size_t k = 8 * kr() + 1; k < 600; k += 37) {
        Int4().m(m).n(nr()).k(k).requant(mode).Test(kernel());
      }
    }
  }
}

TEST_P(Int4GemmSweep, NAndMSweep) {
  for (size_t n : {size_t{1}, size_t{2}, nr() - 1, nr(), nr() + 1,
                   2 * nr() - 1, 3 * nr() + 7}) {
    for (size_t k : {1, 2, 7, 64, 131}) {
      Int4().m(mr()).n(n).k(k).Test(kernel());
    }
  }
  for (size_t m = 1; m <= 3 * mr() + 1; ++m) {
    for (lowbit_requant mode : kModes) {
      Int4().m(m).n(nr() + 3).k(37).requant(mode).Test(kernel());
    }
  }
}

// Rows of odd and even nibble strides: a row may start in a byte's high
// nibble (TFLite's dense packing, stride K odd) or on a byte (stride even).
TEST_P(Int4GemmSweep, WeightStrides) {
  for (size_t k : {size_t{1}, size_t{5}, size_t{32}, size_t{43}}) {
    for (size_t extra : {size_t{0}, size_t{1}, size_t{2}, size_t{7}}) {
      Int4().m(mr() + 1).n(nr() + 5).k(k).w_stride(k + extra)
          .a_stride(k + 3).c_stride(nr() + 9).Test(kernel());
    }
  }
}

TEST_P(Int4GemmSweep, TypesZeroPointsAndClamps) {
  for (lowbit_dtype in : {LOWBIT_DTYPE_INT8, LOWBIT_DTYPE_UINT8}) {
    const bool in_u8 = in == LOWBIT_DTYPE_UINT8;
    for (lowbit_dtype out : {LOWBIT_DTYPE_INT8, LOWBIT_DTYPE_UINT8}) {
      const bool out_u8 = out == LOWBIT_DTYPE_UINT8;
      for (int32_t za : {in_u8 ? 0 : -128, in_u8 ? 255 : 127}) {
        for (int32_t zo : {out_u8 ? 0 : -128, out_u8 ? 255 : 127}) {
          for (lowbit_requant mode : kModes) {
            Int4().m(mr()).n(nr() + 1).k(2 * kr() + 1).input_type(in)
                .output_type(out).a_zero_point(za).c_zero_point(zo)
                .requant(mode).Test(kernel());
          }
        }
      }
    }
  }
  for (lowbit_requant mode : kModes) {
    Int4().m(mr()).n(nr() + 3).k(29).c_zero_point(-5).clamp(-5, 40)
        .requant(mode).Test(kernel());
    Int4().m(mr()).n(nr() + 5).k(77).per_channel(false).bias(false)
        .requant(mode).Test(kernel());
  }
}

// -8 and 7 against both ends of the activations, zero points at the far
// ends, outputs spread, saturated and squeezed.
TEST_P(Int4GemmSweep, ExtremeInputs) {
  for (Fill af : {Fill::kMin, Fill::kMax}) {
    for (Fill wf : {Fill::kMin, Fill::kMax}) {
      for (lowbit_requant mode : kModes) {
        for (float factor : {1.0f, 1e-3f, 1e3f}) {
          Int4().m(mr()).n(nr() + 2).k(255).a_fill(af).w_fill(wf)
              .a_zero_point(af == Fill::kMin ? 127 : -128)
              .output_scale_factor(factor).requant(mode).Test(kernel());
          Int4().m(mr()).n(nr() + 2).k(255).a_fill(af).w_fill(wf)
              .input_type(LOWBIT_DTYPE_UINT8).output_type(LOWBIT_DTYPE_UINT8)
              .a_zero_point(af == Fill::kMin ? 255 : 0)
              .output_scale_factor(factor).requant(mode).Test(kernel());
        }
      }
    }
  }
}

// The largest K whose accumulator fits: 255 * 8 * 1052688 = 2147483520
// < 2^31, reached exactly, whole and in K parts.
TEST_P(Int4GemmSweep, AccumulatorAtTheInt32Limit) {
  for (size_t parts : {size_t{0}, size_t{50000}}) {
    Int4().m(2).n(nr() + 1).k(1052688).bias(false)
        .input_type(LOWBIT_DTYPE_UINT8).a_fill(Fill::kMax).w_fill(Fill::kMin)
        .a_zero_point(0).raw_int32(true).k_part_groups(parts).Test(kernel());
  }
}

TEST_P(Int4GemmSweep, CallerMultipliersAndRawInt32) {
  for (lowbit_requant mode :
       {LOWBIT_REQUANT_FIXEDPOINT, LOWBIT_REQUANT_FIXEDPOINT_SINGLE}) {
    for (bool per_channel : {true, false}) {
      Int4().m(mr()).n(nr() + 3).k(2 * kr() + 1).requant(mode)
          .per_channel(per_channel).caller_multipliers(true).Test(kernel());
    }
  }
  for (size_t k : {1, 3, 64, 257}) {
    Int4().m(mr() + 1).n(nr() + 7).k(k).raw_int32(true).Test(kernel());
  }
}

// Rows read in place (int8 ones flipped as read) or converted, on single
// row tiles (the int4 loop) and on tasks of several (weights expanded once
// per task, where the kernel has that form).
TEST_P(Int4GemmSweep, RowsInPlaceConvertedAndExpanded) {
  for (bool converted : {false, true}) {
    for (lowbit_dtype in : {LOWBIT_DTYPE_INT8, LOWBIT_DTYPE_UINT8}) {
      for (size_t m : {size_t{1}, mr(), 2 * mr(), 4 * mr() + 3}) {
        Int4().m(m).n(2 * nr() + 3).k(16 * kr()).input_type(in)
            .a_zero_point(in == LOWBIT_DTYPE_UINT8 ? 131 : -7)
            .converted(converted).Test(kernel());
      }
    }
  }
}

TEST_P(Int4GemmSweep, KBlockingAndThreadCounts) {
  for (size_t parts : {size_t{1}, size_t{3}}) {
    Int4().m(2 * mr() + 1).n(nr() + 1).k(19 * kr() + 1).k_part_groups(parts)
        .Test(kernel());
  }
  for (size_t threads : {2, 3}) {
    Int4().m(3 * mr() + 2).n(3 * nr() + 1).k(70).threads(threads)
        .Test(kernel());
  }
}

INSTANTIATE_TEST_SUITE_P(Kernels, Int4GemmSweep,
                         ::testing::ValuesIn(Int4GemmKernels()), KernelName);

// Every family has an int4 kernel to run (its own or a portable one), and
// each reads 4-bit weights.
TEST(Int4Dispatch, EveryKernelHasAnInt4Path) {
  ASSERT_FALSE(Int4GemmKernels().empty());
  for (const GemmKernel* k : GemmKernels()) {
    if (!CpuSupports(*k)) continue;
    const GemmKernel& int4 = Int4KernelFor(*k);
    EXPECT_NE(int4.layout.nibble_span, 0u) << k->name;
    EXPECT_TRUE(CpuSupports(int4)) << k->name << " -> " << int4.name;
  }
}

// Every kernel in the table, hand-written or portable, has an int4 form
// built for the same ISA: forcing a family (LOWBIT_ISA) keeps int4 weights
// on that family's instructions, not on another one this CPU happens to
// have.
TEST(Int4Dispatch, EveryFamilyHasItsOwnInt4Kernel) {
  for (const GemmKernel* k : GemmKernels()) {
    ASSERT_NE(k->int4, nullptr) << k->name;
    EXPECT_EQ(k->int4->requires, k->requires) << k->name;
    EXPECT_EQ(k->int4->hwy_target, k->hwy_target) << k->name;
    EXPECT_STREQ(k->int4->family, k->family) << k->name;
    EXPECT_EQ(&Int4KernelFor(*k), k->int4) << k->name;
  }
}

// The public entry points on int4 weights, and what they reject.
TEST(Int4Api, PackRunAndReject) {
  std::mt19937 rng(3);
  const size_t n = 37, k = 91, m = 5;
  const std::vector<uint8_t> w = FillInt4(n * k, Fill::kRandom, rng);
  const std::vector<uint8_t> a = Fill8(m * k, LOWBIT_DTYPE_INT8,
                                       Fill::kRandom, rng);
  std::vector<float> scales(n, 0.01f);
  lowbit_gemm_params p;
  lowbit_gemm_params_init(&p);
  p.n = n;
  p.k = k;
  p.weight_type = LOWBIT_DTYPE_INT4;
  p.weights = w.data();
  p.weight_stride = k;
  p.weight_scales = scales.data();
  p.weight_scale_count = n;
  p.input_zero_point = -3;
  p.output_scale = 0.2f;
  lowbit_gemm_t gemm = nullptr;
  ASSERT_EQ(lowbit_gemm_pack(&p, &gemm), LOWBIT_OK) << lowbit_last_error();
  std::vector<int8_t> got(m * n), want(m * n);
  ASSERT_EQ(lowbit_gemm_run(gemm, m, a.data(), k, got.data(), n, nullptr),
            LOWBIT_OK);
  ref::Gemm(p, m, a.data(), k, want.data(), n);
  EXPECT_EQ(got, want);
  lowbit_gemm_destroy(gemm);

  lowbit_gemm_params bad = p;
  bad.weight_zero_point = 1;
  EXPECT_EQ(lowbit_gemm_pack(&bad, &gemm), LOWBIT_ERROR_INVALID_ZERO_POINT);
  bad = p;
  bad.weight_stride = k - 1;
  EXPECT_EQ(lowbit_gemm_pack(&bad, &gemm), LOWBIT_ERROR_INVALID_STRIDE);
  bad = p;
  bad.input_type = LOWBIT_DTYPE_INT4;
  EXPECT_EQ(lowbit_gemm_pack(&bad, &gemm), LOWBIT_ERROR_UNSUPPORTED);
  bad = p;
  bad.output_type = LOWBIT_DTYPE_INT4;
  EXPECT_EQ(lowbit_gemm_pack(&bad, &gemm), LOWBIT_ERROR_UNSUPPORTED);
  // An int4 kernel handed 8-bit weights (a buffer of that size), and the
  // other way round.
  const std::vector<uint8_t> w8(n * k, 1);
  bad = p;
  bad.weight_type = LOWBIT_DTYPE_INT8;
  bad.weights = w8.data();
  EXPECT_EQ(PackGemm(&bad, *Int4GemmKernels().back(), &gemm),
            LOWBIT_ERROR_UNSUPPORTED);
  EXPECT_EQ(PackGemm(&p, *GemmKernels().back(), &gemm),
            LOWBIT_ERROR_UNSUPPORTED);
  // One past the exact-accumulation limit (255 * 8 * K < 2^31).
  const size_t big = 1052689;
  const std::vector<uint8_t> minus8((big + 1) / 2, 0x88);
  bad = p;
  bad.n = 1;
  bad.k = big;
  bad.weight_stride = big;
  bad.weights = minus8.data();
  bad.input_type = LOWBIT_DTYPE_UINT8;
  bad.input_zero_point = 0;
  bad.weight_scale_count = 1;
  EXPECT_EQ(lowbit_gemm_pack(&bad, &gemm), LOWBIT_ERROR_K_TOO_LARGE);
  bad.k = bad.weight_stride = big - 1;
  ASSERT_EQ(lowbit_gemm_pack(&bad, &gemm), LOWBIT_OK) << lowbit_last_error();
  lowbit_gemm_destroy(gemm);
}

}  // namespace
}  // namespace lowbit
