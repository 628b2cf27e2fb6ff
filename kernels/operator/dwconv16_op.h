// Depthwise convolution with 16-bit activations (one output channel per
// input channel): each output pixel's channels straight from its taps
// (kernels/gemm16/dwconv16.h), then the int64 stage of the 16-bit GEMM
// (kernels/gemm16/epilogue16.h). Other 16-bit convolutions, and depthwise
// ones with a channel multiplier or more taps than kDw16MaxTaps, run as
// 16-bit GEMMs on gathered patches (conv_op.cc).
#ifndef LOWBIT_KERNELS_OPERATOR_DWCONV16_OP_H_
#define LOWBIT_KERNELS_OPERATOR_DWCONV16_OP_H_

#include <cstddef>
#include <cstdint>

#include "lowbit/lowbit.h"

struct pthreadpool;

namespace lowbit {

struct Dw16;

bool Dw16Supported(const lowbit_conv2d_params& p);
// all: the convolution as one GEMM (n = channels, k = taps).
lowbit_status PackDw16(const lowbit_conv2d_params& p,
                       const lowbit_gemm_params& all, Dw16** out,
                       const char* fn);
void DestroyDw16(Dw16* d);
// Sizes and strides already checked by the caller (conv_op.cc's Run).
lowbit_status RunDw16(const Dw16& d, size_t batch, size_t in_h, size_t in_w,
                      size_t out_h, size_t out_w, const int16_t* input,
                      size_t in_stride, int16_t* output, size_t out_stride,
                      pthreadpool* pool, const char* fn);

}  // namespace lowbit

#endif  // LOWBIT_KERNELS_OPERATOR_DWCONV16_OP_H_
