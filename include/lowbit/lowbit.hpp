// Thin C++ layer over lowbit.h: RAII handles and exceptions.
#ifndef LOWBIT_LOWBIT_HPP_
#define LOWBIT_LOWBIT_HPP_

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "lowbit/lowbit.h"

namespace lowbit {

class Error : public std::runtime_error {
 public:
  explicit Error(lowbit_status status)
      : std::runtime_error(std::string(lowbit_status_string(status)) + ": " +
                           lowbit_last_error()),
        status_(status) {}
  lowbit_status status() const { return status_; }

 private:
  lowbit_status status_;
};

inline void Check(lowbit_status status) {
  if (status != LOWBIT_OK) throw Error(status);
}

// Packed GEMM weights. Immutable after construction; Run may be called from
// many threads at once.
class Gemm {
 public:
  explicit Gemm(const lowbit_gemm_params& params) {
    Check(lowbit_gemm_pack(&params, &handle_));
  }
  ~Gemm() { lowbit_gemm_destroy(handle_); }
  Gemm(Gemm&& other) noexcept : handle_(other.handle_) {
    other.handle_ = nullptr;
  }
  Gemm& operator=(Gemm&& other) noexcept {
    if (this != &other) {
      lowbit_gemm_destroy(handle_);
      handle_ = other.handle_;
      other.handle_ = nullptr;
    }
    return *this;
  }
  Gemm(const Gemm&) = delete;
  Gemm& operator=(const Gemm&) = delete;

  void Run(size_t m, const void* a, size_t lda, void* c, size_t ldc,
           struct pthreadpool* threadpool = nullptr) const {
    Check(lowbit_gemm_run(handle_, m, a, lda, c, ldc, threadpool));
  }
  void RunInt32(size_t m, const void* a, size_t lda, int32_t* c, size_t ldc,
                struct pthreadpool* threadpool = nullptr) const {
    Check(lowbit_gemm_run_int32(handle_, m, a, lda, c, ldc, threadpool));
  }
  // INT16 activations: the int64 accumulators.
  void RunInt64(size_t m, const void* a, size_t lda, int64_t* c, size_t ldc,
                struct pthreadpool* threadpool = nullptr) const {
    Check(lowbit_gemm_run_int64(handle_, m, a, lda, c, ldc, threadpool));
  }

  const char* kernel_name() const { return lowbit_gemm_kernel_name(handle_); }
  size_t packed_size() const { return lowbit_gemm_packed_size(handle_); }
  lowbit_gemm_t get() const { return handle_; }

 private:
  lowbit_gemm_t handle_ = nullptr;
};

// Packed convolution weights. Immutable after construction; Run may be
// called from many threads at once.
class Conv2d {
 public:
  explicit Conv2d(const lowbit_conv2d_params& params) {
    Check(lowbit_conv2d_pack(&params, &handle_));
  }
  ~Conv2d() { lowbit_conv2d_destroy(handle_); }
  Conv2d(Conv2d&& other) noexcept : handle_(other.handle_) {
    other.handle_ = nullptr;
  }
  Conv2d& operator=(Conv2d&& other) noexcept {
    if (this != &other) {
      lowbit_conv2d_destroy(handle_);
      handle_ = other.handle_;
      other.handle_ = nullptr;
    }
    return *this;
  }
  Conv2d(const Conv2d&) = delete;
  Conv2d& operator=(const Conv2d&) = delete;

  // {out_h, out_w} for an input of in_h x in_w.
  std::pair<size_t, size_t> OutputSize(size_t in_h, size_t in_w) const {
    size_t h = 0, w = 0;
    Check(lowbit_conv2d_output_size(handle_, in_h, in_w, &h, &w));
    return {h, w};
  }
  void Run(size_t batch, size_t in_h, size_t in_w, const void* input,
           size_t input_stride, void* output, size_t output_stride,
           struct pthreadpool* threadpool = nullptr) const {
    Check(lowbit_conv2d_run(handle_, batch, in_h, in_w, input, input_stride,
                            output, output_stride, threadpool));
  }
  const char* kernel_name() const { return lowbit_conv2d_kernel_name(handle_); }
  lowbit_conv2d_t get() const { return handle_; }

