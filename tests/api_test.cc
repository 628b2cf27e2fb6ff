// The public C API: every bad input returns its status and a message and
// writes nothing; the quantization helpers; the C++ wrapper.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "lowbit/lowbit.h"
#include "lowbit/lowbit.hpp"

namespace {

constexpr size_t kN = 5, kK = 7;

struct Problem {
  std::vector<int8_t> w = std::vector<int8_t>(kN * kK, 3);
  std::vector<int32_t> bias = std::vector<int32_t>(kN, 10);
  std::vector<float> scales = std::vector<float>(kN, 0.5f);
  lowbit_gemm_params p;
  Problem() {
    lowbit_gemm_params_init(&p);
    p.n = kN;
    p.k = kK;
    p.weights = w.data();
    p.weight_stride = kK;
    p.bias = bias.data();
    p.weight_scales = scales.data();
    p.weight_scale_count = kN;
    p.input_scale = 0.25f;
    p.output_scale = 0.5f;
  }
};

// Packing must fail with `want`, leave the handle untouched and say why.
void ExpectPackFails(const lowbit_gemm_params& p, lowbit_status want,
                     const char* what) {
  lowbit_gemm_t sentinel = reinterpret_cast<lowbit_gemm_t>(0x1234);
  lowbit_gemm_t gemm = sentinel;
  EXPECT_EQ(lowbit_gemm_pack(&p, &gemm), want) << what;
  EXPECT_EQ(gemm, sentinel) << what;
  EXPECT_STRNE(lowbit_last_error(), "") << what;
}

TEST(Api, VersionAndStatusStrings) {
  EXPECT_EQ(lowbit_version(), (LOWBIT_VERSION_MAJOR << 16) |
                                  (LOWBIT_VERSION_MINOR << 8) |
                                  LOWBIT_VERSION_PATCH);
  EXPECT_STREQ(lowbit_version_string(), LOWBIT_VERSION_STRING);
  for (int s = LOWBIT_OK; s <= LOWBIT_ERROR_INVALID_ARGUMENT; ++s) {
    EXPECT_STRNE(lowbit_status_string(static_cast<lowbit_status>(s)),
                 "unknown status");
  }
  EXPECT_STREQ(lowbit_status_string(static_cast<lowbit_status>(999)),
               "unknown status");
}

TEST(Api, ValidProblemPacks) {
  Problem pr;
  lowbit_gemm_t gemm = nullptr;
  ASSERT_EQ(lowbit_gemm_pack(&pr.p, &gemm), LOWBIT_OK) << lowbit_last_error();
  EXPECT_STREQ(lowbit_last_error(), "");
  EXPECT_NE(std::string(lowbit_gemm_kernel_name(gemm)).find("lowbit_q8_gemm"),
            std::string::npos);
  lowbit_gemm_destroy(gemm);
  lowbit_gemm_destroy(nullptr);
}

TEST(Api, PackRejectsNullPointers) {
  Problem pr;
  lowbit_gemm_t gemm = nullptr;
  EXPECT_EQ(lowbit_gemm_pack(nullptr, &gemm), LOWBIT_ERROR_NULL_POINTER);
  EXPECT_EQ(lowbit_gemm_pack(&pr.p, nullptr), LOWBIT_ERROR_NULL_POINTER);
  auto p = pr.p;
  p.weights = nullptr;
  ExpectPackFails(p, LOWBIT_ERROR_NULL_POINTER, "weights");
  p = pr.p;
  p.weight_scales = nullptr;
  ExpectPackFails(p, LOWBIT_ERROR_NULL_POINTER, "weight_scales");
}

TEST(Api, PackRejectsBadSizesAndStrides) {
  Problem pr;
  auto p = pr.p;
  p.n = 0;
  ExpectPackFails(p, LOWBIT_ERROR_INVALID_SIZE, "n = 0");
  p = pr.p;
  p.k = 0;
  ExpectPackFails(p, LOWBIT_ERROR_INVALID_SIZE, "k = 0");
  p = pr.p;
  p.n = std::numeric_limits<size_t>::max();
  ExpectPackFails(p, LOWBIT_ERROR_INVALID_SIZE, "n overflowing");
  p = pr.p;
  p.k = size_t{1} << 40;
  p.weight_stride = p.k;
  ExpectPackFails(p, LOWBIT_ERROR_INVALID_SIZE, "k overflowing");
  p = pr.p;
  p.weight_stride = kK - 1;
  ExpectPackFails(p, LOWBIT_ERROR_INVALID_STRIDE, "weight stride < k");
  p = pr.p;
  p.weight_stride = std::numeric_limits<size_t>::max() / 2;
  ExpectPackFails(p, LOWBIT_ERROR_INVALID_SIZE, "weights span overflowing");
}

TEST(Api, PackRejectsBadTypesAndModes) {
  Problem pr;
  auto p = pr.p;
  p.input_type = LOWBIT_DTYPE_INT32;
  ExpectPackFails(p, LOWBIT_ERROR_UNSUPPORTED, "int32 input");
  p = pr.p;
  p.output_type = static_cast<lowbit_dtype>(77);
  ExpectPackFails(p, LOWBIT_ERROR_UNSUPPORTED, "unknown output type");
  p = pr.p;
  p.requant = static_cast<lowbit_requant>(0);
  ExpectPackFails(p, LOWBIT_ERROR_UNSUPPORTED, "unknown requant");
  p = pr.p;
  p.weight_scale_count = 2;
  ExpectPackFails(p, LOWBIT_ERROR_INVALID_ARGUMENT, "2 scales for 5 channels");
}

TEST(Api, PackRejectsBadScales) {
  const float bad[] = {0.0f, -1.0f, std::numeric_limits<float>::quiet_NaN(),
                       std::numeric_limits<float>::infinity(),
                       -std::numeric_limits<float>::infinity()};
  for (float s : bad) {
    Problem pr;
    auto p = pr.p;
    p.input_scale = s;
    ExpectPackFails(p, LOWBIT_ERROR_INVALID_SCALE, "input scale");
    p = pr.p;
    p.output_scale = s;
    ExpectPackFails(p, LOWBIT_ERROR_INVALID_SCALE, "output scale");
    p = pr.p;
    pr.scales[3] = s;
    ExpectPackFails(p, LOWBIT_ERROR_INVALID_SCALE, "weight scale");
  }
  // Effective scales outside [2^-32, 256), in every mode.
  for (lowbit_requant mode : {LOWBIT_REQUANT_FP32, LOWBIT_REQUANT_FIXEDPOINT,
                              LOWBIT_REQUANT_FIXEDPOINT_SINGLE}) {
    Problem pr;
    auto p = pr.p;
    p.requant = mode;
    p.input_scale = 1.0f;
    p.output_scale = 1.0f;
    pr.scales[1] = 256.0f;
    ExpectPackFails(p, LOWBIT_ERROR_INVALID_SCALE, "scale 256");
    pr.scales[1] = 0x1p-33f;
    ExpectPackFails(p, LOWBIT_ERROR_INVALID_SCALE, "scale 2^-33");
  }
}

TEST(Api, PackRejectsBadZeroPointsAndRanges) {
  Problem pr;
  auto p = pr.p;
  p.input_zero_point = 128;
  ExpectPackFails(p, LOWBIT_ERROR_INVALID_ZERO_POINT, "int8 za 128");
  p = pr.p;
  p.input_type = LOWBIT_DTYPE_UINT8;
  p.input_zero_point = -1;
  ExpectPackFails(p, LOWBIT_ERROR_INVALID_ZERO_POINT, "uint8 za -1");
  p = pr.p;
  p.weight_zero_point = 1;
  ExpectPackFails(p, LOWBIT_ERROR_INVALID_ZERO_POINT, "int8 weights zw 1");
  p = pr.p;
  p.weight_type = LOWBIT_DTYPE_UINT8;
  p.weight_zero_point = 256;
  ExpectPackFails(p, LOWBIT_ERROR_INVALID_ZERO_POINT, "uint8 zw 256");
  p = pr.p;
  p.output_zero_point = -129;
  ExpectPackFails(p, LOWBIT_ERROR_INVALID_ZERO_POINT, "int8 zo -129");
  p = pr.p;
  p.output_min = 5;
  p.output_max = 4;
  ExpectPackFails(p, LOWBIT_ERROR_INVALID_RANGE, "empty clamp");
  p = pr.p;
  p.output_type = LOWBIT_DTYPE_UINT8;
  p.output_min = -1;
  p.output_max = 255;
  ExpectPackFails(p, LOWBIT_ERROR_INVALID_RANGE, "uint8 clamp below 0");
}

TEST(Api, PackRejectsKBeyondExactAccumulation) {
  // |255 - 0| * |0 - 255| * K fits int32 up to K = 33025 (2147450625).
  const size_t k = 33026;
  std::vector<uint8_t> w(k, 0);
  const float scale = 1.0f;
  lowbit_gemm_params p;
  lowbit_gemm_params_init(&p);
  p.n = 1;
  p.k = k;
  p.input_type = LOWBIT_DTYPE_UINT8;
  p.weight_type = LOWBIT_DTYPE_UINT8;
  p.output_type = LOWBIT_DTYPE_UINT8;
  p.output_min = 0;
  p.output_max = 255;
  p.weights = w.data();
  p.weight_stride = k;
  p.weight_scales = &scale;
  p.weight_zero_point = 255;
  ExpectPackFails(p, LOWBIT_ERROR_K_TOO_LARGE, "K = 33026");
  p.k = k - 1;
  lowbit_gemm_t gemm = nullptr;
  ASSERT_EQ(lowbit_gemm_pack(&p, &gemm), LOWBIT_OK) << lowbit_last_error();
  lowbit_gemm_destroy(gemm);
  // A bias pushes the same K over.
  const int32_t bias = 40000;
  p.bias = &bias;
  ExpectPackFails(p, LOWBIT_ERROR_K_TOO_LARGE, "K = 33025 with bias");
}

TEST(Api, RunRejectsBadInputsAndWritesNothing) {
  Problem pr;
  lowbit_gemm_t gemm = nullptr;
  ASSERT_EQ(lowbit_gemm_pack(&pr.p, &gemm), LOWBIT_OK);
  std::vector<int8_t> a(3 * kK, 1);
  std::vector<int8_t> c(3 * kN, 0x5A);
  std::vector<int32_t> c32(3 * kN, 0x5A5A5A5A);
  const auto untouched = [&] {
    for (int8_t x : c) if (x != 0x5A) return false;
    for (int32_t x : c32) if (x != 0x5A5A5A5A) return false;
    return true;
  };
  struct Case {
    lowbit_gemm_t g;
    size_t m;
    const void* a;
    size_t lda;
    size_t ldc;
    bool null_c;
    lowbit_status want;
  };
  const size_t huge = std::numeric_limits<size_t>::max() / 2;
  const Case cases[] = {
      {nullptr, 3, a.data(), kK, kN, false, LOWBIT_ERROR_NULL_POINTER},
      {gemm, 3, nullptr, kK, kN, false, LOWBIT_ERROR_NULL_POINTER},
      {gemm, 3, a.data(), kK, kN, true, LOWBIT_ERROR_NULL_POINTER},
      {gemm, 0, a.data(), kK, kN, false, LOWBIT_ERROR_INVALID_SIZE},
      {gemm, 3, a.data(), kK - 1, kN, false, LOWBIT_ERROR_INVALID_STRIDE},
      {gemm, 3, a.data(), kK, kN - 1, false, LOWBIT_ERROR_INVALID_STRIDE},
      {gemm, 3, a.data(), huge, kN, false, LOWBIT_ERROR_INVALID_SIZE},
      {gemm, huge, a.data(), kK, kN, false, LOWBIT_ERROR_INVALID_SIZE},
  };
  for (const Case& cs : cases) {
    EXPECT_EQ(lowbit_gemm_run(cs.g, cs.m, cs.a, cs.lda,
                              cs.null_c ? nullptr : c.data(), cs.ldc, nullptr),
              cs.want);
    EXPECT_STRNE(lowbit_last_error(), "");
    EXPECT_EQ(lowbit_gemm_run_int32(cs.g, cs.m, cs.a, cs.lda,
                                    cs.null_c ? nullptr : c32.data(), cs.ldc,
                                    nullptr),
              cs.want);
    EXPECT_TRUE(untouched());
  }
  ASSERT_EQ(lowbit_gemm_run(gemm, 3, a.data(), kK, c.data(), kN, nullptr),
            LOWBIT_OK);
  // acc = 10 + 7 * 3 = 31; 31 * 0.25 * 0.5 / 0.5 = 7.75 -> 8.
  for (int8_t x : c) EXPECT_EQ(x, 8);
  lowbit_gemm_destroy(gemm);
}

// One immutable handle, run from several threads at once, each with its own
// activations: every thread gets its own exact answer.
TEST(Api, OneHandleRunsFromManyThreadsAtOnce) {
  constexpr size_t kM = 37, kBigN = 100, kBigK = 300, kThreads = 4;
  std::vector<int8_t> w(kBigN * kBigK);
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<int8_t>(i * 7 + 3);
  const float scale = 0.01f;
  lowbit_gemm_params p;
  lowbit_gemm_params_init(&p);
  p.n = kBigN;
  p.k = kBigK;
  p.weights = w.data();
  p.weight_stride = kBigK;
  p.weight_scales = &scale;
  p.output_scale = 2.0f;
  lowbit::Gemm gemm(p);
  std::vector<std::vector<int32_t>> got(kThreads), want(kThreads);
  std::vector<std::vector<int8_t>> a(kThreads);
  for (size_t t = 0; t < kThreads; ++t) {
    a[t].resize(kM * kBigK);
    for (size_t i = 0; i < a[t].size(); ++i) {
      a[t][i] = static_cast<int8_t>(i * (t + 2) + t);
    }
    want[t].resize(kM * kBigN);
    got[t].resize(kM * kBigN);
    for (size_t m = 0; m < kM; ++m) {
      for (size_t n = 0; n < kBigN; ++n) {
        int32_t acc = 0;
        for (size_t k = 0; k < kBigK; ++k) {
          acc += a[t][m * kBigK + k] * w[n * kBigK + k];
        }
        want[t][m * kBigN + n] = acc;
      }
    }
  }
  std::vector<std::thread> threads;
  for (size_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int repeat = 0; repeat < 20; ++repeat) {
        gemm.RunInt32(kM, a[t].data(), kBigK, got[t].data(), kBigN);
      }
    });
  }
  for (auto& th : threads) th.join();
  for (size_t t = 0; t < kThreads; ++t) EXPECT_EQ(got[t], want[t]) << t;
}

