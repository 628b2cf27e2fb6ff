#include "float_net.h"

#include <cmath>

#include "lowbit/lowbit.hpp"

namespace tiny_cnn {

uint64_t Random::Next() {  // splitmix64
  uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

float Random::Uniform(float lo, float hi) {
  // 24 random bits: an exact float in [0, 1).
  const float u = static_cast<float>(Next() >> 40) * (1.0f / 16777216.0f);
  return lo + (hi - lo) * u;
}

namespace {

Conv MakeConv(const char* name, size_t kernel, size_t stride, size_t groups,
              size_t in, size_t out, size_t in_h, Random* rng) {
  Conv c{name, kernel, stride, groups, in, out, 0,  0, 0,
         0,    in_h,   in_h,   0,      0,  {},  {}, {}};
  lowbit::Check(lowbit_conv2d_padding(in_h, kernel, stride, 1, 1, &c.pad_top,
                                      &c.pad_bottom));
  c.pad_left = c.pad_top;
  c.pad_right = c.pad_bottom;
  c.out_h = c.out_w = (in_h + stride - 1) / stride;
  // He uniform: variance 2 / fan_in.
  const float limit = std::sqrt(6.0f / static_cast<float>(c.taps()));
  c.weights.resize(out * c.taps());
  for (float& w : c.weights) w = rng->Uniform(-limit, limit);
  c.bias.resize(out);
  for (float& b : c.bias) b = rng->Uniform(-0.1f, 0.1f);
  c.Transpose();
  return c;
}

}  // namespace

void Conv::Transpose() {
  const size_t cg = in / groups;
  hwio.resize(weights.size());
  for (size_t co = 0; co < out; ++co) {
    for (size_t t = 0; t < kernel * kernel; ++t) {
      for (size_t i = 0; i < cg; ++i) {
        hwio[(t * cg + i) * out + co] =
            weights[(co * kernel * kernel + t) * cg + i];
      }
    }
  }
}

// Output channels innermost (the compiler vectorizes that loop); each
// output still sums its taps in the order (ky, kx, input channel).
void ConvForward(const Conv& c, const float* in, float* out, bool relu) {
  const size_t cg = c.in / c.groups;
  const bool depthwise = c.groups > 1;  // groups == in == out here
  for (size_t oy = 0; oy < c.out_h; ++oy) {
    for (size_t ox = 0; ox < c.out_w; ++ox) {
      float* o = out + (oy * c.out_w + ox) * c.out;
      for (size_t co = 0; co < c.out; ++co) o[co] = c.bias[co];
      for (size_t ky = 0; ky < c.kernel; ++ky) {
        const long iy = static_cast<long>(oy * c.stride + ky) -
                        static_cast<long>(c.pad_top);
        if (iy < 0 || iy >= static_cast<long>(c.in_h)) continue;
        for (size_t kx = 0; kx < c.kernel; ++kx) {
          const long ix = static_cast<long>(ox * c.stride + kx) -
                          static_cast<long>(c.pad_left);
          if (ix < 0 || ix >= static_cast<long>(c.in_w)) continue;
          const float* x = in + (iy * c.in_w + ix) * c.in;
          const float* w = c.hwio.data() + (ky * c.kernel + kx) * cg * c.out;
          if (depthwise) {
            for (size_t co = 0; co < c.out; ++co) o[co] += x[co] * w[co];
            continue;
          }
          for (size_t i = 0; i < cg; ++i, w += c.out) {
            const float xi = x[i];
            for (size_t co = 0; co < c.out; ++co) o[co] += xi * w[co];
          }
        }
      }
      if (relu) {
        for (size_t co = 0; co < c.out; ++co) o[co] = o[co] > 0 ? o[co] : 0;
      }
    }
  }
}

Net MakeNet(uint64_t seed, const std::vector<std::vector<float>>& calibration) {
  Random rng(seed);
  Net net;
  net.convs.push_back(MakeConv("conv1 3x3", 3, 1, 1, kChannels, 16, 32, &rng));
  net.convs.push_back(MakeConv("conv2 3x3 s2", 3, 2, 1, 16, 32, 32, &rng));
  net.convs.push_back(MakeConv("dw3 3x3", 3, 1, 32, 32, 32, 16, &rng));
  net.convs.push_back(MakeConv("pw3 1x1", 1, 1, 1, 32, 64, 16, &rng));
  net.convs.push_back(MakeConv("conv4 3x3 s2", 3, 2, 1, 64, 64, 16, &rng));
  // Batch norm, layer by layer: its statistics are those of the conv's
  // output given the folded layers before it.
  std::vector<std::vector<float>> acts = calibration;
  for (Conv& c : net.convs) {
    const size_t pixels = c.out_h * c.out_w;
    std::vector<double> sum(c.out, 0.0), sq(c.out, 0.0);
    std::vector<std::vector<float>> raw(acts.size());
    for (size_t i = 0; i < acts.size(); ++i) {
      raw[i].resize(pixels * c.out);
      ConvForward(c, acts[i].data(), raw[i].data(), false);
      for (size_t p = 0; p < pixels; ++p) {
        for (size_t co = 0; co < c.out; ++co) {
          const double v = raw[i][p * c.out + co];
          sum[co] += v;
          sq[co] += v * v;
        }
      }
    }
    const double count = static_cast<double>(pixels * acts.size());
    std::vector<float> gamma(c.out), beta(c.out), mean(c.out), var(c.out);
    for (size_t co = 0; co < c.out; ++co) {
      const double m = sum[co] / count;
      mean[co] = static_cast<float>(m);
      var[co] = static_cast<float>(sq[co] / count - m * m);
      gamma[co] = rng.Uniform(0.5f, 1.5f);
      beta[co] = rng.Uniform(-0.1f, 0.4f);
    }
    lowbit::FoldBatchNorm(c.weights, c.bias, gamma, beta, mean, var, 1e-3f);
    c.Transpose();
    for (size_t i = 0; i < acts.size(); ++i) {  // the next layer's input
      ConvForward(c, acts[i].data(), raw[i].data(), true);
      acts[i].swap(raw[i]);
    }
  }
  const float limit = std::sqrt(6.0f / static_cast<float>(net.features()));
  net.fc_w.resize(kClasses * net.features());
  for (float& w : net.fc_w) w = rng.Uniform(-limit, limit);
  net.fc_b.resize(kClasses);
  for (float& b : net.fc_b) b = rng.Uniform(-0.1f, 0.1f);
  return net;
}

std::vector<float> MakeImage(Random* rng) {
  std::vector<float> img(kImage * kImage * kChannels);
  float cy[3], cx[3], r2[3], color[3][kChannels];
  for (int b = 0; b < 3; ++b) {
    cy[b] = rng->Uniform(0.0f, 32.0f);
    cx[b] = rng->Uniform(0.0f, 32.0f);
    const float r = rng->Uniform(4.0f, 12.0f);
    r2[b] = r * r;
    for (size_t c = 0; c < kChannels; ++c) color[b][c] = rng->Uniform(0, 1);
  }
  const float period = rng->Uniform(4.0f, 16.0f);
  const float stripe = rng->Uniform(0.0f, 0.3f);
  for (size_t y = 0; y < kImage; ++y) {
    for (size_t x = 0; x < kImage; ++x) {
      // A triangle wave across the image: stripes without sin().
      const float t = static_cast<float>(x + y) / period;
      const float f = t - std::floor(t);
      const float wave = (f < 0.5f ? f : 1.0f - f) * 2.0f * stripe;
      for (size_t c = 0; c < kChannels; ++c) {
        float v = 0.1f + wave + rng->Uniform(-0.05f, 0.05f);
        for (int b = 0; b < 3; ++b) {
          const float dy = static_cast<float>(y) - cy[b];
          const float dx = static_cast<float>(x) - cx[b];
          const float d = (dy * dy + dx * dx) / r2[b];
          if (d < 1.0f) v += (1.0f - d) * color[b][c];
        }
        img[(y * kImage + x) * kChannels + c] = v < 0 ? 0 : v > 1 ? 1 : v;
      }
    }
  }
  return img;
}

Activations Forward(const Net& net, const std::vector<float>& image) {
  Activations a;
  a.input = image;
  const float* in = image.data();
  for (const Conv& c : net.convs) {
    a.convs.emplace_back(c.out_h * c.out_w * c.out);
    ConvForward(c, in, a.convs.back().data(), true);
    in = a.convs.back().data();
  }
  const Conv& last = net.convs.back();
  const size_t pixels = last.out_h * last.out_w, f = net.features();
  a.pooled.assign(f, 0.0f);
  for (size_t p = 0; p < pixels; ++p) {
    for (size_t c = 0; c < f; ++c) a.pooled[c] += in[p * f + c];
  }
  for (float& v : a.pooled) v /= static_cast<float>(pixels);
  a.logits.resize(kClasses);
  for (size_t o = 0; o < kClasses; ++o) {
    float acc = net.fc_b[o];
    for (size_t c = 0; c < f; ++c) acc += a.pooled[c] * net.fc_w[o * f + c];
    a.logits[o] = acc;
  }
  return a;
}

size_t ArgMax(const float* x, size_t n) {
  size_t best = 0;
  for (size_t i = 1; i < n; ++i) best = x[i] > x[best] ? i : best;
  return best;
}

}  // namespace tiny_cnn
