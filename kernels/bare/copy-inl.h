// Byte copies of the bare-metal operators (convolution patches and bands):
// newlib-nano's memcpy goes byte by byte, so Helium copies 16 bytes per
// load/store pair (tail predicated) and the others a word at a time.
// flip: XORed into every byte (0x80 turns uint8 into the kInt8 form).
#ifndef LOWBIT_KERNELS_BARE_COPY_INL_H_
#define LOWBIT_KERNELS_BARE_COPY_INL_H_

#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__ARM_FEATURE_MVE)
#include <arm_mve.h>
#endif

namespace lowbit {
namespace bare {

inline void CopyBytes(uint8_t* dst, const uint8_t* src, size_t n,
                      uint8_t flip) {
#if defined(__ARM_FEATURE_MVE)
  const uint8x16_t f = vdupq_n_u8(flip);
  for (size_t i = 0; i < n; i += 16) {
    const mve_pred16_t p = vctp8q(static_cast<uint32_t>(n - i));
    vst1q_p_u8(dst + i, veorq_u8(vld1q_z_u8(src + i, p), f), p);
  }
#else
  const uint32_t f4 = flip * 0x01010101u;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    uint32_t v;
    std::memcpy(&v, src + i, 4);  // one LDR: unaligned loads are allowed
    v ^= f4;
    std::memcpy(dst + i, &v, 4);
  }
  for (; i < n; ++i) dst[i] = src[i] ^ flip;
#endif
}

inline void FillBytes(uint8_t* dst, uint8_t value, size_t n) {
#if defined(__ARM_FEATURE_MVE)
  const uint8x16_t v = vdupq_n_u8(value);
  for (size_t i = 0; i < n; i += 16) {
    vst1q_p_u8(dst + i, v, vctp8q(static_cast<uint32_t>(n - i)));
  }
#else
  std::memset(dst, value, n);
#endif
}

}  // namespace bare
}  // namespace lowbit

#endif  // LOWBIT_KERNELS_BARE_COPY_INL_H_
