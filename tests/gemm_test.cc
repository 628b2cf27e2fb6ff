// The exact sweep of DESIGN.md §4, run on every microkernel in the table.
#include <gtest/gtest.h>

#include "tests/kernel_test.h"
#include "tests/gemm_tester.h"

namespace lowbit {
namespace {

constexpr lowbit_requant kModes[] = {LOWBIT_REQUANT_FP32,
                                     LOWBIT_REQUANT_FIXEDPOINT,
                                     LOWBIT_REQUANT_FIXEDPOINT_SINGLE};

class GemmSweep : public KernelTest {
 protected:
  size_t mr() const { return kernel().mr; }
  size_t nr() const { return kernel().layout.nr; }
  size_t kr() const { return kernel().layout.kr; }
};

// k below, at and above the K group, then prime steps.
TEST_P(GemmSweep, KSweep) {
  // One and two rows too: short tiles split K over several accumulator sets.
  for (size_t m : {size_t{1}, size_t{2}, mr()}) {
    for (lowbit_requant mode : kModes) {
      for (size_t k = 1; k <= 8 * kr(); ++k) {
        GemmTester().m(m).n(nr()).k(k).requant(mode).Test(kernel());
      }
      for (size_t k = 8 * kr() + 1; k < 600; k += 37) {
        GemmTester().m(m).n(nr()).k(k).requant(mode).Test(kernel());
      }
    }
  }
}

TEST_P(GemmSweep, NSweep) {
  for (size_t n : {size_t{1}, size_t{2}, nr() - 1, nr(), nr() + 1,
                   2 * nr() - 1, 2 * nr(), 3 * nr() + 7}) {
    for (size_t k : {1, 2, 7, 64, 131}) {
      for (lowbit_requant mode : kModes) {
        GemmTester().m(mr()).n(n).k(k).requant(mode).Test(kernel());
      }
    }
  }
}

TEST_P(GemmSweep, MSweep) {
  for (size_t m = 1; m <= 3 * mr() + 1; ++m) {
    for (lowbit_requant mode : kModes) {
      GemmTester().m(m).n(nr() + 3).k(37).requant(mode).Test(kernel());
    }
  }
}

TEST_P(GemmSweep, Strided) {
  for (lowbit_requant mode : kModes) {
    GemmTester()
        .m(2 * mr() + 1)
        .n(2 * nr() + 5)
        .k(43)
        .a_stride(59)
        .w_stride(50)
        .c_stride(2 * nr() + 17)
        .requant(mode)
        .Test(kernel());
  }
  GemmTester().m(mr() + 1).n(nr() + 1).k(9).a_stride(11).c_stride(nr() + 4)
      .raw_int32(true).Test(kernel());
}

TEST_P(GemmSweep, PerTensorAndNoBias) {
  for (lowbit_requant mode : kModes) {
    GemmTester().m(mr()).n(nr() + 5).k(77).per_channel(false).bias(false)
        .requant(mode).Test(kernel());
  }
}

TEST_P(GemmSweep, ZeroPointsAtTheEnds) {
  struct Types {
    lowbit_dtype in, w, out;
  };
  for (Types t : {Types{LOWBIT_DTYPE_INT8, LOWBIT_DTYPE_INT8, LOWBIT_DTYPE_INT8},
                  Types{LOWBIT_DTYPE_UINT8, LOWBIT_DTYPE_UINT8,
                        LOWBIT_DTYPE_UINT8},
                  Types{LOWBIT_DTYPE_UINT8, LOWBIT_DTYPE_INT8,
                        LOWBIT_DTYPE_INT8},
                  Types{LOWBIT_DTYPE_INT8, LOWBIT_DTYPE_UINT8,
                        LOWBIT_DTYPE_UINT8}}) {
    const bool in_u8 = t.in == LOWBIT_DTYPE_UINT8;
    const bool out_u8 = t.out == LOWBIT_DTYPE_UINT8;
    for (int32_t za : {in_u8 ? 0 : -128, in_u8 ? 255 : 127}) {
      for (int32_t zw : t.w == LOWBIT_DTYPE_UINT8 ? std::vector<int32_t>{0, 128, 255}
                                                 : std::vector<int32_t>{0}) {
        for (int32_t zo : {out_u8 ? 0 : -128, out_u8 ? 255 : 127}) {
          for (lowbit_requant mode : kModes) {
            GemmTester()
                .m(mr())
                .n(nr() + 1)
                .k(2 * kr() + 1)
                .input_type(t.in)
                .weight_type(t.w)
                .output_type(t.out)
                .a_zero_point(za)
                .w_zero_point(zw)
                .c_zero_point(zo)
                .requant(mode)
                .Test(kernel());
          }
        }
      }
    }
  }
}

// Every input at the ends of its type, with zero points at the far ends so
// the accumulators take their largest magnitudes.
TEST_P(GemmSweep, ExtremeInputs) {
  for (Fill af : {Fill::kMin, Fill::kMax}) {
    for (Fill wf : {Fill::kMin, Fill::kMax}) {
      for (lowbit_requant mode : kModes) {
        for (float factor : {1.0f, 1e-3f, 1e3f}) {
          GemmTester().m(mr()).n(nr() + 2).k(255).a_fill(af).w_fill(wf)
              .a_zero_point(af == Fill::kMin ? 127 : -128)
              .output_scale_factor(factor).requant(mode).Test(kernel());
          GemmTester().m(mr()).n(nr() + 2).k(255).a_fill(af).w_fill(wf)
              .input_type(LOWBIT_DTYPE_UINT8).weight_type(LOWBIT_DTYPE_UINT8)
              .output_type(LOWBIT_DTYPE_UINT8)
              .a_zero_point(af == Fill::kMin ? 255 : 0)
              .w_zero_point(wf == Fill::kMin ? 255 : 0)
              .output_scale_factor(factor).requant(mode).Test(kernel());
        }
      }
    }
  }
}

// The largest K whose accumulator still fits: |255 - 0| * |0 - 255| * 33025
// = 2147450625 < 2^31, reached exactly.
TEST_P(GemmSweep, AccumulatorAtTheInt32Limit) {
  for (bool raw : {true, false}) {
    GemmTester().m(2).n(nr() + 1).k(33025).bias(false)
        .input_type(LOWBIT_DTYPE_UINT8).weight_type(LOWBIT_DTYPE_UINT8)
        .output_type(LOWBIT_DTYPE_UINT8).a_fill(Fill::kMax).w_fill(Fill::kMin)
        .a_zero_point(0).w_zero_point(255).raw_int32(raw).Test(kernel());
    // The same sum reached in parts.
    GemmTester().m(2).n(nr() + 1).k(33025).bias(false)
        .input_type(LOWBIT_DTYPE_UINT8).weight_type(LOWBIT_DTYPE_UINT8)
        .output_type(LOWBIT_DTYPE_UINT8).a_fill(Fill::kMax).w_fill(Fill::kMin)
        .a_zero_point(0).w_zero_point(255).raw_int32(raw)
        .k_part_groups(1000).Test(kernel());
  }
}

TEST_P(GemmSweep, FusedActivations) {
  for (lowbit_requant mode : kModes) {
    // ReLU, ReLU6-like and an arbitrary clamp, in both output types.
    GemmTester().m(mr()).n(nr() + 3).k(29).c_zero_point(-5).clamp(-5, 127)
        .requant(mode).Test(kernel());
    GemmTester().m(mr()).n(nr() + 3).k(29).c_zero_point(-5).clamp(-5, 40)
        .requant(mode).Test(kernel());
    GemmTester().m(mr()).n(nr() + 3).k(29).output_type(LOWBIT_DTYPE_UINT8)
        .c_zero_point(100).clamp(37, 201).requant(mode).Test(kernel());
    GemmTester().m(mr()).n(nr() + 3).k(29).c_zero_point(3).clamp(3, 3)
        .requant(mode).Test(kernel());
  }
}

// Caller-supplied (multiplier, shift) pairs in both fixed-point modes, per
// channel and per tensor, across output scales that move the shift.
TEST_P(GemmSweep, CallerMultipliers) {
  for (lowbit_requant mode :
       {LOWBIT_REQUANT_FIXEDPOINT, LOWBIT_REQUANT_FIXEDPOINT_SINGLE}) {
    for (bool per_channel : {true, false}) {
      for (float factor : {1.0f, 1e-3f, 30.0f}) {
        for (size_t k : {size_t{1}, 2 * kr() + 1, size_t{300}}) {
          GemmTester().m(mr()).n(nr() + 3).k(k).requant(mode)
              .per_channel(per_channel).output_scale_factor(factor)
              .caller_multipliers(true).Test(kernel());
        }
        GemmTester().m(1).n(2 * nr() - 1).k(64).requant(mode)
            .per_channel(per_channel).output_scale_factor(factor)
            .input_type(LOWBIT_DTYPE_UINT8).weight_type(LOWBIT_DTYPE_UINT8)
            .output_type(LOWBIT_DTYPE_UINT8).a_zero_point(140)
            .w_zero_point(120).c_zero_point(9).caller_multipliers(true)
            .Test(kernel());
      }
    }
  }
}

TEST_P(GemmSweep, RawInt32) {
  for (size_t k : {1, 2, 3, 64, 257}) {
    GemmTester().m(mr() + 1).n(nr() + 7).k(k).raw_int32(true).Test(kernel());
    GemmTester().m(mr()).n(nr() - 1).k(k).input_type(LOWBIT_DTYPE_UINT8)
        .weight_type(LOWBIT_DTYPE_UINT8).a_zero_point(3).w_zero_point(250)
        .raw_int32(true).Test(kernel());
  }
}

// K cut into parts (the operator's cache blocking for large K, forced small
// here): each part continues from the raw sums of the one before, so every
// cut must give the bytes of the uncut run.
TEST_P(GemmSweep, KBlocking) {
  for (size_t groups : {1, 2, 3, 7}) {
    for (size_t m : {size_t{1}, size_t{2}, mr(), 2 * mr() + 3}) {
      for (size_t k : {size_t{1}, kr() * groups, kr() * groups + 1, 2 * kr() * groups,
                       size_t{131}}) {
        for (lowbit_requant mode : kModes) {
          GemmTester().m(m).n(2 * nr() + 3).k(k).requant(mode)
              .k_part_groups(groups).Test(kernel());
        }
        GemmTester().m(m).n(nr() - 1).k(k).raw_int32(true)
            .k_part_groups(groups).Test(kernel());
        // Asymmetric weights: the row sums are subtracted once, in part 0.
        GemmTester().m(m).n(nr() + 1).k(k).input_type(LOWBIT_DTYPE_UINT8)
            .weight_type(LOWBIT_DTYPE_UINT8).a_zero_point(200)
            .w_zero_point(3).output_type(LOWBIT_DTYPE_UINT8).c_zero_point(7)
            .k_part_groups(groups).Test(kernel());
      }
    }
  }
  for (Fill af : {Fill::kMin, Fill::kMax}) {
    for (Fill wf : {Fill::kMin, Fill::kMax}) {
      GemmTester().m(mr()).n(nr() + 2).k(255).a_fill(af).w_fill(wf)
          .a_zero_point(af == Fill::kMin ? 127 : -128).k_part_groups(5)
          .Test(kernel());
    }
  }
}

TEST_P(GemmSweep, ThreadCountsGiveTheSameBytes) {
  for (size_t threads = 1; threads <= 4; ++threads) {
    for (lowbit_requant mode : kModes) {
      GemmTester().m(67).n(3 * nr() + 11).k(300).threads(threads)
          .requant(mode).Test(kernel());
    }
    GemmTester().m(1).n(5 * nr() + 1).k(128).threads(threads).Test(kernel());
    // K blocking: one partial-sum tile per thread.
    GemmTester().m(45).n(3 * nr() + 11).k(300).threads(threads)
        .k_part_groups(9).Test(kernel());
  }
  // Many rows converted by the pool, with the row sums of asymmetric weights.
  for (size_t threads : {size_t{1}, size_t{2}, size_t{3}}) {
    GemmTester().m(700).n(nr() + 5).k(401).threads(threads)
        .input_type(LOWBIT_DTYPE_UINT8).a_zero_point(131)
        .weight_type(LOWBIT_DTYPE_UINT8).w_zero_point(77).Test(kernel());
  }
}

// Whole K groups with symmetric weights: a kernel with ukernel_flip reads
// the caller's rows in place (XORed as it reads them where the input type
// is not its form); the same problems through converted rows must give
// the same bytes, at the extremes, with row strides and K blocking.
TEST_P(GemmSweep, RowsInPlaceAndConverted) {
  for (bool converted : {false, true}) {
    for (lowbit_dtype in : {LOWBIT_DTYPE_INT8, LOWBIT_DTYPE_UINT8}) {
      const int32_t za_lo = in == LOWBIT_DTYPE_UINT8 ? 0 : -128;
      for (size_t k : {kr(), 4 * kr(), 16 * kr(), 37 * kr()}) {
        for (lowbit_requant mode : kModes) {
          GemmTester().m(2 * mr() + 3).n(2 * nr() + 5).k(k).input_type(in)
              .a_zero_point(za_lo + 77).requant(mode).converted(converted)
              .Test(kernel());
        }
        GemmTester().m(mr() + 1).n(nr()).k(k).input_type(in)
            .a_stride(k + 3).converted(converted).Test(kernel());
        GemmTester().m(3 * mr()).n(nr() + 1).k(k).input_type(in)
            .k_part_groups(3).converted(converted).Test(kernel());
        for (Fill af : {Fill::kMin, Fill::kMax}) {
          for (Fill wf : {Fill::kMin, Fill::kMax}) {
            GemmTester().m(mr()).n(nr() + 2).k(k).input_type(in)
                .a_fill(af).w_fill(wf)
                .a_zero_point(af == Fill::kMin ? za_lo + 255 : za_lo)
                .converted(converted).Test(kernel());
          }
        }
      }
    }
  }
}

LOWBIT_INSTANTIATE_FOR_ALL_KERNELS(GemmSweep);

}  // namespace
}  // namespace lowbit
