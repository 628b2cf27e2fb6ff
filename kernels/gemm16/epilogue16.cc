// Per-target instances of epilogue16-inl.h and their dispatch (the best
// target the CPU has; the tests run each one).
#include "kernels/gemm16/epilogue16.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/gemm16/epilogue16.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "kernels/gemm16/epilogue16-inl.h"

#if HWY_ONCE
namespace lowbit {

HWY_EXPORT(Gemm16AddPartImpl);
HWY_EXPORT(Gemm16FinishImpl);
HWY_EXPORT(Gemm16FinishNarrowImpl);

void Gemm16AddPart(const int32_t* part, size_t rows, size_t cols,
                   size_t stride, int sh, bool first, int64_t* acc) {
  HWY_DYNAMIC_DISPATCH(Gemm16AddPartImpl)(part, rows, cols, stride, sh, first,
                                          acc);
}

void Gemm16Finish(const int64_t* acc, const int32_t* part, int sh,
                  size_t rows, size_t cols, size_t stride,
                  const int64_t* row_extra, const Gemm16Channels& ch,
                  int32_t qmin, int32_t qmax, bool raw, void* out,
                  size_t ldc) {
  HWY_DYNAMIC_DISPATCH(Gemm16FinishImpl)(acc, part, sh, rows, cols, stride,
                                         row_extra, ch, qmin, qmax, raw, out,
                                         ldc);
}

void Gemm16FinishNarrow(const int32_t* part, const int32_t* bias, size_t rows,
                        size_t cols, size_t stride, const Gemm16Pairs& ch,
                        int32_t qmin, int32_t qmax, int16_t* out,
                        size_t ldc) {
  HWY_DYNAMIC_DISPATCH(Gemm16FinishNarrowImpl)(part, bias, rows, cols, stride,
                                               ch, qmin, qmax, out, ldc);
}

}  // namespace lowbit
#endif  // HWY_ONCE
