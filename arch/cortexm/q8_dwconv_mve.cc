// lowbit_q8_dwconv_ukernel__mve: depthwise convolution in Helium. The band
// holds each input channel as a plane of padded rows (McuDwArgs), so one
// output's taps (up to 16, within 255 bytes of its first) come in with one
// byte gather, and VMLADAVA sums them against the channel's weights (16
// int8 lanes, zeros past the taps): 2 instructions per output pixel and
// channel, plus the pointer step. Four pixels of a channel form a vector,
// requantized in requant_mve-inl.h's fixed-point primitives (other modes
// per element) and scattered into the NHWC output.
// Compiled only where the build targets Helium (mcu_kernel.h).
#if defined(__ARM_FEATURE_MVE)

#include <arm_mve.h>

#include <cstddef>
#include <cstring>

#include "kernels/bare/mcu_kernel.h"
#include "kernels/bare/requant_mve-inl.h"
#include "kernels/bare/store-inl.h"

namespace lowbit {
namespace {

constexpr size_t kMaxTaps = 16;

bool Supports(const lowbit_conv2d_params& p, size_t padded_w) {
  const size_t reach = (p.kernel_height - 1) * p.dilation_height * padded_w +
                       (p.kernel_width - 1) * p.dilation_width;
  return p.kernel_height * p.kernel_width <= kMaxTaps && reach <= 255 &&
         p.weight_type == LOWBIT_DTYPE_INT8;
}

// Four pixels' sums (no bias) of one channel, pixel i's taps at
// in + i * step.
inline int32x4_t Sums4(const int8_t* in, size_t step, uint8x16_t taps,
                       int8x16_t w) {
  const int32_t s0 = vmladavq_s8(vldrbq_gather_offset_s8(in, taps), w);
  const int32_t s1 = vmladavq_s8(vldrbq_gather_offset_s8(in + step, taps), w);
  const int32_t s2 =
      vmladavq_s8(vldrbq_gather_offset_s8(in + 2 * step, taps), w);
  const int32_t s3 =
      vmladavq_s8(vldrbq_gather_offset_s8(in + 3 * step, taps), w);
  int32x4_t v = vdupq_n_s32(s0);
  v = vsetq_lane_s32(s1, v, 1);
  v = vsetq_lane_s32(s2, v, 2);
  return vsetq_lane_s32(s3, v, 3);
}

// The fixed-point mode's whole groups of 4 pixels of one channel and row,
// for shifts below 0 (q8_dwconv_mve_groups4.S).
struct alignas(16) Groups4Args {
  const int8_t* in;
  int8_t* c;
  size_t groups, step, c_step4;
  int32_t bias, multiplier, zero_point;
  int32_t shift_scalar;  // pairs4
  size_t rows, in_row_step, c_row_step;
  uint8_t taps[16];
  int8_t w[16];
  int32_t qmin[4], qmax[4];
  uint32_t pixel_offsets[4];
  int32_t shift[4];
  int8_t w_right[16];  // pairs: the right pixel's weights
};
static_assert(offsetof(Groups4Args, zero_point) == 28 &&
                  offsetof(Groups4Args, shift_scalar) == 32 &&
                  offsetof(Groups4Args, c_row_step) == 44 &&
                  offsetof(Groups4Args, taps) == 48 &&
                  offsetof(Groups4Args, shift) == 128 &&
                  offsetof(Groups4Args, w_right) == 144,
              "the assembly's offsets");

extern "C" void lowbit_mve_q8_dwconv_groups4(Groups4Args* args);

// Every channel and row at once (q8_dwconv_mve_groups4.S).
struct alignas(16) ChannelsArgs {
  const int8_t* plane;
  size_t plane_stride, channels, rows, in_row_step;
  int8_t* c;
  size_t c_row_step, c_step4, groups;
  const int8_t* pair_weights;
  const int32_t* bias;
  const int32_t* multiplier;
  const int32_t* shift;
  int32_t zero_point;
  size_t step;
  uint32_t unused;
  uint8_t taps[16];
  int32_t qmin[4], qmax[4];
  uint32_t pixel_offsets[4];
};
static_assert(offsetof(ChannelsArgs, zero_point) == 52 &&
                  offsetof(ChannelsArgs, taps) == 64 &&
                  offsetof(ChannelsArgs, pixel_offsets) == 112,
              "the assembly's offsets");
extern "C" void lowbit_mve_q8_dwconv_pairs_channels(ChannelsArgs* args);
extern "C" void lowbit_mve_q8_dwconv_pairs4(Groups4Args* args);

// Whether a pixel pair's taps fit one gather: stride 1, no horizontal
// dilation, kernel_h rows of kernel_w + 1 taps within 16 lanes.
bool Paired(const McuDwArgs& d) {
  return d.stride_w == 1 && d.dilation_w == 1 &&
         d.kernel_h * (d.kernel_w + 1) <= kMaxTaps &&
         (d.kernel_h - 1) * d.dilation_h * d.padded_w + d.kernel_w <= 255;
}

template <bool kFixedpoint>
void Channels(const McuDwArgs& d, uint8x16_t taps, size_t first_x);

// The common case in one call: fixed point with right shifts, depth
// multiplier 1, pixel pairs; then the row ends (out_w % 4) in C.
bool AllChannels(const McuDwArgs& d, uint8x16_t taps) {
  if (!(d.right_shifts && d.pair_weights != nullptr && d.multiplier == 1 &&
        Paired(d) && d.out_w >= 4)) {
    return false;
  }
  const GemmOutput& out = *d.out;
  ChannelsArgs a;
  a.plane = d.band;
  a.plane_stride = d.plane_stride;
  a.channels = d.in_channels;
  a.rows = d.rows;
  a.in_row_step = d.stride_h * d.padded_w;
  a.c = static_cast<int8_t*>(d.c);
  a.c_row_step = d.c_row_stride;
  a.c_step4 = 4 * d.c_pixel_stride;
  a.groups = d.out_w / 4;
  a.pair_weights = d.pair_weights;
  a.bias = reinterpret_cast<const int32_t*>(d.packed);
  a.multiplier = out.multiplier;
  a.shift = out.shift;
  a.zero_point = out.zero_point;
  a.step = 2;
  const size_t cols = d.kernel_w + 1;
  for (size_t t = 0; t < 16; ++t) a.taps[t] = 0;
  for (size_t ky = 0; ky < d.kernel_h; ++ky) {
    for (size_t kx = 0; kx < cols; ++kx) {
      a.taps[ky * cols + kx] =
          static_cast<uint8_t>(ky * d.dilation_h * d.padded_w + kx);
    }
  }
  vst1q_s32(a.qmin, vdupq_n_s32(out.qmin));
  vst1q_s32(a.qmax, vdupq_n_s32(out.qmax));
  vst1q_u32(a.pixel_offsets,
            vmulq_n_u32(vidupq_n_u32(0, 1),
                        static_cast<uint32_t>(d.c_pixel_stride)));
  lowbit_mve_q8_dwconv_pairs_channels(&a);
  if (d.out_w % 4 != 0) Channels<true>(d, taps, d.out_w / 4 * 4);
  return true;
}

template <bool kFixedpoint>
void Channels(const McuDwArgs& d, uint8x16_t taps, size_t first_x) {
  const size_t channels = d.in_channels * d.multiplier;
  const int32_t* bias = reinterpret_cast<const int32_t*>(d.packed);
  const int8_t* weights =
      reinterpret_cast<const int8_t*>(d.packed + channels * sizeof(int32_t));
  const GemmOutput& out = *d.out;
  const uint32x4_t pixel_offsets = vmulq_n_u32(
      vidupq_n_u32(0, 1), static_cast<uint32_t>(d.c_pixel_stride));
  const size_t step = d.stride_w;
  const size_t whole = d.out_w / 4 * 4;
  for (size_t o = 0; o < channels; ++o) {
    const int8_t* plane = d.band + (o / d.multiplier) * d.plane_stride;
    const int8x16_t w = vld1q_s8(weights + o * kMaxTaps);
    const int32_t b = bias[o];
    bare::FixedpointLanes lanes{};
    if (kFixedpoint) {
      const int32_t shift = out.shift[o];
      lanes.multiplier = vdupq_n_s32(out.multiplier[o]);
      lanes.left = vdupq_n_s32(shift > 0 ? shift : 0);
      lanes.right = vdupq_n_s32(shift < 0 ? shift : 0);
    }
    auto store = [&](int32x4_t acc, int8_t* c, size_t n) {
      if (kFixedpoint) {
        const int32x4_t q = bare::RequantizeFixedpoint(
            acc, lanes, out.zero_point, out.qmin, out.qmax);
        vstrbq_scatter_offset_p_s32(c, pixel_offsets, q,
                                    vctp32q(static_cast<uint32_t>(n)));
      } else {
        int32_t v[4];
        vst1q_s32(v, acc);
        for (size_t i = 0; i < n; ++i) {
          bare::StoreOutput(out, o, v[i], c, i * d.c_pixel_stride);
        }
      }
    };
    const bool fast = kFixedpoint && out.shift[o] < 0 && first_x == 0;
    Groups4Args args;
    const bool paired = fast && Paired(d);
    if (paired) {
      // The pair window: kernel_h rows of kernel_w + 1 columns; the left
      // pixel's weights in columns 0..kw-1, the right one's in 1..kw.
      const size_t cols = d.kernel_w + 1;
      std::memset(args.taps, 0, sizeof(args.taps));
      std::memset(args.w, 0, sizeof(args.w));
      std::memset(args.w_right, 0, sizeof(args.w_right));
      const int8_t* wo = weights + o * kMaxTaps;
      for (size_t ky = 0; ky < d.kernel_h; ++ky) {
        for (size_t kx = 0; kx < cols; ++kx) {
          args.taps[ky * cols + kx] =
              static_cast<uint8_t>(ky * d.dilation_h * d.padded_w + kx);
        }
        for (size_t kx = 0; kx < d.kernel_w; ++kx) {
          args.w[ky * cols + kx] = wo[ky * d.kernel_w + kx];
          args.w_right[ky * cols + kx + 1] = wo[ky * d.kernel_w + kx];
        }
      }
    }
    if (fast) {
      args.groups = whole / 4;
      args.step = step;
      args.c_step4 = 4 * d.c_pixel_stride;
      args.bias = b;
      args.multiplier = out.multiplier[o];
      args.zero_point = out.zero_point;
      if (!paired) {
        vst1q_u8(args.taps, taps);
        vst1q_s8(args.w, w);
      }
      args.shift_scalar = out.shift[o];
      if (paired) args.step = 2 * step;
      vst1q_s32(args.qmin, vdupq_n_s32(out.qmin));
      vst1q_s32(args.qmax, vdupq_n_s32(out.qmax));
      vst1q_u32(args.pixel_offsets, pixel_offsets);
      vst1q_s32(args.shift, vdupq_n_s32(out.shift[o]));
    }
    if (fast) {  // every row's whole groups in one call
      args.in = plane;
      args.c = static_cast<int8_t*>(d.c) + o;
      args.rows = d.rows;
      args.in_row_step = d.stride_h * d.padded_w;
      args.c_row_step = d.c_row_stride;
      if (paired) {
        lowbit_mve_q8_dwconv_pairs4(&args);
      } else {
        lowbit_mve_q8_dwconv_groups4(&args);
      }
    }
    for (size_t r = 0; r < d.rows; ++r) {
      const int8_t* in = plane + r * d.stride_h * d.padded_w;
      int8_t* c = static_cast<int8_t*>(d.c) + r * d.c_row_stride + o;
      size_t x = fast ? whole : first_x;
      in += x * step;
      c += x * d.c_pixel_stride;
      for (; x < whole; x += 4) {
        store(vaddq_n_s32(Sums4(in, step, taps, w), b), c, 4);
        in += 4 * step;
        c += 4 * d.c_pixel_stride;
      }
      if (whole < d.out_w) {
        store(vaddq_n_s32(Sums4(in, step, taps, w), b), c, d.out_w - whole);
      }
    }
  }
}

void Run(const McuDwArgs& d) {
  // Tap t's byte offset from the output pixel's first tap.
  uint8_t offsets[kMaxTaps] = {0};
  for (size_t ky = 0, t = 0; ky < d.kernel_h; ++ky) {
    for (size_t kx = 0; kx < d.kernel_w; ++kx, ++t) {
      offsets[t] = static_cast<uint8_t>(ky * d.dilation_h * d.padded_w +
                                        kx * d.dilation_w);
    }
  }
  const uint8x16_t taps = vld1q_u8(offsets);
  if (d.out->requant == LOWBIT_REQUANT_FIXEDPOINT) {
    if (!AllChannels(d, taps)) Channels<true>(d, taps, 0);
  } else {
    Channels<false>(d, taps, 0);
  }
}

}  // namespace

const McuDwKernel kQ8DwconvMve = {"lowbit_q8_dwconv_ukernel__mve", "mve",
                                  Run, /*planar_rows=*/16, Supports,
                                  DwWeights::kTaps16};

}  // namespace lowbit

#endif  // __ARM_FEATURE_MVE
