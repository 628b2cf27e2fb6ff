// The tiny CNN in float: its layers, deterministic weights and images, and
// a plain C++ forward pass (the float baseline the quantized runs are
// measured against). Everything is +, -, *, / and sqrtf, rounded once each
// (built with -ffp-contract=off), so the float results, and the
// quantization parameters calibrated from them, are the same on every CPU.
#ifndef LOWBIT_EXAMPLES_TINY_CNN_FLOAT_NET_H_
#define LOWBIT_EXAMPLES_TINY_CNN_FLOAT_NET_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tiny_cnn {

constexpr size_t kImage = 32, kChannels = 3, kClasses = 10;

// A convolution (dense, or depthwise: groups == in == out) with its folded
// batch norm and ReLU; SAME padding as TFLite computes it.
struct Conv {
  std::string name;
  size_t kernel, stride, groups, in, out;
  size_t pad_top, pad_left, pad_bottom, pad_right;
  size_t in_h, in_w, out_h, out_w;
  std::vector<float> weights;  // OHWI, [out][kernel][kernel][in / groups]
  std::vector<float> bias;     // out
  std::vector<float> hwio;     // weights as [kernel][kernel][in / groups][out]
  void Transpose();            // hwio from weights
  size_t taps() const { return kernel * kernel * (in / groups); }
};

struct Net {
  std::vector<Conv> convs;  // conv + BN + ReLU each
  std::vector<float> fc_w;  // [kClasses][last conv's channels]
  std::vector<float> fc_b;  // kClasses
  size_t features() const { return convs.back().out; }
};

// Every activation of one image: the input, each conv's output (NHWC),
// the pooled features and the logits.
struct Activations {
  std::vector<float> input;
  std::vector<std::vector<float>> convs;
  std::vector<float> pooled, logits;
};

// Deterministic values: a 64-bit generator, uniform floats built exactly.
class Random {
 public:
  explicit Random(uint64_t seed) : s_(seed) {}
  uint64_t Next();
  float Uniform(float lo, float hi);  // [lo, hi)

 private:
  uint64_t s_;
};

// The architecture with He-uniform weights; batch norms get their mean and
// variance from the float outputs on `calibration` images (as a trained
// network's running statistics would be), random gamma and beta, and are
// folded with lowbit::FoldBatchNorm.
Net MakeNet(uint64_t seed, const std::vector<std::vector<float>>& calibration);
// Images of smooth blobs and stripes with noise, values in [0, 1], NHWC.
std::vector<float> MakeImage(Random* rng);

void ConvForward(const Conv& c, const float* in, float* out, bool relu);
Activations Forward(const Net& net, const std::vector<float>& image);
size_t ArgMax(const float* x, size_t n);

}  // namespace tiny_cnn

#endif  // LOWBIT_EXAMPLES_TINY_CNN_FLOAT_NET_H_
