// The GEMM microkernels of the bare-metal (Cortex-M) build: the same
// self-description and call (kernels/gemm/ukernel.h) as the hosted ones,
// chosen at compile time from the ISA the build targets: Helium (MVE), the
// DSP extension (SIMD32), or plain C. Freestanding: no allocation, no
// threads, no run-time CPU detection.
#ifndef LOWBIT_KERNELS_BARE_MCU_KERNEL_H_
#define LOWBIT_KERNELS_BARE_MCU_KERNEL_H_

#include <cstddef>
#include <cstdint>

#include "kernels/gemm/layout.h"
#include "kernels/gemm/ukernel.h"

namespace lowbit {

// Rows [0, mr) x channels [0, n) of C from the packed weights (layout.h:
// blocks of NR channels, each NR int32 bias values, then the K groups), in
// tiles of MR rows: one call per row tile, every block inside it. Row m's
// k values start at a + m * a_stride elements of the layout's ActFormat:
// prepared rows are padded with zeros to whole K groups (a kernel may
// interleave a tile's rows instead, its prepare says how); rows read in
// place (McuGemmKernel::in_place) are never read past k. row_offset, out,
// c and ldc as for GemmUkernelFn (ukernel.h), n0 = 0.
using McuGemmFn = void (*)(size_t mr, size_t n, size_t k, const void* a,
                           size_t a_stride, const int32_t* row_offset,
                           const uint8_t* packed, const GemmOutput& out,
                           void* c, size_t ldc);

struct McuGemmKernel {
  const char* name;  // lowbit_q8_gemm_ukernel_<MR>x<NR>c<KR>__<isa>
  const char* isa;   // "mve", "armsimd32" (DSP extension), "scalar"
  size_t mr;
  GemmLayout layout;
  McuGemmFn ukernel;
  // Rows of A into the kernel's form (ActFormat; the DSP kernel's own
  // interleaves a tile's rows, see armsimd32), padded to kpad.
  PrepareActivationsFn prepare;
  // Reads INT8 rows where they are, for any K (the kInt8 form; Helium's
  // tail predication): with symmetric weights nothing is prepared, and a
  // run needs no workspace.
  bool in_place = false;
  // The same family reading INT4 weights (a layout with a nibble span,
  // layout.h), which packing takes for them; null on the int4 forms.
  const McuGemmKernel* int4 = nullptr;
};

// GEMM with INT16 activations (lowbit.h: TFLite's 16x8 and int16 x
// int16), rows read in place: rows [0, mr) x channels [0, n) from blocks
// of NR channels, each NR int64 bias values then the weights (the user's
// INT8 or INT16 elements, `weight_bytes` each) as [k / KR][NR][KR], zeros
// past N and K. out: the int16 output stage (multiplier and shift per
// channel, TFLite's int64 requantization), or raw int64 (c int64_t).
struct Gemm16Output {
  bool raw;
  const int32_t* multiplier;
  const int32_t* shift;
  int32_t qmin, qmax;
};
using McuGemm16Fn = void (*)(size_t mr, size_t n, size_t k,
                             const int16_t* a, size_t a_stride,
                             const uint8_t* packed, size_t weight_bytes,
                             const Gemm16Output& out, void* c, size_t ldc);

struct McuGemm16Kernel {
  const char* name;  // lowbit_q16_gemm_ukernel_<MR>x<NR>c<KR>__<isa>
  const char* isa;
  size_t mr, nr, kr;
  McuGemm16Fn ukernel;
  // int8 weights packed per K group of 4 as w0 w2 w1 w3 (SXTB16's pairs
  // (w0, w1), (w2, w3)), KR = 4.
  bool pairs_permuted = false;
};

const McuGemm16Kernel* const* McuGemm16Kernels(size_t* count);
extern const McuGemm16Kernel kQ16Gemm2x2c8Scalar;
#if defined(__ARM_FEATURE_MVE)
extern const McuGemm16Kernel kQ16Gemm2x2c8Mve;
#endif
#if defined(__ARM_FEATURE_DSP)
extern const McuGemm16Kernel kQ16Gemm1x2c4Armsimd32;
#endif

// The depthwise weights' forms, per output channel o, in (ky, kx) order:
//   kInt16:  W - zw as int16, kernel_h * kernel_w per channel;
//   kTaps16: int8 W (symmetric int8 weights), 16 bytes per channel, zeros
//            past the taps (one vector for a gather of the taps);
//   kPairs4: int8 W as int16 pairs per group of 4 channels and tap, words
//            (w0, w2) and (w1, w3) (SXTB16's order), channels padded to
//            a multiple of 4 with zeros (depth multiplier 1).
enum class DwWeights { kInt16, kTaps16, kPairs4 };

// Depthwise convolution (groups = input channels, Cg = 1, depth multiplier
// M = Ng): one output row, from a band of kernel_h padded input rows in the
// kInt8 form (layout.h; padding holds za in that form): band row ky, at
// band + ky * band_stride, is the input row tap ky reads (the height's
// stride and dilation are applied), pixel x of a row at x * in_channels.
struct McuDwArgs {
  const int8_t* band;
  size_t band_stride;
  // NHWC kernels: tap row ky at band_rows[ky] (rows are reused from one
  // output row to the next, so they are not band_stride apart).
  const int8_t* const* band_rows;
  size_t in_channels;
  size_t multiplier;
  size_t kernel_h, kernel_w;
  size_t stride_w, dilation_w;
  size_t out_w;
  // Per output channel o: int32 bias (the za term folded in), then, after
  // all of them, the weights in the kernel's form (DwWeights).
  const uint8_t* packed;
  DwWeights weights;
  // Per channel {multiplier, 2^(e-1) + zo * 2^e, e} of the fixed-point mode
  // when every channel shifts right (e = -shift >= 1), no accumulator can
  // reach 2^30 and 2^(e-1) + |zo| 2^e stays below 2^30 (checked when
  // packing), else null: then DoublingHighMul is SMMULR(2 acc, multiplier)
  // and RoundingDivideByPot plus the zero point is
  // (y + 2^(e-1) + zo 2^e - (y < 0)) >> e, exact without overflow.
  const int32_t* fast;

