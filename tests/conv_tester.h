// ConvTester: builds one NHWC convolution, runs it through the operator with
// a given GEMM microkernel (gathering, widening, tiling and threading
// included), runs it a second time to check that nothing is allocated
// again, and compares every output byte with the direct 7-loop reference.
#ifndef LOWBIT_TESTS_CONV_TESTER_H_
#define LOWBIT_TESTS_CONV_TESTER_H_

#include <cstddef>
#include <cstdint>

#include "kernels/dwconv/dwconv.h"
#include "kernels/gemm/ukernel.h"
#include "lowbit/lowbit.h"
#include "tests/gemm_tester.h"

namespace lowbit {

class ConvTester {
 public:
  ConvTester& batch(size_t v) { batch_ = v; return *this; }
  ConvTester& input_size(size_t h, size_t w) { in_h_ = h; in_w_ = w; return *this; }
  ConvTester& kernel_size(size_t h, size_t w) { kh_ = h; kw_ = w; return *this; }
  ConvTester& stride(size_t h, size_t w) { sh_ = h; sw_ = w; return *this; }
  ConvTester& dilation(size_t h, size_t w) { dh_ = h; dw_ = w; return *this; }
  ConvTester& padding(size_t top, size_t left, size_t bottom, size_t right) {
    pt_ = top; pl_ = left; pb_ = bottom; pr_ = right;
    return *this;
  }
  ConvTester& padding(size_t all) { return padding(all, all, all, all); }
  ConvTester& groups(size_t v) { groups_ = v; return *this; }
  ConvTester& group_input_channels(size_t v) { cg_ = v; return *this; }
  ConvTester& group_output_channels(size_t v) { ng_ = v; return *this; }
  // Pixel strides; 0: the pixel's channel count.
  ConvTester& input_stride(size_t v) { in_stride_ = v; return *this; }
  ConvTester& output_stride(size_t v) { out_stride_ = v; return *this; }
  ConvTester& input_type(lowbit_dtype v) { input_type_ = v; return *this; }
  ConvTester& weight_type(lowbit_dtype v) { weight_type_ = v; return *this; }
  ConvTester& output_type(lowbit_dtype v) { output_type_ = v; return *this; }
  ConvTester& input_zero_point(int32_t v) { za_ = v; return *this; }
  ConvTester& weight_zero_point(int32_t v) { zw_ = v; return *this; }
  ConvTester& output_zero_point(int32_t v) { zo_ = v; return *this; }
  ConvTester& per_channel(bool v) { per_channel_ = v; return *this; }
  ConvTester& requant(lowbit_requant v) { requant_ = v; return *this; }
  ConvTester& clamp(int32_t lo, int32_t hi) {
    qmin_ = lo;
    qmax_ = hi;
    has_clamp_ = true;
    return *this;
  }
  // The requantization scale times v (the output scale divided by it).
  ConvTester& output_scale_factor(float v) { scale_factor_ = v; return *this; }
  // Bias drawn from [lo, hi] (default +-20000).
  ConvTester& bias_range(int32_t lo, int32_t hi) {
    bias_lo_ = lo;
    bias_hi_ = hi;
    return *this;
  }
  ConvTester& input_fill(Fill v) { a_fill_ = v; return *this; }
  ConvTester& weight_fill(Fill v) { w_fill_ = v; return *this; }
  ConvTester& caller_multipliers(bool v) { caller_multipliers_ = v; return *this; }
  ConvTester& threads(size_t v) { threads_ = v; return *this; }
  ConvTester& seed(uint32_t v) { seed_ = v; return *this; }
  // The GEMM path's test switches (kernels/operator/gemm_op.h): K cut into
  // parts of v K groups, and rows gathered even where the kernel could
  // read them in place.
  ConvTester& k_part_groups(size_t v) { k_part_groups_ = v; return *this; }
  ConvTester& converted(bool v) { converted_ = v; return *this; }

  // Depthwise convolutions (any multiplier) run on `dwconv`, or on the one
  // the operator pairs with `kernel` when it is null.
  void Test(const GemmKernel& kernel,
            const DwconvKernel* dwconv = nullptr) const;

 private:
  size_t batch_ = 1, in_h_ = 5, in_w_ = 5;
  size_t kh_ = 3, kw_ = 3, sh_ = 1, sw_ = 1, dh_ = 1, dw_ = 1;
  size_t pt_ = 0, pl_ = 0, pb_ = 0, pr_ = 0;
  size_t groups_ = 1, cg_ = 3, ng_ = 5;
  size_t in_stride_ = 0, out_stride_ = 0;
  lowbit_dtype input_type_ = LOWBIT_DTYPE_INT8;
  lowbit_dtype weight_type_ = LOWBIT_DTYPE_INT8;
  lowbit_dtype output_type_ = LOWBIT_DTYPE_INT8;
  int32_t za_ = 0, zw_ = 0, zo_ = 0;
  bool per_channel_ = true;
  lowbit_requant requant_ = LOWBIT_REQUANT_FP32;
  int32_t qmin_ = 0, qmax_ = 0;
  bool has_clamp_ = false;
  Fill a_fill_ = Fill::kRandom, w_fill_ = Fill::kRandom;
  float scale_factor_ = 1.0f;
  int32_t bias_lo_ = -20000, bias_hi_ = 20000;
  size_t k_part_groups_ = 0;
  bool converted_ = false;
  bool caller_multipliers_ = false;
  size_t threads_ = 1;
  uint32_t seed_ = 0xC0411;
};

}  // namespace lowbit

#endif  // LOWBIT_TESTS_CONV_TESTER_H_
