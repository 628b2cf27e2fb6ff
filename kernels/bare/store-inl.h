// The output stage of the bare-metal kernels: one accumulator of channel n
// through GemmOutput. The fixed-point mode (TFLite's and CMSIS-NN's) in
// requant_mcu-inl.h's primitives, the others in the reference's own
// functions.
#ifndef LOWBIT_KERNELS_BARE_STORE_INL_H_
#define LOWBIT_KERNELS_BARE_STORE_INL_H_

#include <cstddef>
#include <cstdint>

#include "kernels/bare/requant_mcu-inl.h"
#include "kernels/gemm/ukernel.h"
#include "kernels/reference/requant.h"

namespace lowbit {
namespace bare {

inline void StoreOutput(const GemmOutput& out, size_t n, int32_t acc,
                        void* c, size_t index) {
  int32_t q = 0;
  switch (out.requant) {
    case kRawInt32:
      static_cast<int32_t*>(c)[index] = acc;
      return;
    case LOWBIT_REQUANT_FP32:
      q = ref::RequantizeFp32(acc, out.scale[n], out.zero_point, out.qmin,
                              out.qmax);
      break;
    case LOWBIT_REQUANT_FIXEDPOINT:
      q = RequantizeFixedpoint(acc, out.multiplier[n], out.shift[n],
                               out.zero_point, out.qmin, out.qmax);
      break;
    default:
      q = ref::RequantizeFixedpointSingle(acc, out.multiplier[n],
                                          out.shift[n], out.zero_point,
                                          out.qmin, out.qmax);
      break;
  }
  if (out.type == LOWBIT_DTYPE_UINT8) {
    static_cast<uint8_t*>(c)[index] = static_cast<uint8_t>(q);
  } else {
    static_cast<int8_t*>(c)[index] = static_cast<int8_t>(q);
  }
}


}  // namespace bare
}  // namespace lowbit

#endif  // LOWBIT_KERNELS_BARE_STORE_INL_H_
