// The tiny CNN post-training quantized with lowbit's toolkit and run on
// lowbit: per-channel symmetric int8 weights, per-tensor asymmetric int8
// activations calibrated on float runs, TFLite's fixed-point
// requantization; variants with an int4 classifier and with the last stage
// (conv4, pool, classifier) in 16x8 (int16 activations, int8 weights).
#ifndef LOWBIT_EXAMPLES_TINY_CNN_QUANT_NET_H_
#define LOWBIT_EXAMPLES_TINY_CNN_QUANT_NET_H_

#include <cstdint>
#include <vector>

#include "float_net.h"
#include "lowbit/lowbit.hpp"

namespace tiny_cnn {

// Quantization parameters of every activation, from min/max observed on
// the float network's calibration runs.
struct Calibration {
  lowbit_qparams input;               // int8, asymmetric
  std::vector<lowbit_qparams> convs;  // int8 outputs (pooling keeps the
                                      // last one's)
  lowbit_qparams logits;              // int8
  lowbit_qparams stage16_input;       // int16 symmetric: pw3's output
  lowbit_qparams conv4_16, logits16;  // int16 symmetric
};
Calibration Calibrate(const Net& net, const std::vector<Activations>& runs);

// One image's quantized activations.
struct Int8Run {
  std::vector<int8_t> input;
  std::vector<std::vector<int8_t>> convs;
  std::vector<int8_t> pooled, logits;
};
struct Int16Run {  // the 16x8 stage
  std::vector<int16_t> input, conv4, pooled, logits;
};

class QuantNet {
 public:
  QuantNet(const Net& net, const Calibration& cal);
  // The int8 network; int4_classifier swaps the classifier's weights.
  void RunInt8(const std::vector<float>& image, bool int4_classifier,
               Int8Run* run) const;
  // int8 up to pw3, then conv4, pool and classifier in 16x8.
  void Run16x8(const std::vector<float>& image, Int8Run* front,
               Int16Run* run) const;
  const char* KernelName(size_t conv) const {
    return convs_[conv].kernel_name();
  }
  const char* ClassifierKernel(bool int4) const {
    return (int4 ? fc4_ : fc8_).kernel_name();
  }
  const char* Stage16Kernel() const { return conv4_16_.kernel_name(); }

 private:
  void RunConvs(const std::vector<float>& image, size_t count,
                Int8Run* run) const;
  const Net& net_;
  Calibration cal_;
  std::vector<lowbit::Conv2d> convs_;
  lowbit::Gemm fc8_, fc4_, fc16_;
  lowbit::Conv2d conv4_16_;
};

}  // namespace tiny_cnn

#endif  // LOWBIT_EXAMPLES_TINY_CNN_QUANT_NET_H_
