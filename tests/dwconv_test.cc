// The depthwise sweep on every depthwise kernel compiled in: 3x3 and 5x5
// and other sizes, strides 1 and 2, dilation, padding of every kind,
// channel counts around each vector and block width, channel multipliers,
// batches and pixel strides, extremes, every requantization mode: exact
// equality with the 7-loop reference.
#include <gtest/gtest.h>

#include <string>

#include "kernels/dwconv/dwconv.h"
#include "kernels/gemm/kernel_table.h"
#include "tests/conv_tester.h"

namespace lowbit {
namespace {

constexpr lowbit_requant kModes[] = {LOWBIT_REQUANT_FP32,
                                     LOWBIT_REQUANT_FIXEDPOINT,
                                     LOWBIT_REQUANT_FIXEDPOINT_SINGLE};

class DwconvSweep : public ::testing::TestWithParam<const DwconvKernel*> {
 protected:
  void SetUp() override {
    if (!CpuSupports(dw())) {
      GTEST_SKIP() << dw().name << ": this CPU lacks its Highway target";
    }
  }
  const DwconvKernel& dw() const { return *GetParam(); }
  // The GEMM kernel only names the family; depthwise runs on dw().
  void Run(const ConvTester& t) const { t.Test(DefaultGemmKernel(), &dw()); }
  static ConvTester Depthwise(size_t channels) {
    return ConvTester()
        .groups(channels)
        .group_input_channels(1)
        .group_output_channels(1);
  }
};

TEST_P(DwconvSweep, KernelSizesAndStrides) {
  for (size_t k : {1, 2, 3, 5, 7}) {
    for (size_t s : {1, 2, 3}) {
      for (lowbit_requant mode : kModes) {
        Run(Depthwise(37)
                .input_size(11, 9)
                .kernel_size(k, k)
                .stride(s, s)
                .padding(k / 2)
                .requant(mode));
      }
    }
  }
  Run(Depthwise(21).input_size(9, 8).kernel_size(5, 3).padding(2, 1, 2, 1));
  Run(Depthwise(21).input_size(9, 12).kernel_size(3, 3).dilation(2, 3)
          .padding(2, 3, 1, 0).stride(1, 2));
}

// Rows wide enough for the 3-wide row runs (several groups of 8 inner
// pixels plus a remainder), both strides, vertical padding and dilation,
// channel counts around the vector and block widths, both input types.
TEST_P(DwconvSweep, RowRuns) {
  for (size_t s : {1, 2}) {
    for (size_t c : {8, 16, 31, 32, 33, 64, 100}) {
      for (lowbit_requant mode : kModes) {
        Run(Depthwise(c)
                .input_size(5, 41)
                .stride(s, s)
                .padding(1, 1, 2, 0)
                .requant(mode));
      }
      Run(Depthwise(c)
              .input_size(9, 38)
              .stride(1, s)
              .dilation(2, 1)
              .padding(3, 0, 0, 2)
              .input_type(LOWBIT_DTYPE_UINT8)
              .input_zero_point(201)
              .batch(2)
              .input_stride(c + 3));
    }
  }
}

TEST_P(DwconvSweep, Channels) {
  for (size_t c = 2; c <= 70; c += (c < 20 ? 1 : 7)) {
    Run(Depthwise(c).input_size(5, 6).padding(1));
  }
  for (size_t c : {127, 128, 129, 255, 384}) {
    Run(Depthwise(c).input_size(4, 4).padding(1).stride(2, 2));
  }
}

// Channel multipliers: input channel c feeds outputs c * M .. c * M + M - 1
// (run as multiplier 1 on the input's channels repeated M times), on the
// row runs, the border pixels and the c4 blocks, with batches, pixel
// strides wider than the channels and uint8 input (threads: ThreadCounts).
TEST_P(DwconvSweep, Multiplier) {
  for (size_t m : {2, 3, 4, 8}) {
    for (size_t c : {1, 5, 16, 33}) {
      for (size_t s : {1, 2}) {
        Run(Depthwise(c)
                .group_output_channels(m)
                .input_size(6, 19)
                .stride(s, s)
                .padding(1)
                .per_channel(true)
                .requant(kModes[(m + c) % 3]));
      }
    }
  }
  Run(Depthwise(20)
          .group_output_channels(2)
          .batch(2)
          .input_size(7, 5)
          .kernel_size(5, 3)
          .padding(2, 1, 1, 2)
          .input_stride(23)
          .output_stride(45)
          .input_type(LOWBIT_DTYPE_UINT8)
          .input_zero_point(201));
}

TEST_P(DwconvSweep, Padding) {
  struct Pad { size_t t, l, b, r; };
  for (Pad pad : {Pad{0, 0, 0, 0}, Pad{2, 0, 1, 3}, Pad{5, 5, 5, 5}}) {
    Run(Depthwise(19)
            .input_size(3, 4)
            .padding(pad.t, pad.l, pad.b, pad.r)
            .input_type(LOWBIT_DTYPE_UINT8)
            .input_zero_point(77));
  }
  Run(Depthwise(5).input_size(1, 1).kernel_size(3, 3).padding(1));
}

TEST_P(DwconvSweep, BatchAndPixelStrides) {
  Run(Depthwise(33).batch(3).input_size(7, 6).padding(1).input_stride(41)
          .output_stride(50));
}

// Named for the qemu stages, which leave out tests that start threads.
TEST_P(DwconvSweep, ThreadCounts) {
  for (size_t threads : {2, 3}) {
    Run(Depthwise(33).batch(3).input_size(7, 6).padding(1).input_stride(41)
            .output_stride(50).threads(threads));
    Run(Depthwise(20).group_output_channels(3).batch(2).input_size(9, 7)
            .padding(1).input_stride(23).threads(threads));
  }
}

// 5x5 with weights of the input's type on the portable kernels; 3x3 with
// int8 weights and 99 channels on the c4 kernels too (a 64- and a
// 32-channel block and a tail), from either input type.
TEST_P(DwconvSweep, Extremes) {
  for (bool u8 : {false, true}) {
    const lowbit_dtype t = u8 ? LOWBIT_DTYPE_UINT8 : LOWBIT_DTYPE_INT8;
    const int32_t lo = u8 ? 0 : -128, hi = u8 ? 255 : 127;
    for (Fill a : {Fill::kMin, Fill::kMax}) {
      for (Fill w : {Fill::kMin, Fill::kMax}) {
        for (int32_t z : {lo, hi}) {
          for (lowbit_requant mode : kModes) {
            for (size_t k : {3, 5}) {
              const bool c4 = k == 3;
              Run(Depthwise(c4 ? 99 : 35)
                      .input_size(5, c4 ? 9 : 5)
                      .kernel_size(k, k)
                      .padding(k / 2)
                      .input_type(t)
                      .weight_type(c4 ? LOWBIT_DTYPE_INT8 : t)
                      .output_type(t)
                      .input_zero_point(z)
                      .weight_zero_point(u8 && !c4 ? hi + lo - z : 0)
                      .output_zero_point(z)
                      .input_fill(a)
                      .weight_fill(w)
                      .requant(mode));
            }
          }
        }
      }
    }
  }
}

// Products far outside the output range, both signs: bias up to 2^30
// and requantization scales up to ~200 (products to ~2^38, beyond int32
// and int16), with the output zero point at either end, so an epilogue
// that lets a conversion or a zero-point addition wrap fails here.
TEST_P(DwconvSweep, SaturatedProducts) {
  for (bool u8 : {false, true}) {
    const lowbit_dtype t = u8 ? LOWBIT_DTYPE_UINT8 : LOWBIT_DTYPE_INT8;
    const int32_t lo = u8 ? 0 : -128, hi = u8 ? 255 : 127;
    for (int32_t z : {lo, hi}) {
      for (lowbit_requant mode : kModes) {
        for (float factor : {28000.0f, 300.0f}) {
          Run(Depthwise(99)
                  .input_size(4, 9)
                  .padding(1)
                  .input_type(t)
                  .output_type(t)
                  .input_zero_point(z)
                  .output_zero_point(z)
                  .bias_range(-(1 << 30), 1 << 30)
                  .output_scale_factor(factor)
                  .requant(mode));
        }
      }
    }
  }
}

TEST_P(DwconvSweep, RequantAndClamp) {
  for (lowbit_requant mode : kModes) {
    for (bool per_channel : {false, true}) {
      for (size_t c : {24, 72}) {
        Run(Depthwise(c).input_size(6, 7).padding(1).per_channel(per_channel)
                .requant(mode).clamp(-3, 60).output_zero_point(4));
        Run(Depthwise(c).input_size(6, 7).padding(1).per_channel(per_channel)
                .requant(mode).output_type(LOWBIT_DTYPE_UINT8)
                .clamp(100, 180).output_zero_point(140));
      }
    }
  }
  for (lowbit_requant mode : kModes) {
    if (mode == LOWBIT_REQUANT_FP32) continue;  // multipliers are fixed-point
    Run(Depthwise(72).input_size(6, 7).padding(1).requant(mode)
            .caller_multipliers(true));
  }
}

std::string DwName(const ::testing::TestParamInfo<const DwconvKernel*>& i) {
  return i.param->name;
}

INSTANTIATE_TEST_SUITE_P(Kernels, DwconvSweep,
                         ::testing::ValuesIn(DwconvKernels()), DwName);

}  // namespace
}  // namespace lowbit
