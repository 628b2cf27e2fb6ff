// Thin C++ layer over lowbit.h: RAII handles and exceptions.
#ifndef LOWBIT_LOWBIT_HPP_
#define LOWBIT_LOWBIT_HPP_

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>

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

}  // namespace lowbit

#endif  // LOWBIT_LOWBIT_HPP_
