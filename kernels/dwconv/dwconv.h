// Depthwise convolution microkernels (one output channel per input channel;
// the operator runs a channel multiplier on repeated input channels): what
// they are and the packed form they read.
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
  // c4 kernels only: the same pixels of two output rows at once, the
  // second next_row pixels after the first (offsets and output), when the
  // vertical stride and dilation are 1: the first row's kernel rows 1 and 2
  // are the second's 0 and 1.
  bool row_pair = false;
  size_t next_row = 0;
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

// The c4 form, for the hand-written kernels
// (lowbit_q8_dwconv_ukernel_4x64c4__avx512vnni): 3x3 kernels, horizontal
// stride 1 or 2 without horizontal dilation, int8 weights with zero point
// 0. The three kernel rows of one column of one channel are the bytes of
// one int32 lane, so an unsigned x signed byte quad multiply-add
// (vpdpbusd) does three MACs per lane.
// It covers channels [0, C4), C4 = C rounded down to 32, in blocks of 64
// channels (the last one 32 when C4 is not a multiple of 64), each block 64
// slots, packed as 7 x 64 consecutive int32 so that one pointer and
// constant offsets reach all of it:
//   int32 bias[64]        bias'[ch] - flip * sum_t W[ch][t]
//   int32 w[3][64]        column kx's byte quad (w[0][kx], w[1][kx],
//                         w[2][kx], 0)
//   int32 w1[3][64]       the same one byte up, (0, w[0][kx], w[1][kx],
//                         w[2][kx]): the second of two output rows, whose
//                         four input rows share one quad
// with flip 128 for int8 input (the kernel feeds x ^ 0x80 = x + 128 to the
// unsigned side) and 0 for uint8. Slot k*16 + 4L + i (k, L, i < 4) of a
// 64-block is channel 16L + 4k + i, the order that byte then word unpacks
// within 128-bit lanes produce and that saturating packs undo; a 32-block
// holds channel 16(L % 2) + 4k + i, both halves the same channels, for two
// pixels at once. The output stage's per-channel arrays are in slot order.
constexpr size_t kDwconvC4Block = 64;
constexpr size_t kDwconvC4BlockInts = 7 * kDwconvC4Block;
inline size_t DwconvC4Channels(size_t channels) { return channels / 32 * 32; }
inline size_t DwconvC4Slots(size_t channels) {
  return (DwconvC4Channels(channels) + kDwconvC4Block - 1) / kDwconvC4Block *
         kDwconvC4Block;
}
// The channel of slot `slot` (< DwconvC4Slots(channels)).
inline size_t DwconvC4SlotChannel(size_t channels, size_t slot) {
  const size_t block = slot / kDwconvC4Block * kDwconvC4Block;
  const size_t width = DwconvC4Channels(channels) - block >= kDwconvC4Block
                           ? kDwconvC4Block
                           : 32;
  const size_t s = slot % kDwconvC4Block;
  const size_t k = s / 16, lane128 = (s % 16) / 4, i = s % 4;
  return block + 16 * (lane128 % (width / 16)) + 4 * k + i;
}

struct DwconvKernel {
  const char* name;  // lowbit_q8_dwconv_ukernel_<pixels>x<channels>c__<isa>
  const char* family;  // the LOWBIT_ISA family it serves
  int64_t hwy_target;  // the Highway target whose CPU features it needs
  DwconvUkernelFn ukernel;
  // Non-null for a c4 kernel, which takes channels [0, C4) of every pixel
  // (row runs or not): the channels from C4 and the geometries the c4 form
  // does not cover run on `base`, a kernel of the form above.
  const DwconvKernel* base = nullptr;
};

// Whether a c4 kernel takes this depthwise convolution (see the c4 form).
inline bool DwconvC4Supported(const lowbit_conv2d_params& p) {
  return p.kernel_height == 3 && p.kernel_width == 3 &&
         (p.stride_width == 1 || p.stride_width == 2) &&
         p.dilation_width == 1 && p.weight_type == LOWBIT_DTYPE_INT8 &&
         p.weight_zero_point == 0 && DwconvC4Channels(p.groups) > 0;
}

// The kernel that runs a convolution packed for `kernel`.
inline const DwconvKernel& DwconvKernelUsed(const DwconvKernel& kernel,
                                            const lowbit_conv2d_params& p) {
  return kernel.base != nullptr && !DwconvC4Supported(p) ? *kernel.base
                                                         : kernel;
}

// Every compiled Highway target's kernel, best first.
const std::vector<const DwconvKernel*>& DwconvKernels();
bool CpuSupports(const DwconvKernel& kernel);
// The kernel convolutions use next to `gemm`: EMU128 when the GEMM kernel is
// the scalar family (LOWBIT_ISA=scalar), the best Highway kernel for the hwy
// family, else the best the CPU supports.
const DwconvKernel& DwconvKernelFor(const GemmKernel& gemm);

}  // namespace lowbit

#endif  // LOWBIT_KERNELS_DWCONV_DWCONV_H_
