// One immutable handle run by many threads at once with different shapes
// and outputs, no pool (the ThreadSanitizer stage of the test command runs
// this file; Debian's pthreadpool is not instrumented, so runs through a
// pool would give TSan false reports and are left to the other stages).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <thread>
#include <vector>

#include "kernels/reference/conv.h"
#include "kernels/reference/gemm.h"
#include "kernels/reference/gemm16.h"
#include "lowbit/lowbit.hpp"

namespace {

struct Layer {
  size_t n, k;
  std::vector<int8_t> w;
  std::vector<int32_t> bias;
  std::vector<float> scales;
  lowbit_gemm_params p;
  Layer(size_t n_, size_t k_, lowbit_requant mode)
      : n(n_), k(k_), w(n * k), bias(n), scales(n) {
    for (size_t i = 0; i < w.size(); ++i)
      w[i] = static_cast<int8_t>(i * 29 + 7);
    for (size_t i = 0; i < n; ++i) {
      bias[i] = static_cast<int32_t>(i * 977) - 30000;
      scales[i] = 0.01f + 0.001f * static_cast<float>(i % 17);
    }
    lowbit_gemm_params_init(&p);
    p.n = n;
    p.k = k;
    p.requant = mode;
    p.weights = w.data();
    p.weight_stride = k;
    p.bias = bias.data();
    p.weight_scales = scales.data();
    p.weight_scale_count = n;
    p.input_scale = 0.05f;
    p.input_zero_point = -3;
    p.output_scale = 0.05f * 0.015f * 75.0f * 75.0f *
                     std::sqrt(static_cast<float>(k)) / 60.0f;
  }
};

TEST(ThreadSafety, ManyShapesOnOneHandleAtOnce) {
  // K = 6000 makes the operator cut K into parts (per-thread partial tiles)
  // on caches up to 1 MiB of L2; K = 300 does not.
  for (size_t k : {size_t{300}, size_t{6000}}) {
    const Layer layer(70, k, LOWBIT_REQUANT_FIXEDPOINT);
    const lowbit::Gemm gemm(layer.p);
    constexpr size_t kThreads = 6;
    struct Job {
      size_t m;
      bool raw;
      std::vector<int8_t> a;
      std::vector<uint8_t> want, got;
    };
    std::vector<Job> jobs(kThreads);
    for (size_t t = 0; t < kThreads; ++t) {
      Job& j = jobs[t];
      j.m = 1 + t * 13;  // 1 (GEMV) to 66 rows
      j.raw = t % 2 == 1;
      j.a.resize(j.m * k);
      for (size_t i = 0; i < j.a.size(); ++i) {
        j.a[i] = static_cast<int8_t>(i * (t + 3) + t);
      }
      const size_t elem = j.raw ? 4 : 1;
      j.want.resize(j.m * layer.n * elem);
      j.got.resize(j.want.size());
      if (j.raw) {
        lowbit::ref::GemmAccumulators(layer.p, j.m, j.a.data(), k,
                                      reinterpret_cast<int32_t*>(j.want.data()),
                                      layer.n);
      } else {
        lowbit::ref::Gemm(layer.p, j.m, j.a.data(), k, j.want.data(), layer.n);
      }
    }
    std::vector<std::thread> threads;
    for (size_t t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        Job& j = jobs[t];
        for (int repeat = 0; repeat < 5; ++repeat) {
          if (j.raw) {
            gemm.RunInt32(j.m, j.a.data(), k,
                          reinterpret_cast<int32_t*>(j.got.data()), layer.n);
          } else {
            gemm.Run(j.m, j.a.data(), k, j.got.data(), layer.n);
          }
        }
      });
    }
    for (auto& th : threads) th.join();
    for (size_t t = 0; t < kThreads; ++t) {
      EXPECT_EQ(jobs[t].got, jobs[t].want) << "k " << k << " thread " << t;
    }
  }
}

