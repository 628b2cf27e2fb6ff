// lowbit_q8_dwconv_ukernel__scalar: depthwise convolution in plain C, for
// every Cortex-M: per output pixel and channel, the taps' products with
// 32-bit multiply-accumulates.
#include <cstring>

#include "kernels/bare/mcu_kernel.h"
#include "kernels/bare/store-inl.h"

namespace lowbit {
namespace {

void Run(const McuDwArgs& d) {
  const size_t channels = d.in_channels * d.multiplier;
  const size_t taps = d.kernel_h * d.kernel_w;
  const int32_t* bias = reinterpret_cast<const int32_t*>(d.packed);
  const uint8_t* weights = d.packed + channels * sizeof(int32_t);
  for (size_t x = 0; x < d.out_w; ++x) {
    const size_t pixel = x * d.stride_w * d.in_channels;
    for (size_t o = 0; o < channels; ++o) {
      const size_t in = pixel + o / d.multiplier;
      int32_t acc = bias[o];
      size_t t = 0;
      for (size_t ky = 0; ky < d.kernel_h; ++ky) {
        const int8_t* row = d.band_rows[ky] + in;
        for (size_t kx = 0; kx < d.kernel_w; ++kx, ++t) {
          int32_t w;
          if (d.weights == DwWeights::kTaps16) {
            w = reinterpret_cast<const int8_t*>(weights)[o * 16 + t];
          } else if (d.weights == DwWeights::kPairs4) {
            // Group o / 4, tap t: words (w0, w2), (w1, w3).
            const int16_t* pairs = reinterpret_cast<const int16_t*>(weights) +
                                   ((o / 4) * taps + t) * 4;
            w = pairs[(o % 2) * 2 + (o % 4) / 2];
          } else {
            w = reinterpret_cast<const int16_t*>(weights)[o * taps + t];
          }
          acc += int32_t{row[kx * d.dilation_w * d.in_channels]} * w;
        }
      }
      bare::StoreOutput(*d.out, o, acc, d.c, x * d.c_pixel_stride + o);
    }
  }
}

}  // namespace

const McuDwKernel kQ8DwconvScalar = {"lowbit_q8_dwconv_ukernel__scalar",
                                     "scalar", Run};

}  // namespace lowbit
