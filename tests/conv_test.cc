// The convolution sweep (issue: kernel 1..7 and non-square, stride 1..3,
// dilation 1..3, symmetric, asymmetric and over-reaching padding, 1x1
// inputs, odd channel counts, groups and depthwise multipliers, batches,
// pixel strides, extremes, every requantization mode and clamp), on every
// GEMM microkernel in the table: exact equality with the 7-loop reference.
#include <gtest/gtest.h>

#include "kernels/operator/gemm_op.h"
#include "tests/conv_tester.h"
#include "tests/kernel_test.h"

namespace lowbit {
namespace {

constexpr lowbit_requant kModes[] = {LOWBIT_REQUANT_FP32,
                                     LOWBIT_REQUANT_FIXEDPOINT,
                                     LOWBIT_REQUANT_FIXEDPOINT_SINGLE};

using ConvSweep = KernelTest;

TEST_P(ConvSweep, KernelSizes) {
  for (size_t kh = 1; kh <= 7; ++kh) {
    for (size_t kw : {size_t{1}, size_t{3}, kh, size_t{8 - kh}}) {
      ConvTester()
          .input_size(9, 8)
          .kernel_size(kh, kw)
          .padding(kh / 2, kw / 2, (kh - 1) / 2, (kw - 1) / 2)
          .group_input_channels(kh + 1)
          .group_output_channels(kw + 4)
          .requant(kModes[(kh + kw) % 3])
          .Test(kernel());
    }
  }
}

TEST_P(ConvSweep, StrideAndDilation) {
  for (size_t s = 1; s <= 3; ++s) {
    for (size_t d = 1; d <= 3; ++d) {
      for (lowbit_requant mode : kModes) {
        ConvTester()
            .input_size(11, 10)
            .kernel_size(3, 3)
            .stride(s, s)
            .dilation(d, d)
            .padding(d)
            .group_input_channels(5)
            .group_output_channels(7)
            .requant(mode)
            .Test(kernel());
      }
      ConvTester()  // each dimension its own
          .input_size(13, 9)
          .kernel_size(5, 3)
          .stride(s, 4 - s)
          .dilation(4 - d, d)
          .padding(1, 2, 0, 3)
          .Test(kernel());
    }
  }
}

TEST_P(ConvSweep, Padding) {
  struct Pad { size_t t, l, b, r; };
  for (Pad pad : {Pad{0, 0, 0, 0}, Pad{1, 1, 1, 1}, Pad{2, 0, 1, 3},
                  Pad{0, 3, 2, 0}, Pad{4, 4, 4, 4}, Pad{7, 1, 6, 5}}) {
    for (size_t stride : {1, 2}) {
      ConvTester()
          .input_size(4, 5)
          .kernel_size(3, 3)
          .stride(stride, stride)
          .padding(pad.t, pad.l, pad.b, pad.r)
          .input_type(LOWBIT_DTYPE_UINT8)
          .input_zero_point(200)
          .Test(kernel());
    }
  }
}

TEST_P(ConvSweep, TinyInputs) {
  ConvTester().input_size(1, 1).kernel_size(1, 1).Test(kernel());
  ConvTester().input_size(1, 1).kernel_size(3, 3).padding(1).Test(kernel());
  ConvTester().input_size(1, 1).kernel_size(7, 7).padding(3).Test(kernel());
  ConvTester().input_size(1, 3).kernel_size(1, 3).Test(kernel());
  ConvTester().input_size(2, 1).kernel_size(2, 1).stride(3, 3).Test(kernel());
}

TEST_P(ConvSweep, Channels) {
  const size_t nr = kernel().layout.nr;
  const size_t kr = kernel().layout.kr;
  for (size_t cg : {size_t{1}, size_t{2}, size_t{3}, kr + 1, size_t{17},
                    size_t{64}}) {
    for (size_t ng : {size_t{1}, nr - 1, nr + 1, 2 * nr + 3}) {
      ConvTester()
          .input_size(5, 6)
          .kernel_size(3, 3)
          .padding(1)
          .group_input_channels(cg)
          .group_output_channels(ng)
          .Test(kernel());
    }
  }
}

TEST_P(ConvSweep, GroupsAndDepthwise) {
  for (size_t groups : {2, 3, 5}) {
    ConvTester()
        .input_size(6, 5)
        .groups(groups)
        .group_input_channels(4)
        .group_output_channels(3)
        .padding(1)
        .Test(kernel());
    for (size_t multiplier : {1, 2}) {  // depthwise
      for (size_t stride : {1, 2}) {
        ConvTester()
            .input_size(7, 7)
            .groups(groups * 3)
            .group_input_channels(1)
            .group_output_channels(multiplier)
            .stride(stride, stride)
            .padding(1)
            .requant(kModes[groups % 3])
            .Test(kernel());
      }
    }
  }
  ConvTester()  // depthwise 5x5
      .input_size(9, 9)
      .kernel_size(5, 5)
      .groups(19)
      .group_input_channels(1)
      .group_output_channels(1)
      .padding(2)
      .Test(kernel());
}

TEST_P(ConvSweep, BatchAndPixelStrides) {
  for (size_t batch : {2, 3}) {
    for (bool pointwise : {false, true}) {
      ConvTester()
          .batch(batch)
          .input_size(5, 4)
          .kernel_size(pointwise ? 1 : 3, pointwise ? 1 : 3)
          .padding(pointwise ? 0 : 1)
          .groups(2)
          .group_input_channels(3)
          .group_output_channels(5)
          .input_stride(11)
          .output_stride(13)
          .Test(kernel());
    }
  }
  ConvTester()  // 1x1 with a stride is not a plain GEMM
      .input_size(7, 7)
      .kernel_size(1, 1)
      .stride(2, 2)
      .input_stride(9)
      .Test(kernel());
}

TEST_P(ConvSweep, Extremes) {
  struct Types { lowbit_dtype in, w, out; };
  for (Types t : {Types{LOWBIT_DTYPE_INT8, LOWBIT_DTYPE_INT8, LOWBIT_DTYPE_INT8},
                  Types{LOWBIT_DTYPE_UINT8, LOWBIT_DTYPE_UINT8,
                        LOWBIT_DTYPE_UINT8}}) {
    const bool u8 = t.in == LOWBIT_DTYPE_UINT8;
    const int32_t lo = u8 ? 0 : -128;
    const int32_t hi = u8 ? 255 : 127;
    for (Fill a : {Fill::kMin, Fill::kMax}) {
      for (Fill w : {Fill::kMin, Fill::kMax}) {
        for (int32_t z : {lo, hi}) {
          for (lowbit_requant mode : kModes) {
            ConvTester()
                .input_size(4, 4)
                .kernel_size(3, 3)
                .padding(1, 2, 1, 0)
                .group_input_channels(7)
                .group_output_channels(6)
                .input_type(t.in)
                .weight_type(t.w)
                .output_type(t.out)
                .input_zero_point(z)
                .weight_zero_point(u8 ? hi + lo - z : 0)
                .output_zero_point(z)
                .input_fill(a)
                .weight_fill(w)
                .requant(mode)
                .Test(kernel());
          }
        }
      }
    }
  }
}

TEST_P(ConvSweep, RequantAndClamp) {
  for (lowbit_requant mode : kModes) {
    for (bool per_channel : {false, true}) {
      ConvTester()
          .input_size(6, 6)
          .padding(1)
          .group_output_channels(9)
          .per_channel(per_channel)
          .requant(mode)
          .clamp(-20, 33)
          .output_zero_point(-7)
          .Test(kernel());
    }
  }
  for (lowbit_requant mode :
       {LOWBIT_REQUANT_FIXEDPOINT, LOWBIT_REQUANT_FIXEDPOINT_SINGLE}) {
    ConvTester()
        .input_size(6, 6)
        .padding(1)
        .groups(2)
        .group_output_channels(9)
        .requant(mode)
        .caller_multipliers(true)
        .Test(kernel());
  }
  ConvTester()  // ReLU6-like: a single output value is allowed
      .input_size(5, 5)
      .output_type(LOWBIT_DTYPE_UINT8)
      .output_zero_point(10)
      .clamp(10, 10)
      .Test(kernel());
}

// Group input channels that are whole K groups, at least kMinTapGroups of
// them: kernels with an indirect form read the patches in place through
// tap offsets (padded taps from a row of za) instead of gathering them;
// every geometry against the reference, and gathered too.
// Border columns as GEMMs of their own that skip their padded kernel
// columns, and the inner columns in runs per output row: geometries whose
// inner width is a multiple of the indirect tile's rows, where that split
// costs fewer tile passes than whole rows (conv_op.cc), with padded kernel
// rows too, K parts cut inside and across kernel rows, every mode, both
// input types, batches, groups and pixel strides.
TEST_P(ConvSweep, PaddedColumnsSkipped) {
  const size_t kr = kernel().layout.kr;
  const size_t nr = kernel().layout.nr;
  const size_t r = kernel().indirect_mr != 0 ? kernel().indirect_mr : 8;
  const size_t cg = kMinTapGroups * kr;
  struct Geometry {
    size_t h, w, kh, kw, s, d, pt, pl, pb, pr;
  };
  const Geometry geometries[] = {
      {5, r + 2, 3, 3, 1, 1, 1, 1, 1, 1},      // one border column a side
      {6, r + 4, 5, 5, 1, 1, 2, 2, 2, 2},      // two, of 2 and 1 padded
      {5, 2 * r + 1, 3, 3, 2, 1, 1, 1, 1, 1},  // stride 2: the left one only
      {6, r + 4, 3, 3, 1, 2, 2, 2, 2, 2},      // dilation 2
      {4, r + 3, 3, 5, 1, 1, 0, 1, 2, 3},      // asymmetric, 3 columns right
  };
  for (const Geometry& g : geometries) {
    for (lowbit_requant mode : kModes) {
      for (size_t parts : {size_t{0}, size_t{1}, cg / kr + 1}) {
        ConvTester().input_size(g.h, g.w).kernel_size(g.kh, g.kw)
            .stride(g.s, g.s).dilation(g.d, g.d)
            .padding(g.pt, g.pl, g.pb, g.pr).group_input_channels(cg)
            .group_output_channels(nr + 3).requant(mode).k_part_groups(parts)
            .Test(kernel());
      }
    }
    ConvTester().batch(2).input_size(g.h, g.w).kernel_size(g.kh, g.kw)
        .stride(g.s, g.s).dilation(g.d, g.d).padding(g.pt, g.pl, g.pb, g.pr)
        .groups(2).group_input_channels(cg).group_output_channels(nr)
        .input_stride(2 * cg + 3).output_stride(2 * nr + 5)
        .input_type(LOWBIT_DTYPE_UINT8).input_zero_point(201).Test(kernel());
    for (Fill a : {Fill::kMin, Fill::kMax}) {
      ConvTester().input_size(g.h, g.w).kernel_size(g.kh, g.kw)
          .stride(g.s, g.s).dilation(g.d, g.d)
          .padding(g.pt, g.pl, g.pb, g.pr).group_input_channels(cg)
          .group_output_channels(nr).input_fill(a).weight_fill(Fill::kMax)
          .input_zero_point(a == Fill::kMin ? 127 : -128).Test(kernel());
    }
  }
}

TEST_P(ConvSweep, TapsReadInPlace) {
  const size_t kr = kernel().layout.kr;
  const size_t nr = kernel().layout.nr;
  const size_t cg0 = kMinTapGroups * kr;
  if (kernel().ukernel_indirect != nullptr) {
    ASSERT_NE(kernel().ukernel_indirect_flip, nullptr);
    ASSERT_GT(kernel().indirect_mr, 0u);
  }
  for (bool converted : {false, true}) {
    // Output pixels around multiples of the indirect tile's rows.
    for (size_t w : {size_t{4}, size_t{5}, size_t{6}}) {
      ConvTester().input_size(5, w).kernel_size(3, 3).padding(1)
          .group_input_channels(cg0).group_output_channels(nr)
          .converted(converted).Test(kernel());
    }
    for (size_t cg : {cg0, cg0 + kr, 4 * cg0}) {
      for (size_t k : {1, 3, 5}) {
        for (size_t stride : {1, 2, 3}) {
          ConvTester().input_size(7, 6).kernel_size(k, k == 5 ? 3 : k)
              .stride(stride, stride).padding(k / 2, k / 2, k / 2 + 1, 0)
              .group_input_channels(cg).group_output_channels(nr + 3)
              .converted(converted).Test(kernel());
        }
      }
      ConvTester().input_size(9, 8).kernel_size(3, 3).dilation(2, 3)
          .padding(2, 4, 1, 3).group_input_channels(cg)
          .group_output_channels(2 * nr - 1).input_type(LOWBIT_DTYPE_UINT8)
          .input_zero_point(201).converted(converted).Test(kernel());
      ConvTester().input_size(2, 3).kernel_size(7, 7).padding(5, 4, 6, 3)
          .group_input_channels(cg).group_output_channels(5)
          .converted(converted).Test(kernel());
      ConvTester().batch(3).input_size(5, 4).kernel_size(3, 2).padding(1)
          .groups(2).group_input_channels(cg).group_output_channels(nr + 1)
          .input_stride(2 * cg + 5).output_stride(2 * nr + 9)
          .converted(converted).Test(kernel());
      for (size_t parts : {size_t{1}, cg / kr - 1, cg / kr + 1, 3 * cg / kr}) {
        for (lowbit_requant mode : kModes) {
          ConvTester().input_size(6, 5).kernel_size(3, 3).padding(1)
              .group_input_channels(cg).group_output_channels(2 * nr + 3)
              .requant(mode).k_part_groups(parts).converted(converted)
              .Test(kernel());
        }
      }
    }
    for (Fill a : {Fill::kMin, Fill::kMax}) {
      for (Fill w : {Fill::kMin, Fill::kMax}) {
        for (lowbit_dtype in : {LOWBIT_DTYPE_INT8, LOWBIT_DTYPE_UINT8}) {
          const int32_t lo = in == LOWBIT_DTYPE_UINT8 ? 0 : -128;
          for (int32_t z : {lo, lo + 255}) {
            ConvTester().input_size(4, 5).kernel_size(3, 3)
                .padding(2, 1, 0, 2).group_input_channels(cg0 + kr)
                .group_output_channels(nr + 2).input_type(in)
                .input_zero_point(z).input_fill(a).weight_fill(w)
                .converted(converted).Test(kernel());
          }
        }
      }
    }
  }
}

// Named for the qemu stages, which leave out tests that start threads.
TEST_P(ConvSweep, ThreadCounts) {
  for (size_t threads : {2, 3}) {
    ConvTester()
        .batch(2)
        .input_size(17, 15)
        .kernel_size(3, 3)
        .stride(2, 1)
        .padding(1)
        .group_input_channels(6)
        .group_output_channels(kernel().layout.nr * 2 + 1)
        .threads(threads)
        .Test(kernel());
  }
}

// Rows read in place on several threads: bands of rows and border columns
// in one task space, tasks by column block, K cut or not, more column
// blocks than threads and fewer.
TEST_P(ConvSweep, ThreadCountsTapsInPlace) {
  const size_t kr = kernel().layout.kr;
  const size_t nr = kernel().layout.nr;
  const size_t r = kernel().indirect_mr != 0 ? kernel().indirect_mr : 8;
  const size_t cg = kMinTapGroups * kr;
  struct Geometry {
    size_t h, w, k, s, pad;
  };
  const Geometry geometries[] = {
      {9, 9, 3, 2, 1},          // bands of rows; M = 25
      {11, 3 * r + 5, 7, 2, 3},  // border columns too, as rn50-stem
      {3 * r, 2 * r, 3, 1, 1},  // many tiles of rows
  };
  for (size_t threads : {2, 3}) {
    for (const Geometry& g : geometries) {
      for (size_t blocks : {size_t{1}, size_t{7}}) {
        for (size_t parts : {size_t{0}, size_t{1}}) {
          ConvTester().batch(2).input_size(g.h, g.w).kernel_size(g.k, g.k)
              .stride(g.s, g.s).padding(g.pad).group_input_channels(cg)
              .group_output_channels(nr * blocks - 3).k_part_groups(parts)
              .threads(threads).Test(kernel());
        }
      }
    }
  }
}

LOWBIT_INSTANTIATE_FOR_ALL_KERNELS(ConvSweep);

}  // namespace
}  // namespace lowbit
