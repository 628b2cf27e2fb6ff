// The public C API: every bad input returns its status and a message and
// writes nothing; the quantization helpers; the C++ wrapper.
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <cstring>
#include <memory>
#include <random>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "kernels/reference/gemm.h"
#include "kernels/reference/requant.h"
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
  p.k = (size_t{1} << 30) + 1;  // beyond the 2^30 limit on every target
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
      {gemm, 0, a.data(), kK - 1, kN, false, LOWBIT_ERROR_INVALID_STRIDE},
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

// M = 0 is an empty batch (as in XNNPACK and ONNX Runtime): OK, nothing read
// or written, and A and C may be NULL.
TEST(Api, EmptyBatchIsANoOp) {
  Problem pr;
  lowbit::Gemm gemm(pr.p);
  std::vector<int8_t> c(kN, 0x5A);
  std::vector<int32_t> c32(kN, 0x5A5A5A5A);
  EXPECT_EQ(lowbit_gemm_run(gemm.get(), 0, nullptr, kK, nullptr, kN, nullptr),
            LOWBIT_OK);
  EXPECT_STREQ(lowbit_last_error(), "");
  EXPECT_EQ(lowbit_gemm_run(gemm.get(), 0, nullptr, kK, c.data(), kN, nullptr),
            LOWBIT_OK);
  EXPECT_EQ(lowbit_gemm_run_int32(gemm.get(), 0, nullptr, kK, c32.data(), kN,
                                  nullptr),
            LOWBIT_OK);
  for (int8_t x : c) EXPECT_EQ(x, 0x5A);
  for (int32_t x : c32) EXPECT_EQ(x, 0x5A5A5A5A);
  gemm.Run(0, nullptr, kK, nullptr, kN);  // no exception either
}

// Hosted builds keep their own scratch: no caller workspace, and the
// workspace form gives lowbit_gemm_run's bytes (the bare-metal build's
// sizes are tested bare metal, tests/bare/).
TEST(Api, HostedRunsNeedNoWorkspace) {
  Problem pr;
  lowbit::Gemm gemm(pr.p);
  size_t bytes = 123;
  EXPECT_EQ(lowbit_gemm_workspace_size(gemm.get(), 1000, &bytes), LOWBIT_OK);
  EXPECT_EQ(bytes, 0u);
  EXPECT_EQ(lowbit_gemm_workspace_size(nullptr, 1, &bytes),
            LOWBIT_ERROR_NULL_POINTER);
  EXPECT_EQ(lowbit_gemm_workspace_size(gemm.get(), 1, nullptr),
            LOWBIT_ERROR_NULL_POINTER);
  constexpr size_t kM = 3;
  std::vector<int8_t> a(kM * kK);
  for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<int8_t>(i * 37);
  std::vector<int8_t> want(kM * kN), got(kM * kN, 0x5A);
  ASSERT_EQ(lowbit_gemm_run(gemm.get(), kM, a.data(), kK, want.data(), kN,
                            nullptr),
            LOWBIT_OK);
  ASSERT_EQ(lowbit_gemm_run_workspace(gemm.get(), kM, a.data(), kK,
                                      got.data(), kN, nullptr, 0),
            LOWBIT_OK);
  EXPECT_EQ(got, want);
  EXPECT_EQ(lowbit_gemm_run_workspace(gemm.get(), kM, a.data(), kK - 1,
                                      got.data(), kN, nullptr, 0),
            LOWBIT_ERROR_INVALID_STRIDE);
}

