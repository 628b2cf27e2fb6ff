// The convolution's C API: bad geometry and bad arguments are a status and a
// message with nothing written; padding helper; empty batch; the C++ layer;
// versioned params.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "lowbit/lowbit.h"
#include "lowbit/lowbit.hpp"

namespace {

constexpr uint8_t kUntouched = 0xEE;

struct ConvProblem {
  std::vector<int8_t> weights;
  std::vector<int32_t> bias;
  float weight_scale = 0.01f;
  lowbit_conv2d_params p;

  // A 3x3, pad 1 convolution of groups x (cg -> ng) channels.
  ConvProblem(size_t groups = 1, size_t cg = 4, size_t ng = 6) {
    lowbit_conv2d_params_init(&p);
    p.kernel_height = p.kernel_width = 3;
    p.padding_top = p.padding_left = p.padding_bottom = p.padding_right = 1;
    p.groups = groups;
    p.group_input_channels = cg;
    p.group_output_channels = ng;
    weights.resize(groups * ng * 9 * cg);
    for (size_t i = 0; i < weights.size(); ++i) {
      weights[i] = static_cast<int8_t>(i * 37 % 255 - 127);
    }
    bias.assign(groups * ng, 100);
    p.weights = weights.data();
    p.bias = bias.data();
    p.weight_scales = &weight_scale;
    p.input_scale = 0.5f;
    p.output_scale = 2.0f;
  }
  lowbit_status Pack(lowbit_conv2d_t* conv) { return lowbit_conv2d_pack(&p, conv); }
};

TEST(ConvApi, PacksAndRuns) {
  ConvProblem problem;
  lowbit_conv2d_t conv = nullptr;
  ASSERT_EQ(problem.Pack(&conv), LOWBIT_OK) << lowbit_last_error();
  size_t oh = 0, ow = 0;
  ASSERT_EQ(lowbit_conv2d_output_size(conv, 5, 7, &oh, &ow), LOWBIT_OK);
  EXPECT_EQ(oh, 5u);
  EXPECT_EQ(ow, 7u);
  std::vector<int8_t> in(5 * 7 * 4, 3);
  std::vector<int8_t> out(5 * 7 * 6, 0);
  EXPECT_EQ(lowbit_conv2d_run(conv, 1, 5, 7, in.data(), 4, out.data(), 6,
                              nullptr),
            LOWBIT_OK);
  EXPECT_STRNE(lowbit_conv2d_kernel_name(conv), "");
  lowbit_conv2d_destroy(conv);
  lowbit_conv2d_destroy(nullptr);
}

TEST(ConvApi, PackRejectsBadGeometry) {
  struct Case {
    const char* what;
    void (*mutate)(lowbit_conv2d_params*);
    lowbit_status want;
  };
  const Case cases[] = {
      {"zero kernel", [](lowbit_conv2d_params* p) { p->kernel_width = 0; },
       LOWBIT_ERROR_INVALID_SIZE},
      {"zero stride", [](lowbit_conv2d_params* p) { p->stride_height = 0; },
       LOWBIT_ERROR_INVALID_ARGUMENT},
      {"zero dilation",
       [](lowbit_conv2d_params* p) { p->dilation_width = 0; },
       LOWBIT_ERROR_INVALID_ARGUMENT},
      {"zero groups", [](lowbit_conv2d_params* p) { p->groups = 0; },
       LOWBIT_ERROR_INVALID_SIZE},
      {"zero input channels",
       [](lowbit_conv2d_params* p) { p->group_input_channels = 0; },
       LOWBIT_ERROR_INVALID_SIZE},
      {"zero output channels",
       [](lowbit_conv2d_params* p) { p->group_output_channels = 0; },
       LOWBIT_ERROR_INVALID_SIZE},
      {"overflowing K",
       [](lowbit_conv2d_params* p) {
         p->kernel_height = p->kernel_width = size_t{1} << 20;
       },
       LOWBIT_ERROR_INVALID_SIZE},
      {"overflowing channels",
       [](lowbit_conv2d_params* p) { p->groups = SIZE_MAX / 2; },
       LOWBIT_ERROR_INVALID_SIZE},
      {"huge padding",
       [](lowbit_conv2d_params* p) { p->padding_left = SIZE_MAX; },
       LOWBIT_ERROR_INVALID_SIZE},
      {"huge dilation",
       [](lowbit_conv2d_params* p) { p->dilation_height = SIZE_MAX; },
       LOWBIT_ERROR_INVALID_ARGUMENT},
      {"null weights", [](lowbit_conv2d_params* p) { p->weights = nullptr; },
       LOWBIT_ERROR_NULL_POINTER},
      {"zero scale",
       [](lowbit_conv2d_params* p) { p->output_scale = 0.0f; },
       LOWBIT_ERROR_INVALID_SCALE},
      {"bad zero point",
       [](lowbit_conv2d_params* p) { p->input_zero_point = 128; },
       LOWBIT_ERROR_INVALID_ZERO_POINT},
      {"scale count neither 1 nor channels",
       [](lowbit_conv2d_params* p) { p->weight_scale_count = 5; },
       LOWBIT_ERROR_INVALID_ARGUMENT},
      {"bad requant",
       [](lowbit_conv2d_params* p) {
         p->requant = static_cast<lowbit_requant>(-1);
       },
       LOWBIT_ERROR_UNSUPPORTED},
  };
  for (const Case& c : cases) {
    ConvProblem problem;
    c.mutate(&problem.p);
    lowbit_conv2d_t conv = reinterpret_cast<lowbit_conv2d_t>(&problem);
    EXPECT_EQ(problem.Pack(&conv), c.want) << c.what;
    EXPECT_EQ(conv, reinterpret_cast<lowbit_conv2d_t>(&problem))
        << c.what << ": the handle was written";
    EXPECT_STRNE(lowbit_last_error(), "") << c.what;
    EXPECT_NE(std::strstr(lowbit_last_error(), "lowbit_conv2d_pack"), nullptr)
        << c.what << ": " << lowbit_last_error();
  }
  ConvProblem problem;
  EXPECT_EQ(lowbit_conv2d_pack(nullptr, nullptr), LOWBIT_ERROR_NULL_POINTER);
  EXPECT_EQ(lowbit_conv2d_pack(&problem.p, nullptr),
            LOWBIT_ERROR_NULL_POINTER);
}

TEST(ConvApi, PackRejectsKBeyondExactAccumulation) {
  // 12 x 12 x 1024 taps of 127 * 128: beyond int32.
  ConvProblem problem(1, 1024, 1);
  problem.p.kernel_height = problem.p.kernel_width = 12;
  problem.weights.assign(12 * 12 * 1024, 127);
  problem.p.weights = problem.weights.data();
  lowbit_conv2d_t conv = nullptr;
  EXPECT_EQ(problem.Pack(&conv), LOWBIT_ERROR_K_TOO_LARGE);
  EXPECT_EQ(conv, nullptr);
}

TEST(ConvApi, RunRejectsBadInputsAndWritesNothing) {
  ConvProblem problem(2, 3, 5);
  lowbit_conv2d_t conv = nullptr;
  ASSERT_EQ(problem.Pack(&conv), LOWBIT_OK) << lowbit_last_error();
  std::vector<int8_t> in(4 * 4 * 6, 1);
  std::vector<uint8_t> out(4 * 4 * 10, kUntouched);
  auto run = [&](size_t batch, size_t h, size_t w, const void* i,
                 size_t is, void* o, size_t os) {
    return lowbit_conv2d_run(conv, batch, h, w, i, is, o, os, nullptr);
  };
  EXPECT_EQ(run(1, 4, 4, in.data(), 5, out.data(), 10),
            LOWBIT_ERROR_INVALID_STRIDE);  // input pixel stride < 6
  EXPECT_EQ(run(1, 4, 4, in.data(), 6, out.data(), 9),
            LOWBIT_ERROR_INVALID_STRIDE);  // output pixel stride < 10
  EXPECT_EQ(run(1, 0, 4, in.data(), 6, out.data(), 10),
            LOWBIT_ERROR_INVALID_SIZE);
  EXPECT_EQ(run(1, 4, 4, nullptr, 6, out.data(), 10),
            LOWBIT_ERROR_NULL_POINTER);
  EXPECT_EQ(run(1, 4, 4, in.data(), 6, nullptr, 10),
            LOWBIT_ERROR_NULL_POINTER);
  EXPECT_EQ(run(SIZE_MAX / 4, 4, 4, in.data(), 6, out.data(), 10),
            LOWBIT_ERROR_INVALID_SIZE);
  EXPECT_EQ(lowbit_conv2d_run(nullptr, 1, 4, 4, in.data(), 6, out.data(), 10,
                              nullptr),
            LOWBIT_ERROR_NULL_POINTER);
  for (uint8_t b : out) ASSERT_EQ(b, kUntouched);
  lowbit_conv2d_destroy(conv);

  // Output size below 1: a 3x3 kernel, no padding, dilation 3 on 4x4.
  ConvProblem unpadded;
  unpadded.p.padding_top = unpadded.p.padding_left = 0;
  unpadded.p.padding_bottom = unpadded.p.padding_right = 0;
  unpadded.p.dilation_height = 3;
  ASSERT_EQ(unpadded.Pack(&conv), LOWBIT_OK);
  size_t oh = 7, ow = 7;
  EXPECT_EQ(lowbit_conv2d_output_size(conv, 4, 4, &oh, &ow),
            LOWBIT_ERROR_INVALID_SIZE);
  EXPECT_EQ(oh, 7u);
  EXPECT_EQ(lowbit_conv2d_run(conv, 1, 4, 4, in.data(), 4, out.data(), 6,
                              nullptr),
            LOWBIT_ERROR_INVALID_SIZE);
  for (uint8_t b : out) ASSERT_EQ(b, kUntouched);
  lowbit_conv2d_destroy(conv);
}

TEST(ConvApi, EmptyBatchIsANoOp) {
  ConvProblem problem;
  lowbit_conv2d_t conv = nullptr;
  ASSERT_EQ(problem.Pack(&conv), LOWBIT_OK);
  EXPECT_EQ(lowbit_conv2d_run(conv, 0, 5, 5, nullptr, 4, nullptr, 6, nullptr),
            LOWBIT_OK);
  EXPECT_EQ(lowbit_conv2d_run(conv, 0, 5, 5, nullptr, 3, nullptr, 6, nullptr),
            LOWBIT_ERROR_INVALID_STRIDE);  // strides are still checked
  lowbit_conv2d_destroy(conv);
}

TEST(ConvApi, SameAndValidPadding) {
  size_t b = 9, e = 9;
  // TFLite: in 224, k 3, s 2 -> out 112, total (111 * 2 + 3 - 224) = 1.
  ASSERT_EQ(lowbit_conv2d_padding(224, 3, 2, 1, 1, &b, &e), LOWBIT_OK);
  EXPECT_EQ(b, 0u);
  EXPECT_EQ(e, 1u);
  ASSERT_EQ(lowbit_conv2d_padding(224, 7, 2, 1, 1, &b, &e), LOWBIT_OK);
  EXPECT_EQ(b, 2u);  // total 5
  EXPECT_EQ(e, 3u);
  ASSERT_EQ(lowbit_conv2d_padding(56, 3, 1, 1, 1, &b, &e), LOWBIT_OK);
  EXPECT_EQ(b, 1u);
  EXPECT_EQ(e, 1u);
  ASSERT_EQ(lowbit_conv2d_padding(10, 3, 1, 2, 1, &b, &e), LOWBIT_OK);
  EXPECT_EQ(b, 2u);  // dilated reach 5
  EXPECT_EQ(e, 2u);
  ASSERT_EQ(lowbit_conv2d_padding(2, 5, 3, 1, 1, &b, &e), LOWBIT_OK);
  EXPECT_EQ(b + e, 3u);  // out 1: (0 * 3 + 5 - 2)
  ASSERT_EQ(lowbit_conv2d_padding(224, 3, 2, 1, 0, &b, &e), LOWBIT_OK);
  EXPECT_EQ(b, 0u);
  EXPECT_EQ(e, 0u);
  EXPECT_EQ(lowbit_conv2d_padding(0, 3, 1, 1, 1, &b, &e),
            LOWBIT_ERROR_INVALID_SIZE);
  EXPECT_EQ(lowbit_conv2d_padding(5, 3, 0, 1, 1, &b, &e),
            LOWBIT_ERROR_INVALID_SIZE);
  EXPECT_EQ(lowbit_conv2d_padding(5, 3, 1, 1, 1, nullptr, &e),
            LOWBIT_ERROR_NULL_POINTER);
}

TEST(ConvApi, SamePaddingKeepsTheOutputSize) {
  for (size_t in = 1; in <= 20; ++in) {
    for (size_t k = 1; k <= 7; ++k) {
      for (size_t s = 1; s <= 3; ++s) {
        ConvProblem problem(1, 2, 3);
        size_t b = 0, e = 0;
        ASSERT_EQ(lowbit_conv2d_padding(in, k, s, 1, 1, &b, &e), LOWBIT_OK);
        problem.p.kernel_height = problem.p.kernel_width = k;
        problem.p.stride_height = problem.p.stride_width = s;
        problem.weights.assign(3 * k * k * 2, 1);
        problem.p.weights = problem.weights.data();
        problem.p.padding_top = problem.p.padding_left = b;
        problem.p.padding_bottom = problem.p.padding_right = e;
        lowbit_conv2d_t conv = nullptr;
        ASSERT_EQ(problem.Pack(&conv), LOWBIT_OK);
        size_t oh = 0, ow = 0;
        ASSERT_EQ(lowbit_conv2d_output_size(conv, in, in, &oh, &ow),
                  LOWBIT_OK);
        EXPECT_EQ(oh, (in + s - 1) / s) << in << " " << k << " " << s;
        lowbit_conv2d_destroy(conv);
      }
    }
  }
}

TEST(ConvApi, CppWrapper) {
  ConvProblem problem;
  lowbit::Conv2d conv(problem.p);
  EXPECT_EQ(conv.OutputSize(6, 6), (std::pair<size_t, size_t>(6, 6)));
  std::vector<int8_t> in(36 * 4, 1);
  std::vector<int8_t> out(36 * 6);
  conv.Run(1, 6, 6, in.data(), 4, out.data(), 6);
  problem.p.stride_width = 0;
  EXPECT_THROW(lowbit::Conv2d bad(problem.p), lowbit::Error);
  EXPECT_THROW(conv.Run(1, 6, 6, in.data(), 3, out.data(), 6), lowbit::Error);
}

TEST(ConvApi, VersionedParams) {
  // A struct larger than this library knows, with zeros past its end, is
  // accepted; a nonzero byte there is rejected.
  struct Bigger {
    lowbit_conv2d_params p;
    uint64_t future[4];
  } big{};
  ASSERT_EQ(lowbit_conv2d_params_init_sized(&big.p, sizeof(big)), LOWBIT_OK);
  EXPECT_EQ(big.p.struct_size, sizeof(big));
  ConvProblem problem;
  const size_t size = big.p.struct_size;
  big.p = problem.p;
  big.p.struct_size = size;
  lowbit_conv2d_t conv = nullptr;
  ASSERT_EQ(lowbit_conv2d_pack(&big.p, &conv), LOWBIT_OK)
      << lowbit_last_error();
  lowbit_conv2d_destroy(conv);
  big.future[1] = 1;
  conv = nullptr;
  EXPECT_EQ(lowbit_conv2d_pack(&big.p, &conv), LOWBIT_ERROR_UNSUPPORTED);
  problem.p.struct_size = 3;
  EXPECT_EQ(lowbit_conv2d_pack(&problem.p, &conv),
            LOWBIT_ERROR_INVALID_ARGUMENT);
}

}  // namespace