TEST(Api, QuantizeMultiplier) {
  int32_t m = 0, s = 0;
  ASSERT_EQ(lowbit_quantize_multiplier(0.75, &m, &s), LOWBIT_OK);
  EXPECT_EQ(m, 1610612736);
  EXPECT_EQ(s, 0);
  EXPECT_EQ(lowbit_quantize_multiplier(0.0, &m, &s),
            LOWBIT_ERROR_INVALID_SCALE);
  EXPECT_EQ(lowbit_quantize_multiplier(0.5, nullptr, &s),
            LOWBIT_ERROR_NULL_POINTER);
  EXPECT_EQ(lowbit_fp32_requant_scale(0.5f, 0.25f, 2.0f), 0.0625f);
  EXPECT_EQ(lowbit_fixedpoint_requant_scale(0.5f, 0.25f, 2.0f), 0.0625);
}

TEST(Api, OutputRange) {
  int32_t lo = 0, hi = 0;
  ASSERT_EQ(lowbit_output_range(LOWBIT_ACTIVATION_NONE, 0, 0, 0.1f, 3,
                                LOWBIT_DTYPE_INT8, &lo, &hi), LOWBIT_OK);
  EXPECT_EQ(lo, -128);
  EXPECT_EQ(hi, 127);
  ASSERT_EQ(lowbit_output_range(LOWBIT_ACTIVATION_RELU, 0, 0, 0.1f, 3,
                                LOWBIT_DTYPE_INT8, &lo, &hi), LOWBIT_OK);
  EXPECT_EQ(lo, 3);
  EXPECT_EQ(hi, 127);
  // ReLU6 at scale 0.1: zo + round(6 / 0.1) = 3 + 60.
  ASSERT_EQ(lowbit_output_range(LOWBIT_ACTIVATION_RELU6, 0, 0, 0.1f, 3,
                                LOWBIT_DTYPE_INT8, &lo, &hi), LOWBIT_OK);
  EXPECT_EQ(lo, 3);
  EXPECT_EQ(hi, 63);
  // ReLU6 beyond the type saturates at its top.
  ASSERT_EQ(lowbit_output_range(LOWBIT_ACTIVATION_RELU6, 0, 0, 0.01f, 0,
                                LOWBIT_DTYPE_UINT8, &lo, &hi), LOWBIT_OK);
  EXPECT_EQ(lo, 0);
  EXPECT_EQ(hi, 255);
  ASSERT_EQ(lowbit_output_range(LOWBIT_ACTIVATION_CLAMP, -1.0f, 2.0f, 0.5f,
                                10, LOWBIT_DTYPE_UINT8, &lo, &hi), LOWBIT_OK);
  EXPECT_EQ(lo, 8);
  EXPECT_EQ(hi, 14);
  EXPECT_EQ(lowbit_output_range(LOWBIT_ACTIVATION_CLAMP, 2.0f, 1.0f, 0.5f, 0,
                                LOWBIT_DTYPE_INT8, &lo, &hi),
            LOWBIT_ERROR_INVALID_RANGE);
  EXPECT_EQ(lowbit_output_range(LOWBIT_ACTIVATION_RELU, 0, 0, 0.0f, 0,
                                LOWBIT_DTYPE_INT8, &lo, &hi),
            LOWBIT_ERROR_INVALID_SCALE);
  EXPECT_EQ(lowbit_output_range(LOWBIT_ACTIVATION_RELU, 0, 0, 1.0f, 300,
                                LOWBIT_DTYPE_UINT8, &lo, &hi),
            LOWBIT_ERROR_INVALID_ZERO_POINT);
  EXPECT_EQ(lowbit_output_range(LOWBIT_ACTIVATION_RELU, 0, 0, 1.0f, 0,
                                LOWBIT_DTYPE_UINT8, nullptr, &hi),
            LOWBIT_ERROR_NULL_POINTER);
}

TEST(Api, CppWrapper) {
  Problem pr;
  lowbit::Gemm gemm(pr.p);
  std::vector<int8_t> a(2 * kK, 1), c(2 * kN);
  gemm.Run(2, a.data(), kK, c.data(), kN);
  for (int8_t x : c) EXPECT_EQ(x, 8);
  std::vector<int32_t> acc(2 * kN);
  gemm.RunInt32(2, a.data(), kK, acc.data(), kN);
  for (int32_t x : acc) EXPECT_EQ(x, 31);
  auto bad = pr.p;
  bad.k = 0;
  try {
    lowbit::Gemm g(bad);
    FAIL() << "no exception for k = 0";
  } catch (const lowbit::Error& e) {
    EXPECT_EQ(e.status(), LOWBIT_ERROR_INVALID_SIZE);
    EXPECT_NE(std::string(e.what()).find("k = 0"), std::string::npos)
        << e.what();
  }
}

}  // namespace
