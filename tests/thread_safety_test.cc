// One immutable handle run by many threads at once with different shapes
// and outputs, no pool (the ThreadSanitizer stage of the test command runs
// this file; Debian's pthreadpool is not instrumented, so runs through a
// pool would give TSan false reports and are left to the other stages).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <thread>
#include <vector>

#include "kernels/reference/gemm.h"
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