// 16-bit activations (kernels/operator/gemm16_op.cc): K across several
// exact int32 parts, int16 weights (two planes), raw int64 and int16 runs.
TEST(ThreadSafety, Int16ManyShapesOnOneHandleAtOnce) {
  const size_t n = 53, k = 1100;
  std::vector<int16_t> w(n * k);
  std::vector<int64_t> bias(n);
  std::vector<float> scales(n);
  for (size_t i = 0; i < w.size(); ++i) {
    w[i] = static_cast<int16_t>(i * 7919 + 13);
  }
  for (size_t i = 0; i < n; ++i) {
    bias[i] = static_cast<int64_t>(i * 1000003) - 20000000;
    scales[i] = (1.0f + 0.01f * static_cast<float>(i)) / 3e9f;
  }
  lowbit_gemm_params p;
  lowbit_gemm_params_init(&p);
  p.n = n;
  p.k = k;
  p.input_type = LOWBIT_DTYPE_INT16;
  p.weight_type = LOWBIT_DTYPE_INT16;
  p.output_type = LOWBIT_DTYPE_INT16;
  p.requant = LOWBIT_REQUANT_FIXEDPOINT;
  p.weights = w.data();
  p.weight_stride = k;
  p.bias64 = bias.data();
  p.weight_scales = scales.data();
  p.weight_scale_count = n;
  p.output_min = -32768;
  p.output_max = 32767;
  const lowbit::Gemm gemm(p);
  constexpr size_t kThreads = 6;
  struct Job {
    size_t m;
    bool raw;
    std::vector<int16_t> a, want16, got16;
    std::vector<int64_t> want64, got64;
  };
  std::vector<Job> jobs(kThreads);
  for (size_t t = 0; t < kThreads; ++t) {
    Job& j = jobs[t];
    j.m = 1 + t * 13;
    j.raw = t % 2 == 1;
    j.a.resize(j.m * k);
    for (size_t i = 0; i < j.a.size(); ++i) {
      j.a[i] = static_cast<int16_t>(i * (t + 3) * 40503 + t);
    }
    j.want16.resize(j.m * n);
    j.got16.resize(j.m * n);
    j.want64.resize(j.m * n);
    j.got64.resize(j.m * n);
    lowbit::ref::Gemm16(p, j.m, j.a.data(), k, j.want16.data(), n);
    lowbit::ref::Gemm16Accumulators(p, j.m, j.a.data(), k, j.want64.data(),
                                    n);
  }
  std::vector<std::thread> threads;
  for (size_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Job& j = jobs[t];
      for (int repeat = 0; repeat < 5; ++repeat) {
        if (j.raw) {
          gemm.RunInt64(j.m, j.a.data(), k, j.got64.data(), n);
        } else {
          gemm.Run(j.m, j.a.data(), k, j.got16.data(), n);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (size_t t = 0; t < kThreads; ++t) {
    if (jobs[t].raw) {
      EXPECT_EQ(jobs[t].got64, jobs[t].want64) << "thread " << t;
    } else {
      EXPECT_EQ(jobs[t].got16, jobs[t].want16) << "thread " << t;
    }
  }
}

// Handles packed and destroyed on several threads while others run.
TEST(ThreadSafety, PackRunDestroyOnManyThreads) {
  constexpr size_t kThreads = 4;
  std::vector<std::thread> threads;
  std::vector<int> failures(kThreads, 0);
  for (size_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const Layer layer(17 + t, 40 + 9 * t, LOWBIT_REQUANT_FP32);
      std::vector<int8_t> a(5 * layer.k, static_cast<int8_t>(t));
      std::vector<uint8_t> want(5 * layer.n), got(want.size());
      lowbit::ref::Gemm(layer.p, 5, a.data(), layer.k, want.data(), layer.n);
      for (int repeat = 0; repeat < 20; ++repeat) {
        lowbit::Gemm gemm(layer.p);
        gemm.Run(5, a.data(), layer.k, got.data(), layer.n);
        failures[t] += got != want;
      }
    });
  }
  for (auto& th : threads) th.join();
  for (size_t t = 0; t < kThreads; ++t) EXPECT_EQ(failures[t], 0) << t;
}

}  // namespace

namespace {

// One convolution handle (GEMM path, or depthwise with its per-thread
// indirection buffers) run by many threads at once on different input
// sizes, each compared with the reference.
void ConvManyShapes(size_t groups, size_t cg, size_t ng) {
  const size_t k = 9 * cg, c_out = groups * ng;
  std::vector<int8_t> w(c_out * k);
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<int8_t>(i * 31 + 5);
  std::vector<int32_t> bias(c_out);
  std::vector<float> scales(c_out);
  for (size_t i = 0; i < c_out; ++i) {
    bias[i] = static_cast<int32_t>(i * 577) - 9000;
    scales[i] = 0.01f + 0.001f * static_cast<float>(i % 13);
  }
  lowbit_conv2d_params p;
  lowbit_conv2d_params_init(&p);
  p.kernel_height = p.kernel_width = 3;
  p.padding_top = p.padding_left = p.padding_bottom = p.padding_right = 1;
  p.groups = groups;
  p.group_input_channels = cg;
  p.group_output_channels = ng;
  p.weights = w.data();
  p.bias = bias.data();
  p.weight_scales = scales.data();
  p.weight_scale_count = c_out;
  p.input_scale = 0.05f;
  p.input_zero_point = 4;
  p.output_scale = 0.05f * 0.015f * 75.0f * 75.0f *
                   std::sqrt(static_cast<float>(k)) / 60.0f;
  const lowbit::Conv2d conv(p);
  constexpr size_t kThreads = 6;
  struct Job {
    size_t h, w;
    std::vector<int8_t> in;
    std::vector<uint8_t> want, got;
  };
  std::vector<Job> jobs(kThreads);
  for (size_t t = 0; t < kThreads; ++t) {
    Job& j = jobs[t];
    j.h = 3 + t;
    j.w = 9 - t;
    j.in.resize(j.h * j.w * groups * cg);
    for (size_t i = 0; i < j.in.size(); ++i) {
      j.in[i] = static_cast<int8_t>(i * (t + 5) + t);
    }
    j.want.resize(j.h * j.w * c_out);
    j.got.resize(j.want.size());
    lowbit::ref::Conv2d(p, 1, j.h, j.w, j.in.data(), groups * cg,
                        j.want.data(), c_out);
  }
  std::vector<std::thread> threads;
  for (Job& j : jobs) {
    threads.emplace_back([&conv, &j, groups, cg, c_out] {
      for (int rep = 0; rep < 3; ++rep) {
        conv.Run(1, j.h, j.w, j.in.data(), groups * cg, j.got.data(), c_out);
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const Job& j : jobs) EXPECT_TRUE(j.want == j.got) << j.h << "x" << j.w;
}

TEST(ThreadSafety, ConvManyShapesOnOneHandleAtOnce) { ConvManyShapes(2, 5, 7); }
TEST(ThreadSafety, DepthwiseManyShapesOnOneHandleAtOnce) {
  ConvManyShapes(40, 1, 1);
}

}  // namespace
