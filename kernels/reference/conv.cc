#include "kernels/reference/conv.h"

#if !defined(LOWBIT_BARE_METAL)
#include <vector>
#endif

#include "kernels/reference/gemm.h"
#include "kernels/reference/gemm16.h"
#include "kernels/reference/requant.h"

namespace lowbit {
namespace ref {

size_t ConvOutputSize(size_t in, size_t kernel, size_t stride,
                      size_t dilation, size_t pad_begin, size_t pad_end) {
  const size_t padded = in + pad_begin + pad_end;
  const size_t reach = dilation * (kernel - 1) + 1;
  return padded < reach ? 0 : (padded - reach) / stride + 1;
}

namespace {

template <typename Acc>
void Accumulate(const lowbit_conv2d_params& p, size_t batch, size_t in_h,
                size_t in_w, const void* input, size_t in_stride, Acc* out,
                size_t out_stride) {
  const size_t out_h =
      ConvOutputSize(in_h, p.kernel_height, p.stride_height,
                     p.dilation_height, p.padding_top, p.padding_bottom);
  const size_t out_w =
      ConvOutputSize(in_w, p.kernel_width, p.stride_width, p.dilation_width,
                     p.padding_left, p.padding_right);
  const size_t cg = p.group_input_channels;
  const size_t ng = p.group_output_channels;
  for (size_t b = 0; b < batch; ++b) {
    for (size_t oy = 0; oy < out_h; ++oy) {
      for (size_t ox = 0; ox < out_w; ++ox) {
        const size_t pixel = (b * out_h + oy) * out_w + ox;
        for (size_t g = 0; g < p.groups; ++g) {
          for (size_t o = 0; o < ng; ++o) {
            const size_t co = g * ng + o;
            int64_t acc = p.bias64 != nullptr ? p.bias64[co]
                          : p.bias != nullptr ? p.bias[co]
                                              : 0;
            for (size_t ky = 0; ky < p.kernel_height; ++ky) {
              // Signed: a padded tap lies before the first row.
              const int64_t iy = int64_t(oy * p.stride_height) -
                                 int64_t(p.padding_top) +
                                 int64_t(ky * p.dilation_height);
              if (iy < 0 || iy >= int64_t(in_h)) continue;
              for (size_t kx = 0; kx < p.kernel_width; ++kx) {
                const int64_t ix = int64_t(ox * p.stride_width) -
                                   int64_t(p.padding_left) +
                                   int64_t(kx * p.dilation_width);
                if (ix < 0 || ix >= int64_t(in_w)) continue;
                const size_t in_pixel = (b * in_h + size_t(iy)) * in_w +
                                        size_t(ix);
                for (size_t c = 0; c < cg; ++c) {
                  const int64_t x =
                      Element(p.input_type, input,
                              in_pixel * in_stride + g * cg + c) -
                      p.input_zero_point;
                  const size_t wi =
                      ((co * p.kernel_height + ky) * p.kernel_width + kx) *
                          cg +
                      c;
                  const int64_t w = Element(p.weight_type, p.weights, wi) -
                                    p.weight_zero_point;
                  acc += x * w;
                }
              }
            }
            out[pixel * out_stride + co] = static_cast<Acc>(acc);
          }
        }
      }
    }
  }
}

}  // namespace

// The convolution's output stage as a GEMM's over its `channels`.
lowbit_gemm_params RequantView(const lowbit_conv2d_params& p,
                               size_t channels) {
  lowbit_gemm_params q{};
  q.n = channels;
  q.output_type = p.output_type;
  q.requant = p.requant;
  q.input_scale = p.input_scale;
  q.weight_scales = p.weight_scales;
  q.weight_scale_count = p.weight_scale_count;
  q.output_scale = p.output_scale;
  q.output_zero_point = p.output_zero_point;
  q.output_min = p.output_min;
  q.output_max = p.output_max;
  q.requant_multipliers = p.requant_multipliers;
  q.requant_shifts = p.requant_shifts;
  q.requant_multiplier_count = p.requant_multiplier_count;
  return q;
}

size_t Pixels(const lowbit_conv2d_params& p, size_t batch, size_t in_h,
              size_t in_w) {
  return batch *
         ConvOutputSize(in_h, p.kernel_height, p.stride_height,
                        p.dilation_height, p.padding_top, p.padding_bottom) *
         ConvOutputSize(in_w, p.kernel_width, p.stride_width,
                        p.dilation_width, p.padding_left, p.padding_right);
}

void Conv2dAccumulators(const lowbit_conv2d_params& p, size_t batch,
                        size_t in_h, size_t in_w, const void* input,
                        size_t in_stride, int32_t* out, size_t out_stride) {
  Accumulate(p, batch, in_h, in_w, input, in_stride, out, out_stride);
}

void Conv2d16Accumulators(const lowbit_conv2d_params& p, size_t batch,
                          size_t in_h, size_t in_w, const int16_t* input,
                          size_t in_stride, int64_t* out, size_t out_stride) {
  Accumulate(p, batch, in_h, in_w, input, in_stride, out, out_stride);
}

// The allocating conveniences: hosted builds only (the bare-metal tests
// requantize the accumulators above themselves).
#if !defined(LOWBIT_BARE_METAL)
void Conv2d16(const lowbit_conv2d_params& p, size_t batch, size_t in_h,
              size_t in_w, const int16_t* input, size_t in_stride,
              int16_t* output, size_t out_stride) {
  const size_t channels = p.groups * p.group_output_channels;
  const size_t pixels = Pixels(p, batch, in_h, in_w);
  std::vector<int64_t> acc(pixels * channels);
  Conv2d16Accumulators(p, batch, in_h, in_w, input, in_stride, acc.data(),
                       channels);
  // Requantization is per output channel, exactly as for GEMM.
  Requantize16(RequantView(p, channels), pixels, acc.data(), channels, output,
               out_stride);
}

void Conv2d(const lowbit_conv2d_params& p, size_t batch, size_t in_h,
            size_t in_w, const void* input, size_t in_stride, void* output,
            size_t out_stride) {
  const size_t channels = p.groups * p.group_output_channels;
  const size_t pixels = Pixels(p, batch, in_h, in_w);
  std::vector<int32_t> acc(pixels * channels);
  Conv2dAccumulators(p, batch, in_h, in_w, input, in_stride, acc.data(),
                     channels);
  // Requantization is per output channel, exactly as for GEMM.
  Requantize(RequantView(p, channels), pixels, acc.data(), channels, output,
             out_stride);
}

#endif  // !LOWBIT_BARE_METAL

}  // namespace ref
}  // namespace lowbit
