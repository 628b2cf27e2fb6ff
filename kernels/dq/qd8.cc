// Per-target instances of qd8-inl.h and their dispatch (Highway's
// HWY_EXPORT / HWY_DYNAMIC_DISPATCH: the best target the CPU has; the
// tests run each one through hwy::SetSupportedTargetsForTest).
#include "kernels/dq/qd8.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/dq/qd8.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "kernels/dq/qd8-inl.h"

#if HWY_ONCE
#include <algorithm>
#include <cmath>

namespace lowbit {

HWY_EXPORT(Qd8RangeImpl);
HWY_EXPORT(Qd8QuantizeImpl);
HWY_EXPORT(Qd8AccumulateBlockImpl);
HWY_EXPORT(Qd8FinishImpl);

bool Qd8Range(const float* a, size_t k, float* lo, float* hi) {
  return HWY_DYNAMIC_DISPATCH(Qd8RangeImpl)(a, k, lo, hi);
}

Qd8Row Qd8FromRange(float lo, float hi) {
  if (lo == hi) return Qd8Row{1.0f, 1.0f, 0};
  const float range = hi - lo;
  Qd8Row row;
  row.scale = range / 255.0f;
  row.inv_scale = 255.0f / range;
  const float zp = std::nearbyint(-128.0f - lo * row.inv_scale);
  row.zero_point =
      static_cast<int32_t>(std::min(std::max(zp, -128.0f), 127.0f));
  return row;
}

void Qd8Quantize(const float* a, size_t k, const Qd8Row& row, int8_t* q,
                 uint8_t flip) {
  HWY_DYNAMIC_DISPATCH(Qd8QuantizeImpl)(a, k, row, q, flip);
}

void Qd8AccumulateBlock(const int32_t* raw, size_t rows, size_t cols,
                        size_t stride, const int32_t* r, const int32_t* wsum,
                        const float* wscale, bool first, float* d) {
  HWY_DYNAMIC_DISPATCH(Qd8AccumulateBlockImpl)(raw, rows, cols, stride, r,
                                               wsum, wscale, first, d);
}

void Qd8Finish(const float* d, size_t rows, size_t cols, size_t d_stride,
               const float* scale, const float* zp, const float* z,
               const float* bias, float lo, float hi, float* c, size_t ldc) {
  HWY_DYNAMIC_DISPATCH(Qd8FinishImpl)(d, rows, cols, d_stride, scale, zp, z,
                                      bias, lo, hi, c, ldc);
}

}  // namespace lowbit
#endif  // HWY_ONCE
