// GemmTester: builds one GEMM problem, runs it through a given microkernel
// (packing, widening, tiling, threading included) and compares every output
// byte with the scalar reference. In the style of XNNPACK's
// GemmMicrokernelTester.
#ifndef LOWBIT_TESTS_GEMM_TESTER_H_
#define LOWBIT_TESTS_GEMM_TESTER_H_

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include <pthreadpool.h>

#include "kernels/gemm/ukernel.h"
#include "lowbit/lowbit.h"

namespace lowbit {

enum class Fill {
  kRandom,  // uniform over the type
  kMin,     // every element at the type's minimum
  kMax,     // every element at the type's maximum
};

// The range of an 8-bit type, and count bytes of it filled as `fill` says
// (shared by the testers).
void TypeRange(lowbit_dtype t, int32_t* lo, int32_t* hi);
std::vector<uint8_t> Fill8(size_t count, lowbit_dtype t, Fill fill,
                           std::mt19937& rng);
// count int4 values in [-8, 7] as `fill` says, two per byte, low nibble
// first (DESIGN.md §2).
std::vector<uint8_t> FillInt4(size_t count, Fill fill, std::mt19937& rng);

// Owns an optional pthreadpool (nullptr: run on the calling thread).
struct PoolDeleter {
  void operator()(pthreadpool* p) const { pthreadpool_destroy(p); }
};

class GemmTester {
 public:
  GemmTester& m(size_t v) { m_ = v; return *this; }
  GemmTester& n(size_t v) { n_ = v; return *this; }
  GemmTester& k(size_t v) { k_ = v; return *this; }
  GemmTester& a_stride(size_t v) { a_stride_ = v; return *this; }
  GemmTester& w_stride(size_t v) { w_stride_ = v; return *this; }
  GemmTester& c_stride(size_t v) { c_stride_ = v; return *this; }
  GemmTester& input_type(lowbit_dtype v) { input_type_ = v; return *this; }
  GemmTester& weight_type(lowbit_dtype v) { weight_type_ = v; return *this; }
  GemmTester& output_type(lowbit_dtype v) { output_type_ = v; return *this; }
  GemmTester& a_zero_point(int32_t v) { za_ = v; return *this; }
  GemmTester& w_zero_point(int32_t v) { zw_ = v; return *this; }
  GemmTester& c_zero_point(int32_t v) { zo_ = v; return *this; }
  GemmTester& per_channel(bool v) { per_channel_ = v; return *this; }
  GemmTester& bias(bool v) { bias_ = v; return *this; }
  GemmTester& requant(lowbit_requant v) { requant_ = v; return *this; }
  // Output clamp in the quantized domain; default: the output type's range.
  GemmTester& clamp(int32_t lo, int32_t hi) {
    qmin_ = lo;
    qmax_ = hi;
    has_clamp_ = true;
    return *this;
  }
  GemmTester& a_fill(Fill v) { a_fill_ = v; return *this; }
  GemmTester& w_fill(Fill v) { w_fill_ = v; return *this; }
  // Output scale multiplier: < 1 spreads results, > 1 saturates them.
  GemmTester& output_scale_factor(float v) { scale_factor_ = v; return *this; }
  GemmTester& raw_int32(bool v) { raw_int32_ = v; return *this; }
  // The fixed-point modes with caller-supplied (multiplier, shift) pairs
  // instead of scales: TFLite FULLY_CONNECTED's float(in * w) / out, with
  // the multiplier moved by a random amount within [2^30, 2^31).
  GemmTester& caller_multipliers(bool v) { caller_multipliers_ = v; return *this; }
  GemmTester& threads(size_t v) { threads_ = v; return *this; }
  // Forces the operator's K blocking to parts of v K groups (0: the
  // cache-derived default, which splits only very large K).
  GemmTester& k_part_groups(size_t v) { k_part_groups_ = v; return *this; }
  // true: rows are converted into the kernel's form even where the kernel
  // could read them in place (GemmKernel::ukernel_flip).
  GemmTester& converted(bool v) { converted_ = v; return *this; }
  GemmTester& seed(uint32_t v) { seed_ = v; return *this; }

  // Runs the problem with `kernel`; reports a gtest failure naming the
  // problem, the kernel, the first wrong position, expected and got.
  void Test(const GemmKernel& kernel) const;

 private:
  size_t m_ = 1, n_ = 1, k_ = 1;
  size_t a_stride_ = 0, w_stride_ = 0, c_stride_ = 0;  // 0: the row length
  lowbit_dtype input_type_ = LOWBIT_DTYPE_INT8;
  lowbit_dtype weight_type_ = LOWBIT_DTYPE_INT8;
  lowbit_dtype output_type_ = LOWBIT_DTYPE_INT8;
  int32_t za_ = 0, zw_ = 0, zo_ = 0;
  bool per_channel_ = true;
  bool bias_ = true;
  lowbit_requant requant_ = LOWBIT_REQUANT_FP32;
  int32_t qmin_ = 0, qmax_ = 0;
  bool has_clamp_ = false;
  Fill a_fill_ = Fill::kRandom, w_fill_ = Fill::kRandom;
  float scale_factor_ = 1.0f;
  bool raw_int32_ = false;
  bool caller_multipliers_ = false;
  size_t threads_ = 1;
  size_t k_part_groups_ = 0;
  bool converted_ = false;
  uint32_t seed_ = 0x10B17;
};

}  // namespace lowbit

#endif  // LOWBIT_TESTS_GEMM_TESTER_H_
