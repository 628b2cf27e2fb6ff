// lowbit_q8_dwconv_ukernel__armsimd32: depthwise convolution on the DSP
// extension (Cortex-M4, M7), depth multiplier 1. Four adjacent channels
// are one word of the NHWC band: SXTB16 makes the pairs (c0, c2) and
// (c1, c3), and SMLABB / SMLATT multiply them by the packed int16 weight
// pairs (DwWeights::kPairs4) into four accumulators: per tap and 4
// channels, 1 load of inputs, 2 SXTB16, 1 LDRD of weights, 4 multiplies.
// With McuDwArgs::fast, the fixed-point requantization is SMMULR on 2 acc
// and a rounding shift (mcu_kernel.h), exact where packing allowed it.
// Compiled only where the build targets the DSP extension (mcu_kernel.h).
#if defined(__ARM_FEATURE_DSP)

#include <arm_acle.h>

#include <cstddef>
#include <cstring>

#include "kernels/bare/mcu_kernel.h"
#include "kernels/bare/store-inl.h"

namespace lowbit {
namespace {

inline uint32_t Load32(const void* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

bool Accepts(const lowbit_conv2d_params& p) {
  return p.group_output_channels == 1 && p.weight_type == LOWBIT_DTYPE_INT8;
}

// (a * b + 2^31) >> 32 (GCC 12's arm_acle.h has no __smmulr).
inline int32_t Smmulr(int32_t a, int32_t b) {
  int32_t r;
  __asm__("smmulr %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
  return r;
}

// The fixed-point mode on the fast path (mcu_kernel.h, McuDwArgs::fast).
inline int32_t Fast(int32_t acc, const int32_t* f, int32_t qmin,
                    int32_t qmax) {
  const int32_t y = Smmulr(acc * 2, f[0]);
  int32_t q = (y + f[1] - static_cast<int32_t>(static_cast<uint32_t>(y) >> 31)) >>
              f[2];
  q = q < qmin ? qmin : q;
  return q > qmax ? qmax : q;
}

// SXTB16 of v rotated by 8: (c1, c3) (GCC 12 does not fold the rotation).
inline int32_t Sxtb16Ror8(uint32_t v) {
  int32_t r;
  __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(v));
  return r;
}

// One tap of 4 channels: inputs at in, the weight pairs at w.
inline void Tap(const int8_t* in, const uint32_t* w, int32_t& acc0,
                int32_t& acc1, int32_t& acc2, int32_t& acc3) {
  const uint32_t v = Load32(in);
  const int32_t x02 = static_cast<int32_t>(__sxtb16(v));
  const int32_t x13 = Sxtb16Ror8(v);
  const int32_t w02 = static_cast<int32_t>(w[0]);
  const int32_t w13 = static_cast<int32_t>(w[1]);
  acc0 = __smlabb(x02, w02, acc0);
  acc2 = __smlatt(x02, w02, acc2);
  acc1 = __smlabb(x13, w13, acc1);
  acc3 = __smlatt(x13, w13, acc3);
}

// kKh x kKw taps unrolled (0: the run's own sizes, looped).
template <size_t kKh, size_t kKw>
void RunTaps(const McuDwArgs& d) {
  const size_t channels = d.in_channels;
  const size_t kh = kKh != 0 ? kKh : d.kernel_h;
  const size_t kw = kKw != 0 ? kKw : d.kernel_w;
  const size_t groups = (channels + 3) / 4;
  const int32_t* bias = reinterpret_cast<const int32_t*>(d.packed);
  const uint32_t* weights =
      reinterpret_cast<const uint32_t*>(d.packed + channels * sizeof(int32_t));
  const GemmOutput& out = *d.out;
  const size_t tap_step = d.dilation_w * channels;
  int8_t* const c0 = static_cast<int8_t*>(d.c);
  const int8_t* rows[16];
  const size_t kh_rows = kh < 16 ? kh : 16;
  for (size_t ky = 0; ky < kh_rows; ++ky) rows[ky] = d.band_rows[ky];
  for (size_t x = 0; x < d.out_w; ++x) {
    const size_t pixel = x * d.stride_w * channels;
    int8_t* c = c0 + x * d.c_pixel_stride;
    const uint32_t* w = weights;
    for (size_t g = 0; g < groups; ++g) {
      const size_t o = 4 * g;
      int32_t acc0 = bias[o], acc1 = 0, acc2 = 0, acc3 = 0;
      if (o + 3 < channels) {
        acc1 = bias[o + 1], acc2 = bias[o + 2], acc3 = bias[o + 3];
      } else {
        if (o + 1 < channels) acc1 = bias[o + 1];
        if (o + 2 < channels) acc2 = bias[o + 2];
      }
      for (size_t ky = 0; ky < kh; ++ky) {
        const int8_t* in =
            (kKh != 0 ? rows[ky] : d.band_rows[ky]) + pixel + o;
        for (size_t kx = 0; kx < kw; ++kx, in += tap_step, w += 2) {
          Tap(in, w, acc0, acc1, acc2, acc3);
        }
      }
      const int32_t acc[4] = {acc0, acc1, acc2, acc3};
      const size_t n = channels - o < 4 ? channels - o : 4;
      if (d.fast != nullptr) {
        const int32_t* f = d.fast + 3 * o;
        for (size_t j = 0; j < n; ++j, f += 3) {
          c[o + j] = static_cast<int8_t>(
              Fast(acc[j], f, out.qmin, out.qmax));
        }
      } else {
        for (size_t j = 0; j < n; ++j) {
          bare::StoreOutput(out, o + j, acc[j], c, o + j);
        }
      }
    }
  }
}

// The assembly's arguments (q8_dwconv3x3_armsimd32.S).
struct Dw3x3Args {
  const int8_t* rows[3];
  size_t tap_step, pixel_step;
  const uint32_t* weights;
  const int32_t* bias;
  size_t groups, pixels;
  int8_t* out;
  const int32_t* fast;
  uint32_t qmin2, qmax2;
  size_t pixel_skip;
};
static_assert(offsetof(Dw3x3Args, out) == 36 &&
                  offsetof(Dw3x3Args, pixel_skip) == 52,
              "the assembly's offsets");

extern "C" void lowbit_dsp_q8_dwconv3x3_row(Dw3x3Args* args);

// 3x3, channels a multiple of 4, the fast fixed-point path: the row's sums
// in assembly, then their requantization.
void Run3x3Fast(const McuDwArgs& d) {
  const size_t channels = d.in_channels;
  Dw3x3Args args;
  for (size_t ky = 0; ky < 3; ++ky) args.rows[ky] = d.band_rows[ky];
  args.tap_step = d.dilation_w * channels;
  args.pixel_step = d.stride_w * channels;
  args.bias = reinterpret_cast<const int32_t*>(d.packed);
  args.weights =
      reinterpret_cast<const uint32_t*>(d.packed + channels * sizeof(int32_t));
  args.groups = channels / 4;
  args.pixels = d.out_w;
  args.out = static_cast<int8_t*>(d.c);
  args.fast = d.fast;
  args.qmin2 = (static_cast<uint32_t>(d.out->qmin) & 0xFFFF) * 0x10001u;
  args.qmax2 = (static_cast<uint32_t>(d.out->qmax) & 0xFFFF) * 0x10001u;
  args.pixel_skip = d.c_pixel_stride - channels;
  lowbit_dsp_q8_dwconv3x3_row(&args);
}

void Run(const McuDwArgs& d) {
  if (d.kernel_h == 3 && d.kernel_w == 3) {
    if (d.fast != nullptr && d.in_channels % 4 == 0) {
      Run3x3Fast(d);
    } else {
      RunTaps<3, 3>(d);
    }
  } else {
    RunTaps<0, 0>(d);
  }
}

}  // namespace

const McuDwKernel kQ8DwconvArmsimd32 = {
    "lowbit_q8_dwconv_ukernel__armsimd32", "armsimd32", Run,
    /*planar_rows=*/0, nullptr, DwWeights::kPairs4, Accepts};

}  // namespace lowbit

#endif  // __ARM_FEATURE_DSP