// A batch no allocation can hold is a status, not an exception through the
// C API (std::terminate) and not a crash: sizes beyond any object, then one
// that only the allocator can refuse.
TEST(Api, HugeBatchIsAStatus) {
  Problem pr;
  lowbit::Gemm gemm(pr.p);
  std::vector<int8_t> a(kK, 1);
  std::vector<int8_t> c(kN, 0x5A);
  constexpr size_t kMax = std::numeric_limits<size_t>::max();
  const size_t too_big = kMax / 8 + 1;  // m * 8 bytes overflows size_t
  EXPECT_EQ(lowbit_gemm_run(gemm.get(), too_big, a.data(), kK, c.data(), kN,
                            nullptr),
            LOWBIT_ERROR_INVALID_SIZE);
  // 8 or 16 bytes a row: a quarter to half the address space, more than any
  // object may have.
  EXPECT_EQ(lowbit_gemm_run(gemm.get(), kMax / 32, a.data(), kK, c.data(), kN,
                            nullptr),
            LOWBIT_ERROR_INVALID_SIZE);
  std::vector<int32_t> c32(kN, 0x5A5A5A5A);
  if (sizeof(size_t) == 8) {
    // 2^56 rows need 2^59 or 2^60 bytes of scratch: a valid object size,
    // more than any address space has (tests/sanitizer_options.cc lets ASan
    // say so). On 32 bits every size the library accepts could be
    // allocated, and the run would go on to read rows A does not have.
    const size_t unallocatable = size_t{1} << (sizeof(size_t) * 8 - 8);
    EXPECT_EQ(lowbit_gemm_run(gemm.get(), unallocatable, a.data(), kK,
                              c.data(), kN, nullptr),
              LOWBIT_ERROR_OUT_OF_MEMORY);
    EXPECT_NE(std::string(lowbit_last_error()).find("cannot allocate"),
              std::string::npos)
        << lowbit_last_error();
    EXPECT_EQ(lowbit_gemm_run_int32(gemm.get(), unallocatable, a.data(), kK,
                                    c32.data(), kN, nullptr),
              LOWBIT_ERROR_OUT_OF_MEMORY);
  }
  for (int8_t x : c) EXPECT_EQ(x, 0x5A);
  for (int32_t x : c32) EXPECT_EQ(x, 0x5A5A5A5A);
  try {
    gemm.Run(too_big, a.data(), kK, c.data(), kN);
    FAIL() << "no exception from the C++ layer";
  } catch (const lowbit::Error& e) {
    EXPECT_EQ(e.status(), LOWBIT_ERROR_INVALID_SIZE);
  }
}

// A C caller may store any int32 in an enum field; in C++ each must be a
// valid value of the enum type (UBSan's -fsanitize=enum checks every load)
// and is rejected with a status.
template <typename Enum>
Enum FromInt(int32_t v) {
  Enum e;
  static_assert(sizeof(e) == sizeof(v), "enums are 32 bits wide");
  std::memcpy(&e, &v, sizeof(v));
  return e;
}

