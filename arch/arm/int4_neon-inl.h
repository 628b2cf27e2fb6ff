// int4 weights in the layout of nibble span 16 (layout.h), as NEON kernels
// read them: each 16-byte run holds two vectors of signed bytes, the low
// nibbles (shifted up and back, arithmetic, to sign-extend) and the high
// ones (one arithmetic shift). Three instructions per two vectors.
#ifndef LOWBIT_ARCH_ARM_INT4_NEON_INL_H_
#define LOWBIT_ARCH_ARM_INT4_NEON_INL_H_

#include <arm_neon.h>

#include <cstddef>
#include <cstdint>

#include "kernels/gemm/epilogue-inl.h"  // LOWBIT_UNROLL

namespace lowbit {
namespace HWY_NAMESPACE {
namespace {

constexpr size_t kNeonNibbleSpan = 16;

// The first V vectors of the runs at p (vector 2r: run r's low nibbles,
// 2r + 1: its high ones).
template <size_t V>
HWY_INLINE void UnpackInt4(const int8_t* p, int8x16_t (&wv)[V]) {
  LOWBIT_UNROLL
  for (size_t r = 0; 2 * r < V; ++r) {
    const int8x16_t x = vld1q_s8(p + kNeonNibbleSpan * r);
    wv[2 * r] = vshrq_n_s8(vshlq_n_s8(x, 4), 4);
    if (2 * r + 1 < V) wv[2 * r + 1] = vshrq_n_s8(x, 4);
  }
}

}  // namespace
}  // namespace HWY_NAMESPACE
}  // namespace lowbit

#endif  // LOWBIT_ARCH_ARM_INT4_NEON_INL_H_
