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

// One padded input row into planes: channel ch of padded pixel x goes to
// dst[ch * plane_stride + x], XORed with flip; pixels [pad_left, pad_left
// + pixels) come from src (pixel stride src_stride), the others (and all
// of them when src is null) from pad_pixel, `channels` bytes.
// Out of line: inlined into the operator's run, its loop lost its
// registers to the caller's (two stack loads per 8 bytes).
__attribute__((noinline)) inline void TransposeRow(uint8_t* dst,
                                                   size_t plane_stride,
                         const uint8_t* src, size_t src_stride, size_t pixels,
                         size_t pad_left, size_t pad_right,
                         const uint8_t* pad_pixel, size_t channels,
                         uint8_t flip) {
  const size_t padded = pad_left + pixels + pad_right;
#if defined(__ARM_FEATURE_MVE)
  if (plane_stride * 7 <= 0xFFFF) {
    // 8 channels at a time, pixels inner: a widening load and a scatter
    // with 16-bit offsets ch * plane_stride, for every pixel.
    const uint16x8_t offsets =
        vmulq_n_u16(vidupq_n_u16(0, 1), static_cast<uint16_t>(plane_stride));
    const uint16x8_t f = vdupq_n_u16(flip);
    for (size_t ch = 0; ch < channels; ch += 8) {
      const mve_pred16_t p = vctp16q(static_cast<uint32_t>(channels - ch));
      uint8_t* d = dst + ch * plane_stride;
      const uint16x8_t pad = veorq_u16(vldrbq_z_u16(pad_pixel + ch, p), f);
      const size_t first = src != nullptr ? pad_left : padded;
      for (size_t x = 0; x < first; ++x) {
        vstrbq_scatter_offset_p_u16(d + x, offsets, pad, p);
      }
      if (src != nullptr) {
        const uint8_t* s = src + ch;
        uint8_t* dx = d + pad_left;
        if (flip == 0 && ch + 8 <= channels) {
          for (size_t x = 0; x < pixels; ++x, s += src_stride, ++dx) {
            vstrbq_scatter_offset_u16(dx, offsets, vldrbq_u16(s));
          }
        } else {
          for (size_t x = 0; x < pixels; ++x, s += src_stride, ++dx) {
            vstrbq_scatter_offset_p_u16(
                dx, offsets, veorq_u16(vldrbq_z_u16(s, p), f), p);
          }
        }
        for (size_t x = pad_left + pixels; x < padded; ++x) {
          vstrbq_scatter_offset_p_u16(d + x, offsets, pad, p);
        }
      }
    }
    return;
  }
#endif
  for (size_t x = 0; x < padded; ++x) {
    const bool inside = src != nullptr && x >= pad_left && x < pad_left + pixels;
    const uint8_t* pixel =
        inside ? src + (x - pad_left) * src_stride : pad_pixel;
    for (size_t ch = 0; ch < channels; ++ch) {
      dst[ch * plane_stride + x] = pixel[ch] ^ flip;
    }
  }
}

}  // namespace bare
}  // namespace lowbit

#endif  // LOWBIT_KERNELS_BARE_COPY_INL_H_
