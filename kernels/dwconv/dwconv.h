// Depthwise convolution microkernels (multiplier 1): what they are and the
// packed form they read.
//
// Packed weights for C channels, T = kernel_h * kernel_w taps, cpad = C
// rounded up to kDwconvChannelAlign:
//   int32 bias'[cpad]     bias[c] - za * sum_t w'[t][c]  (0 past C)
//   int32 w'[T][cpad]     uint16(W[c][t] - zw)           (0 past C)
// Each weight sits in the low half of its lane with a zero upper half, so
// int16 pair multiplies (vpmaddwd, smlal) give x * w exactly.
// The za term is folded into the bias (exact modulo 2^32, DESIGN.md §2), so
// the kernel multiplies raw inputs; a tap in the padding reads a row of za,
// whose contribution the fold cancels exactly.
#ifndef LOWBIT_KERNELS_DWCONV_DWCONV_H_
#define LOWBIT_KERNELS_DWCONV_DWCONV_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/gemm/ukernel.h"

namespace lowbit {

constexpr size_t kDwconvChannelAlign = 64;

// Output pixels [0, pixels): pixel p's tap t reads the C channels at
// image + offsets[p * taps + t], or zero_row when that offset is negative.
// Writes C requantized channels per pixel at output + p * out_stride.
//
// row_run: the pixels are consecutive pixels of one output row whose taps
// all lie inside the image horizontally (kernel rows in the vertical
// padding are whole rows of za), so tap (ky, kx) of pixel p is column
// p * stride_w + kx * dilation_w of kernel row ky, in_stride bytes a
// column: kernels may then load each column once for every pixel that
// reads it.
struct DwconvArgs {
  bool row_run;
  size_t kernel_w, stride_w, dilation_w, in_stride;
  size_t pixels;
  size_t channels;
  size_t taps;
  const int64_t* offsets;
  const uint8_t* image;
  const uint8_t* zero_row;  // C bytes of za
  const int32_t* packed;    // bias' then weights, cpad apart
  size_t cpad;
  lowbit_dtype input_type;
  const GemmOutput* out;    // per-channel arrays of cpad entries
  uint8_t* output;
  size_t out_stride;
};
using DwconvUkernelFn = void (*)(const DwconvArgs& args);

// The geometries whose row runs the kernels specialize (3 wide, stride 1
// or 2, no horizontal dilation: MobileNet's and most networks' depthwise
// layers); the operator splits rows into border pixels and inner runs only
// for these.
inline bool DwconvRowRunSpecialized(size_t kernel_w, size_t stride_w,
                                    size_t dilation_w) {
  return kernel_w == 3 && (stride_w == 1 || stride_w == 2) &&
         dilation_w == 1;
}

struct DwconvKernel {
  const char* name;  // lowbit_q8_dwconv_ukernel_<pixels>x<channels>c__<isa>
  const char* family;  // the LOWBIT_ISA family it serves: scalar or hwy
  int64_t hwy_target;
  DwconvUkernelFn ukernel;
};

// Every compiled Highway target's kernel, best first.
const std::vector<const DwconvKernel*>& DwconvKernels();
bool CpuSupports(const DwconvKernel& kernel);
// The kernel convolutions use next to `gemm`: EMU128 when the GEMM kernel is
// the scalar family (LOWBIT_ISA=scalar), else the best the CPU supports.
const DwconvKernel& DwconvKernelFor(const GemmKernel& gemm);

}  // namespace lowbit

#endif  // LOWBIT_KERNELS_DWCONV_DWCONV_H_
