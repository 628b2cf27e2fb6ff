#include "quant_net.h"

namespace tiny_cnn {
namespace {

lowbit_qparams Observed(const std::vector<std::vector<float>>& xs,
                        lowbit_dtype type, bool symmetric) {
  lowbit::MinMaxObserver obs;
  for (const auto& x : xs) obs.Observe(x);
  return obs.QParams(type, symmetric);
}

void Clamp(lowbit_activation act, const lowbit_qparams& out, lowbit_dtype t,
           int32_t* lo, int32_t* hi) {
  lowbit::Check(lowbit_output_range(act, 0.0f, 0.0f, out.scale, out.zero_point,
                                    t, lo, hi));
}

// A layer's quantized bias, int64 for 16x8 (lowbit_conv2d_params and
// lowbit_gemm_params name the fields alike); b holds it until packing.
struct Bias {
  std::vector<int32_t> b32;
  std::vector<int64_t> b64;
};
template <typename Params>
void SetBias(const std::vector<float>& bias, float input_scale,
             const std::vector<float>& weight_scales, bool int16, Bias* b,
             Params* p) {
  if (int16) {
    b->b64 = lowbit::QuantizeBias64(bias, input_scale, weight_scales);
    p->bias64 = b->b64.data();
  } else {
    b->b32 = lowbit::QuantizeBias(bias, input_scale, weight_scales);
    p->bias = b->b32.data();
  }
}

lowbit::Conv2d PackConv(const Conv& c, const lowbit_qparams& in,
                        const lowbit_qparams& out, bool int16) {
  const auto w = lowbit::QuantizeWeights<int8_t>(c.out, c.weights);
  lowbit_conv2d_params p;
  lowbit_conv2d_params_init(&p);
  p.kernel_height = p.kernel_width = c.kernel;
  p.stride_height = p.stride_width = c.stride;
  p.padding_top = c.pad_top;
  p.padding_left = c.pad_left;
  p.padding_bottom = c.pad_bottom;
  p.padding_right = c.pad_right;
  p.groups = c.groups;
  p.group_input_channels = c.in / c.groups;
  p.group_output_channels = c.out / c.groups;
  const lowbit_dtype act = int16 ? LOWBIT_DTYPE_INT16 : LOWBIT_DTYPE_INT8;
  p.input_type = p.output_type = act;
  p.weight_type = LOWBIT_DTYPE_INT8;
  p.requant = LOWBIT_REQUANT_FIXEDPOINT;
  p.weights = w.q.data();
  p.weight_scales = w.scales.data();
  p.weight_scale_count = w.scales.size();
  p.input_scale = in.scale;
  p.input_zero_point = in.zero_point;
  p.output_scale = out.scale;
  p.output_zero_point = out.zero_point;
  Clamp(LOWBIT_ACTIVATION_RELU, out, act, &p.output_min, &p.output_max);
  // Packing copies weights and bias: the vectors may go afterwards.
  Bias b;
  SetBias(c.bias, in.scale, w.scales, int16, &b, &p);
  return lowbit::Conv2d(p);
}

lowbit::Gemm PackClassifier(const Net& net, const lowbit_qparams& in,
                            const lowbit_qparams& out, lowbit_dtype weights,
                            bool int16) {
  lowbit_gemm_params p;
  lowbit_gemm_params_init(&p);
  p.n = kClasses;
  p.k = p.weight_stride = net.features();
  const lowbit_dtype act = int16 ? LOWBIT_DTYPE_INT16 : LOWBIT_DTYPE_INT8;
  p.input_type = p.output_type = act;
  p.weight_type = weights;
  p.requant = LOWBIT_REQUANT_FIXEDPOINT;
  p.input_scale = in.scale;
  p.input_zero_point = in.zero_point;
  p.output_scale = out.scale;
  p.output_zero_point = out.zero_point;
  Clamp(LOWBIT_ACTIVATION_NONE, out, act, &p.output_min, &p.output_max);
  std::vector<float> scales;
  std::vector<int8_t> w8;
  lowbit::Int4Vector w4;
  if (weights == LOWBIT_DTYPE_INT4) {
    auto w = lowbit::QuantizeWeightsInt4(kClasses, net.fc_w);
    w4 = std::move(w.q);
    scales = std::move(w.scales);
    p.weights = w4.bytes.data();
  } else {
    auto w = lowbit::QuantizeWeights<int8_t>(kClasses, net.fc_w);
    w8 = std::move(w.q);
    scales = std::move(w.scales);
    p.weights = w8.data();
  }
  p.weight_scales = scales.data();
  p.weight_scale_count = scales.size();
  Bias b;
  SetBias(net.fc_b, in.scale, scales, int16, &b, &p);
  return lowbit::Gemm(p);
}

// TFLite's integer average pool: the sum rounded half away from zero
// (input and output share their parameters).
template <typename T>
void AveragePool(const std::vector<T>& in, size_t pixels, size_t channels,
                 std::vector<T>* out) {
  out->resize(channels);
  const int64_t n = static_cast<int64_t>(pixels);
  for (size_t c = 0; c < channels; ++c) {
    int64_t acc = 0;
    for (size_t p = 0; p < pixels; ++p) acc += in[p * channels + c];
    (*out)[c] = static_cast<T>(acc > 0 ? (acc + n / 2) / n : (acc - n / 2) / n);
  }
}

}  // namespace

Calibration Calibrate(const Net& net, const std::vector<Activations>& runs) {
  Calibration cal;
  std::vector<std::vector<float>> xs;
  auto each = [&](auto get) {
    xs.clear();
    for (const Activations& a : runs) xs.push_back(get(a));
    return xs;
  };
  cal.input = Observed(each([](const Activations& a) { return a.input; }),
                       LOWBIT_DTYPE_INT8, false);
  for (size_t l = 0; l < net.convs.size(); ++l) {
    cal.convs.push_back(
        Observed(each([l](const Activations& a) { return a.convs[l]; }),
                 LOWBIT_DTYPE_INT8, false));
  }
  const auto logits = each([](const Activations& a) { return a.logits; });
  cal.logits = Observed(logits, LOWBIT_DTYPE_INT8, false);
  cal.logits16 = Observed(logits, LOWBIT_DTYPE_INT16, true);
  const size_t last = net.convs.size() - 1;
  cal.stage16_input =
      Observed(each([last](const Activations& a) { return a.convs[last - 1]; }),
               LOWBIT_DTYPE_INT16, true);
  cal.conv4_16 =
      Observed(each([last](const Activations& a) { return a.convs[last]; }),
               LOWBIT_DTYPE_INT16, true);
  return cal;
}

QuantNet::QuantNet(const Net& net, const Calibration& cal)
    : net_(net),
      cal_(cal),
      fc8_(PackClassifier(net, cal.convs.back(), cal.logits, LOWBIT_DTYPE_INT8,
                          false)),
      fc4_(PackClassifier(net, cal.convs.back(), cal.logits, LOWBIT_DTYPE_INT4,
                          false)),
      fc16_(PackClassifier(net, cal.conv4_16, cal.logits16, LOWBIT_DTYPE_INT8,
                           true)),
      conv4_16_(
          PackConv(net.convs.back(), cal.stage16_input, cal.conv4_16, true)) {
  for (size_t l = 0; l < net.convs.size(); ++l) {
    convs_.push_back(PackConv(net.convs[l],
                              l == 0 ? cal.input : cal.convs[l - 1],
                              cal.convs[l], false));
  }
}

void QuantNet::RunConvs(const std::vector<float>& image, size_t count,
                        Int8Run* run) const {
  run->input.resize(image.size());
  lowbit::Check(lowbit_quantize(image.size(), image.data(), &cal_.input,
                                LOWBIT_DTYPE_INT8, run->input.data()));
  run->convs.resize(net_.convs.size());
  const int8_t* in = run->input.data();
  for (size_t l = 0; l < count; ++l) {
    const Conv& c = net_.convs[l];
    run->convs[l].resize(c.out_h * c.out_w * c.out);
    convs_[l].Run(1, c.in_h, c.in_w, in, c.in, run->convs[l].data(), c.out);
    in = run->convs[l].data();
  }
}

void QuantNet::RunInt8(const std::vector<float>& image, bool int4_classifier,
                       Int8Run* run) const {
  RunConvs(image, net_.convs.size(), run);
  const Conv& last = net_.convs.back();
  AveragePool(run->convs.back(), last.out_h * last.out_w, last.out,
              &run->pooled);
  run->logits.resize(kClasses);
  (int4_classifier ? fc4_ : fc8_)
      .Run(1, run->pooled.data(), last.out, run->logits.data(), kClasses);
}

void QuantNet::Run16x8(const std::vector<float>& image, Int8Run* front,
                       Int16Run* run) const {
  const size_t last = net_.convs.size() - 1;
  RunConvs(image, last, front);
  // A QUANTIZE operator between the int8 and int16 parts: dequantize and
  // quantize again with the toolkit (the same bits on every CPU).
  const std::vector<float> x =
      lowbit::Dequantize(front->convs[last - 1], cal_.convs[last - 1]);
  run->input = lowbit::Quantize<int16_t>(x, cal_.stage16_input);
  const Conv& c = net_.convs[last];
  run->conv4.resize(c.out_h * c.out_w * c.out);
  conv4_16_.Run(1, c.in_h, c.in_w, run->input.data(), c.in, run->conv4.data(),
                c.out);
  AveragePool(run->conv4, c.out_h * c.out_w, c.out, &run->pooled);
  run->logits.resize(kClasses);
  fc16_.Run(1, run->pooled.data(), c.out, run->logits.data(), kClasses);
}

}  // namespace tiny_cnn
