// Per-target instances of quantize-inl.h and their dispatch (the best
// target the CPU has; the tests run each one against the scalar forms).
#include "kernels/quantize/quantize.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/quantize/quantize.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "kernels/quantize/quantize-inl.h"

#if HWY_ONCE
namespace lowbit {

HWY_EXPORT(AllFiniteImpl);
HWY_EXPORT(MinMaxImpl);
HWY_EXPORT(MaxAbsImpl);
HWY_EXPORT(QuantizeImpl);
HWY_EXPORT(DequantizeImpl);
HWY_EXPORT(SqnrSumsImpl);
HWY_EXPORT(ScaleImpl);

bool AllFinite(const float* x, size_t n) {
  return HWY_DYNAMIC_DISPATCH(AllFiniteImpl)(x, n);
}
bool MinMax(const float* x, size_t n, float* lo, float* hi) {
  return HWY_DYNAMIC_DISPATCH(MinMaxImpl)(x, n, lo, hi);
}
float MaxAbs(const float* x, size_t n) {
  return HWY_DYNAMIC_DISPATCH(MaxAbsImpl)(x, n);
}
void Quantize(const float* x, size_t n, const QuantizeSpec& s, void* q) {
  HWY_DYNAMIC_DISPATCH(QuantizeImpl)(x, n, s, q);
}
void Dequantize(const void* q, size_t n, lowbit_dtype type, float scale,
                int32_t zero_point, float* x) {
  HWY_DYNAMIC_DISPATCH(DequantizeImpl)(q, n, type, scale, zero_point, x);
}
void SqnrSumsOf(const float* x, const void* q, size_t n, lowbit_dtype type,
                float scale, int32_t zero_point, SqnrSums* sums) {
  HWY_DYNAMIC_DISPATCH(SqnrSumsImpl)(x, q, n, type, scale, zero_point, sums);
}
void Scale(float* w, size_t n, float s) {
  HWY_DYNAMIC_DISPATCH(ScaleImpl)(w, n, s);
}

}  // namespace lowbit
#endif  // HWY_ONCE