 private:
  lowbit_conv2d_t handle_ = nullptr;
};

// ---------------------------------------------------------------------
// Quantization toolkit (lowbit.h, 0.7) over std::vector: the same formulas
// and bits as the C functions; bad input throws Error (or
// std::invalid_argument for sizes that do not match).

// The lowbit_dtype of an element type: int8_t, uint8_t, int16_t.
template <typename T>
constexpr lowbit_dtype DtypeOf();
template <>
constexpr lowbit_dtype DtypeOf<int8_t>() { return LOWBIT_DTYPE_INT8; }
template <>
constexpr lowbit_dtype DtypeOf<uint8_t>() { return LOWBIT_DTYPE_UINT8; }
template <>
constexpr lowbit_dtype DtypeOf<int16_t>() { return LOWBIT_DTYPE_INT16; }

// INT4 elements: nibbles packed two per byte, low first.
struct Int4Vector {
  size_t size = 0;             // elements
  std::vector<uint8_t> bytes;  // (size + 1) / 2
};

inline lowbit_qparams ChooseQParams(float min, float max, lowbit_dtype type,
                                    bool symmetric = false) {
  lowbit_qparams p{};
  Check(lowbit_choose_qparams(min, max, type, symmetric ? 1 : 0, &p));
  return p;
}

template <typename T>
std::vector<T> Quantize(const std::vector<float>& x, const lowbit_qparams& p) {
  std::vector<T> q(x.size());
  Check(lowbit_quantize(x.size(), x.data(), &p, DtypeOf<T>(), q.data()));
  return q;
}
inline Int4Vector QuantizeInt4(const std::vector<float>& x,
                               const lowbit_qparams& p) {
  Int4Vector q{x.size(), std::vector<uint8_t>((x.size() + 1) / 2)};
  Check(lowbit_quantize(x.size(), x.data(), &p, LOWBIT_DTYPE_INT4,
                        q.bytes.data()));
  return q;
}

template <typename T>
std::vector<float> Dequantize(const std::vector<T>& q,
                              const lowbit_qparams& p) {
  std::vector<float> x(q.size());
  Check(lowbit_dequantize(q.size(), q.data(), DtypeOf<T>(), &p, x.data()));
  return x;
}
inline std::vector<float> Dequantize(const Int4Vector& q,
                                     const lowbit_qparams& p) {
  if (q.bytes.size() != (q.size + 1) / 2) {
    throw std::invalid_argument("lowbit::Dequantize: INT4 bytes != (size+1)/2");
  }
  std::vector<float> x(q.size);
  Check(lowbit_dequantize(q.size, q.bytes.data(), LOWBIT_DTYPE_INT4, &p,
                          x.data()));
  return x;
}

// SQNR in dB of q against its float original x (same length).
template <typename T>
double Sqnr(const std::vector<float>& x, const std::vector<T>& q,
            const lowbit_qparams& p) {
  if (x.size() != q.size()) {
    throw std::invalid_argument("lowbit::Sqnr: x and q differ in length");
  }
  double db = 0.0;
  Check(lowbit_sqnr(x.size(), x.data(), q.data(), DtypeOf<T>(), &p, &db));
  return db;
}
inline double Sqnr(const std::vector<float>& x, const Int4Vector& q,
                   const lowbit_qparams& p) {
  if (x.size() != q.size || q.bytes.size() != (q.size + 1) / 2) {
    throw std::invalid_argument("lowbit::Sqnr: x and q differ in length");
  }
  double db = 0.0;
  Check(lowbit_sqnr(x.size(), x.data(), q.bytes.data(), LOWBIT_DTYPE_INT4, &p,
                    &db));
  return db;
}

// Symmetric weights w[n][k]: per channel (n scales) or per tensor (1).
template <typename Q>
struct QuantizedWeights {
  Q q;
  std::vector<float> scales;
};
namespace detail {
inline size_t RowLength(size_t n, size_t total, const char* fn) {
  if (n == 0 || total % n != 0) {
    throw std::invalid_argument(std::string(fn) +
                                ": the weights are not n whole rows");
  }
  return total / n;
}
}  // namespace detail

template <typename T>
QuantizedWeights<std::vector<T>> QuantizeWeights(size_t n,
                                                 const std::vector<float>& w,
                                                 bool per_channel = true) {
  const size_t k = detail::RowLength(n, w.size(), "lowbit::QuantizeWeights");
  QuantizedWeights<std::vector<T>> r{std::vector<T>(w.size()),
                                     std::vector<float>(per_channel ? n : 1)};
  Check(lowbit_quantize_weights(n, k, w.data(), DtypeOf<T>(),
                                per_channel ? 1 : 0, r.scales.data(),
                                r.q.data()));
  return r;
}
inline QuantizedWeights<Int4Vector> QuantizeWeightsInt4(
    size_t n, const std::vector<float>& w, bool per_channel = true) {
  const size_t k =
      detail::RowLength(n, w.size(), "lowbit::QuantizeWeightsInt4");
  QuantizedWeights<Int4Vector> r{
      Int4Vector{w.size(), std::vector<uint8_t>((w.size() + 1) / 2)},
      std::vector<float>(per_channel ? n : 1)};
  Check(lowbit_quantize_weights(n, k, w.data(), LOWBIT_DTYPE_INT4,
                                per_channel ? 1 : 0, r.scales.data(),
                                r.q.bytes.data()));
  return r;
}

// The int32 (or int64: QuantizeBias64) bias of a layer, as TFLite's
// converter computes it from the input scale and the weights' scales (1 or
// one per channel).
inline std::vector<int32_t> QuantizeBias(
    const std::vector<float>& bias, float input_scale,
    const std::vector<float>& weight_scales) {
  std::vector<int32_t> q(bias.size());
  Check(lowbit_quantize_bias(bias.size(), bias.data(), input_scale,
                             weight_scales.data(), weight_scales.size(),
                             q.data()));
  return q;
}
inline std::vector<int64_t> QuantizeBias64(
    const std::vector<float>& bias, float input_scale,
    const std::vector<float>& weight_scales) {
  std::vector<int64_t> q(bias.size());
  Check(lowbit_quantize_bias64(bias.size(), bias.data(), input_scale,
                               weight_scales.data(), weight_scales.size(),
                               q.data()));
  return q;
}

// Batch norm folded into weights[n][k] and bias[n] in place.
inline void FoldBatchNorm(std::vector<float>& weights, std::vector<float>& bias,
                          const std::vector<float>& gamma,
                          const std::vector<float>& beta,
                          const std::vector<float>& mean,
                          const std::vector<float>& var, float eps) {
  const size_t n = bias.size();
  if (gamma.size() != n || beta.size() != n || mean.size() != n ||
      var.size() != n) {
    throw std::invalid_argument(
        "lowbit::FoldBatchNorm: bias, gamma, beta, mean and var differ in "
        "length");
  }
  const size_t k = detail::RowLength(n, weights.size(), "lowbit::FoldBatchNorm");
  Check(lowbit_fold_batch_norm(n, k, weights.data(), bias.data(), gamma.data(),
                               beta.data(), mean.data(), var.data(), eps));
}

// Activation calibration over batches.
class MinMaxObserver {
 public:
  explicit MinMaxObserver(float decay = 0.9f) {
    Check(lowbit_minmax_init(&mm_, decay));
  }
  void Observe(const float* x, size_t n) {
    Check(lowbit_minmax_update(&mm_, n, x));
  }
  void Observe(const std::vector<float>& x) { Observe(x.data(), x.size()); }
  // Parameters of the running range, or of the moving averages.
  lowbit_qparams QParams(lowbit_dtype type, bool symmetric = false,
                         bool moving_average = false) const {
    return moving_average
               ? ChooseQParams(mm_.avg_min, mm_.avg_max, type, symmetric)
               : ChooseQParams(mm_.min, mm_.max, type, symmetric);
  }
  const lowbit_minmax& state() const { return mm_; }

 private:
  lowbit_minmax mm_{};
};

}  // namespace lowbit

#endif  // LOWBIT_LOWBIT_HPP_