TEST(Api, AnyInt32InAnEnumIsRejected) {
  // None of these is a requantization mode, a data type (but 4, INT4, for
  // weights), an activation (but 0, NONE) or a status (but 0 and 4).
  for (int32_t v : {-1, -7, std::numeric_limits<int32_t>::min(), 0, 4, 1000,
                    std::numeric_limits<int32_t>::max()}) {
    Problem pr;
    auto p = pr.p;
    p.requant = FromInt<lowbit_requant>(v);
    ExpectPackFails(p, LOWBIT_ERROR_UNSUPPORTED, "requant");
    p = pr.p;
    p.input_type = FromInt<lowbit_dtype>(v);
    ExpectPackFails(p, LOWBIT_ERROR_UNSUPPORTED, "input type");
    p = pr.p;
    p.weight_type = FromInt<lowbit_dtype>(v);
    if (v != LOWBIT_DTYPE_INT4) {
      ExpectPackFails(p, LOWBIT_ERROR_UNSUPPORTED, "weight type");
    }
    p = pr.p;
    p.output_type = FromInt<lowbit_dtype>(v);
    ExpectPackFails(p, LOWBIT_ERROR_UNSUPPORTED, "output type");
    int32_t lo = 0, hi = 0;
    EXPECT_EQ(lowbit_output_range(LOWBIT_ACTIVATION_RELU, 0, 1, 0.1f, 0,
                                  FromInt<lowbit_dtype>(v), &lo, &hi),
              LOWBIT_ERROR_UNSUPPORTED)
        << v;
    if (v == 0) continue;
    EXPECT_EQ(lowbit_output_range(FromInt<lowbit_activation>(v), 0, 1, 0.1f,
                                  0, LOWBIT_DTYPE_INT8, &lo, &hi),
              LOWBIT_ERROR_INVALID_ARGUMENT)
        << v;
    if (v == 4) continue;
    EXPECT_STREQ(lowbit_status_string(FromInt<lowbit_status>(v)),
                 "unknown status");
  }
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

namespace {

// The layout of lowbit_gemm_params before requant_multipliers (the first
// versioned layout): what a binary built against that header passes.
struct GemmParamsV1 {
  size_t struct_size;
  size_t n;
  size_t k;
  lowbit_dtype input_type;
  lowbit_dtype weight_type;
  lowbit_dtype output_type;
  lowbit_requant requant;
  const void* weights;
  size_t weight_stride;
  const int32_t* bias;
  float input_scale;
  int32_t input_zero_point;
  const float* weight_scales;
  size_t weight_scale_count;
  int32_t weight_zero_point;
  float output_scale;
  int32_t output_zero_point;
  int32_t output_min;
  int32_t output_max;
};
static_assert(sizeof(GemmParamsV1) ==
                  offsetof(lowbit_gemm_params, requant_multipliers),
              "the current layout extends the first one at its end");

// The old caller's struct lives in a heap block of exactly its size, so the
// sanitizer builds catch any read past it.
TEST(Abi, CallerWithTheFirstLayout) {
  Problem pr;
  auto old = std::make_unique<GemmParamsV1>();
  auto* as_params = reinterpret_cast<lowbit_gemm_params*>(old.get());
  ASSERT_EQ(lowbit_gemm_params_init_sized(as_params, sizeof(GemmParamsV1)),
            LOWBIT_OK);
  EXPECT_EQ(old->struct_size, sizeof(GemmParamsV1));
  EXPECT_EQ(old->requant, LOWBIT_REQUANT_FP32);
  EXPECT_EQ(old->output_max, 127);
  old->n = kN;
  old->k = kK;
  old->weights = pr.w.data();
  old->weight_stride = kK;
  old->bias = pr.bias.data();
  old->weight_scales = pr.scales.data();
  old->weight_scale_count = kN;
  old->input_scale = 0.25f;
  old->output_scale = 0.5f;
  old->requant = LOWBIT_REQUANT_FIXEDPOINT;
  lowbit_gemm_t gemm = nullptr;
  ASSERT_EQ(lowbit_gemm_pack(as_params, &gemm), LOWBIT_OK)
      << lowbit_last_error();
  std::vector<int8_t> a(2 * kK, 1), c(2 * kN);
  ASSERT_EQ(lowbit_gemm_run(gemm, 2, a.data(), kK, c.data(), kN, nullptr),
            LOWBIT_OK);
  for (int8_t x : c) EXPECT_EQ(x, 8);  // 31 * 0.25 * 0.5 / 0.5 = 7.75
  lowbit_gemm_destroy(gemm);
}

// A caller built against a newer header: fields this library does not know
// are accepted when zero (not used) and rejected otherwise.
TEST(Abi, CallerWithALargerLayout) {
  Problem pr;
  struct Newer {
    lowbit_gemm_params p;
    int64_t future_field;
  } newer;
  ASSERT_EQ(lowbit_gemm_params_init_sized(&newer.p, sizeof(newer)),
            LOWBIT_OK);
  EXPECT_EQ(newer.p.struct_size, sizeof(newer));
  EXPECT_EQ(newer.future_field, 0);  // init zeroes what it does not know
  const size_t size = sizeof(newer);
  newer.p = pr.p;
  newer.p.struct_size = size;
  lowbit_gemm_t gemm = nullptr;
  ASSERT_EQ(lowbit_gemm_pack(&newer.p, &gemm), LOWBIT_OK)
      << lowbit_last_error();
  lowbit_gemm_destroy(gemm);
  newer.future_field = 1;
  ExpectPackFails(newer.p, LOWBIT_ERROR_UNSUPPORTED, "unknown field set");
  EXPECT_NE(std::string(lowbit_last_error()).find("newer header"),
            std::string::npos)
      << lowbit_last_error();
}

TEST(Abi, UninitialisedStructSizeIsRejected) {
  Problem pr;
  for (size_t size : {size_t{0}, size_t{8}, sizeof(GemmParamsV1) - 1,
                      size_t{1} << 20}) {
    auto p = pr.p;
    p.struct_size = size;
    ExpectPackFails(p, LOWBIT_ERROR_INVALID_ARGUMENT, "struct_size");
    EXPECT_NE(std::string(lowbit_last_error()).find("_init"),
              std::string::npos)
        << lowbit_last_error();
  }
  lowbit_gemm_params p;
  std::memset(&p, 0x77, sizeof(p));
  EXPECT_EQ(lowbit_gemm_params_init_sized(&p, 3), LOWBIT_ERROR_INVALID_ARGUMENT);
  const unsigned char* bytes = reinterpret_cast<const unsigned char*>(&p);
  for (size_t i = 0; i < sizeof(p); ++i) ASSERT_EQ(bytes[i], 0x77) << i;
  EXPECT_EQ(lowbit_gemm_params_init_sized(nullptr, sizeof(p)),
            LOWBIT_ERROR_NULL_POINTER);
}

// Caller-supplied (multiplier, shift) pairs. TFLite's per-tensor
// FULLY_CONNECTED derives its multiplier from float(in * w) / out, lowbit's
// scale path from double(in) * w / out: they differ in the last bits for
// most scales, and a few accumulators per scale land on different sides of a
// rounding boundary. Find such scales and accumulators, then check that with
// the caller's pair lowbit gives TFLite's bytes and from the scales its own.
TEST(CallerMultipliers, FollowTheCallersMultiplierNotTheScales) {
  std::mt19937 rng(20261202);
  std::uniform_real_distribution<float> dist(0.001f, 0.1f);
  for (lowbit_requant mode :
       {LOWBIT_REQUANT_FIXEDPOINT, LOWBIT_REQUANT_FIXEDPOINT_SINGLE}) {
    const auto requant = [&](int32_t acc, int32_t m, int32_t s) {
      return mode == LOWBIT_REQUANT_FIXEDPOINT
                 ? lowbit::ref::RequantizeFixedpoint(acc, m, s, 0, -128, 127)
                 : lowbit::ref::RequantizeFixedpointSingle(acc, m, s, 0, -128,
                                                           127);
    };
    float in = 0, w = 0, out = 0;
    int32_t m_fc = 0, s_fc = 0;
    std::vector<int32_t> accs;  // where the two multipliers disagree
    // Effective scales near 2^-12 leave about a million accumulators inside
    // the output range, enough for boundary cases.
    for (int attempt = 0; attempt < 50 && accs.empty(); ++attempt) {
      in = dist(rng);
      w = dist(rng);
      out = in * w * 4096.0f * (0.5f + dist(rng) * 10.0f);
      int32_t m_lb = 0, s_lb = 0;
      if (lowbit_quantize_multiplier(static_cast<double>(in * w) / out, &m_fc,
                                     &s_fc) != LOWBIT_OK ||
          lowbit_quantize_multiplier(
              lowbit_fixedpoint_requant_scale(in, w, out), &m_lb, &s_lb) !=
              LOWBIT_OK) {
        continue;
      }
      for (int32_t acc = -(1 << 20); acc <= (1 << 20) && accs.size() < 16;
           ++acc) {
        if (requant(acc, m_fc, s_fc) != requant(acc, m_lb, s_lb)) {
          accs.push_back(acc);
        }
      }
    }
    ASSERT_FALSE(accs.empty()) << "no scales found where the formulas differ";
    // One channel per accumulator: k = 1, a = 1, w = 1, bias = acc - 1.
    const size_t n = accs.size();
    std::vector<int32_t> bias(n);
    for (size_t j = 0; j < n; ++j) bias[j] = accs[j] - 1;
    const std::vector<int8_t> ones(n, 1);
    const int8_t a = 1;
    lowbit_gemm_params p;
    lowbit_gemm_params_init(&p);
    p.n = n;
    p.k = 1;
    p.weights = ones.data();
    p.weight_stride = 1;
    p.bias = bias.data();
    p.requant = mode;
    p.requant_multipliers = &m_fc;
    p.requant_shifts = &s_fc;
    p.requant_multiplier_count = 1;
    p.weight_scales = nullptr;  // not needed with multipliers
    std::vector<int8_t> given(n), derived(n);
    lowbit::Gemm(p).Run(1, &a, 1, given.data(), n);
    p.requant_multipliers = nullptr;
    p.requant_shifts = nullptr;
    p.requant_multiplier_count = 0;
    p.weight_scales = &w;
    p.input_scale = in;
    p.output_scale = out;
    lowbit::Gemm(p).Run(1, &a, 1, derived.data(), n);
    for (size_t j = 0; j < n; ++j) {
      EXPECT_EQ(given[j], requant(accs[j], m_fc, s_fc)) << accs[j];
      EXPECT_NE(given[j], derived[j]) << accs[j];
    }
  }
}

TEST(CallerMultipliers, AreValidated) {
  Problem pr;
  std::vector<int32_t> m(kN, 1 << 30), s(kN, 0);
  auto with = [&](lowbit_requant mode) {
    auto p = pr.p;
    p.requant = mode;
    p.requant_multipliers = m.data();
    p.requant_shifts = s.data();
    p.requant_multiplier_count = kN;
    return p;
  };
  lowbit_gemm_t gemm = nullptr;
  auto p = with(LOWBIT_REQUANT_FIXEDPOINT);
  p.weight_scales = nullptr;
  ASSERT_EQ(lowbit_gemm_pack(&p, &gemm), LOWBIT_OK) << lowbit_last_error();
  lowbit_gemm_destroy(gemm);
  ExpectPackFails(with(LOWBIT_REQUANT_FP32), LOWBIT_ERROR_INVALID_ARGUMENT,
                  "multipliers with fp32");
  p = with(LOWBIT_REQUANT_FIXEDPOINT_SINGLE);
  p.requant_shifts = nullptr;
  ExpectPackFails(p, LOWBIT_ERROR_NULL_POINTER, "no shifts");
  p = with(LOWBIT_REQUANT_FIXEDPOINT_SINGLE);
  p.requant_multipliers = nullptr;
  ExpectPackFails(p, LOWBIT_ERROR_NULL_POINTER, "no multipliers");
  p = with(LOWBIT_REQUANT_FIXEDPOINT);
  p.requant_multiplier_count = 2;
  ExpectPackFails(p, LOWBIT_ERROR_INVALID_ARGUMENT, "count 2 for 5 channels");
  const int32_t bad_m[] = {0, -1, (1 << 30) - 1, std::numeric_limits<int32_t>::min()};
  for (int32_t bad : bad_m) {
    m[2] = bad;
    ExpectPackFails(with(LOWBIT_REQUANT_FIXEDPOINT), LOWBIT_ERROR_INVALID_SCALE,
                    "multiplier");
  }
  m[2] = std::numeric_limits<int32_t>::max();
  for (int32_t bad : {-32, 9, 31, std::numeric_limits<int32_t>::min()}) {
    s[4] = bad;
    ExpectPackFails(with(LOWBIT_REQUANT_FIXEDPOINT_SINGLE),
                    LOWBIT_ERROR_INVALID_SCALE, "shift");
  }
  for (int32_t good : {-31, 8}) {
    s[4] = good;
    p = with(LOWBIT_REQUANT_FIXEDPOINT_SINGLE);
    ASSERT_EQ(lowbit_gemm_pack(&p, &gemm), LOWBIT_OK) << lowbit_last_error();
    lowbit_gemm_destroy(gemm);
  }
}

}  // namespace
