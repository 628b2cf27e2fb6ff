// Per-target instances of dwconv16-inl.h and their dispatch.
#include "kernels/gemm16/dwconv16.h"

// GCC keeps vpdpwssd's intrinsic accumulators apart from the registers it
// updates (kernels/dwconv/q8_dwconv.cc); stated in assembly they are not.
#define LOWBIT_DPWSSD_ASM 1
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/gemm16/dwconv16.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "kernels/gemm16/dwconv16-inl.h"

#if HWY_ONCE
namespace lowbit {

HWY_EXPORT(Dw16AccumulateImpl);

void Dw16Accumulate(const int16_t* const* taps, size_t count, const int32_t* w,
                    const int32_t* wp, size_t channels, int32_t* out,
                    int32_t* sum) {
  HWY_DYNAMIC_DISPATCH(Dw16AccumulateImpl)(taps, count, w, wp, channels, out,
                                           sum);
}

}  // namespace lowbit
#endif  // HWY_ONCE