  const GemmOutput* out;
  void* c;                // output pixel 0 of the row
  size_t c_pixel_stride;  // elements
  // kTaps16 with depth multiplier 1, stride_w 1, dilation_w 1 and
  // kernel_h * (kernel_w + 1) <= 16: per channel the weights of a pixel
  // pair's window (kernel_h rows of kernel_w + 1), the left pixel's in
  // columns 0..kernel_w-1, then the right one's in 1..kernel_w (16 int8
  // each); else null.
  const int8_t* pair_weights;
  // The fixed-point mode with every channel's shift below 0.
  bool right_shifts;
  // Planar kernels (McuDwKernel::planar_rows > 0) compute `rows` output
  // rows from a band of planes, one per input channel at band + c *
  // plane_stride, each holding the padded input rows the output rows read
  // (row r of the plane is padded input row first + r, first = the first
  // output row's top tap), padded_w bytes per row; output row r at c +
  // r * c_row_stride elements.
  size_t rows;
  size_t plane_stride, padded_w;
  size_t stride_h, dilation_h;
  size_t c_row_stride;
};
using McuDwFn = void (*)(const McuDwArgs& args);

struct McuDwKernel {
  const char* name;  // lowbit_q8_dwconv_ukernel__<isa>
  const char* isa;
  McuDwFn run;
  // 0: NHWC bands of kernel_h rows, one output row per call. Otherwise
  // planar bands (above) of up to this many output rows, for the
  // geometries `supports` accepts (the others run the plain-C kernel).
  size_t planar_rows = 0;
  bool (*supports)(const lowbit_conv2d_params& p, size_t padded_w) = nullptr;
  // The weights' form the kernel reads (the plain-C kernel reads them all).
  DwWeights weights = DwWeights::kInt16;
  // Non-planar kernels: the convolutions it runs (the others run the
  // plain-C kernel); null: all.
  bool (*accepts)(const lowbit_conv2d_params& p) = nullptr;
};

// The kernels this build has, best first; the last is plain C.
const McuGemmKernel* const* McuGemmKernels(size_t* count);

const McuDwKernel* const* McuDwKernels(size_t* count);

// The int4 forms, for the int4 sweep.
const McuGemmKernel* const* McuInt4GemmKernels(size_t* count);

extern const McuGemmKernel kQ8Gemm2x2c4Scalar;
extern const McuGemmKernel kQ8Qc4wGemm2x2c4Scalar;
extern const McuDwKernel kQ8DwconvScalar;
#if defined(__ARM_FEATURE_MVE)
extern const McuDwKernel kQ8DwconvMve;
#endif
#if defined(__ARM_FEATURE_DSP)
extern const McuDwKernel kQ8DwconvArmsimd32;
#endif
#if defined(__ARM_FEATURE_DSP)
extern const McuGemmKernel kQ8Gemm4x1c4Armsimd32;
#endif
#if defined(__ARM_FEATURE_MVE)
extern const McuGemmKernel kQ8Gemm2x4c16Mve;
extern const McuGemmKernel kQ8Qc4wGemm2x4c16Mve;
#endif

}  // namespace lowbit

#endif  // LOWBIT_KERNELS_BARE_MCU_KERNEL_H_
