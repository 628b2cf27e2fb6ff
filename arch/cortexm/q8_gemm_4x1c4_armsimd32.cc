// lowbit_q8_gemm_ukernel_4x1c4__armsimd32: the DSP extension (Cortex-M4,
// M7, M33, M55). SXTB16 unpacks a word of 4 int8 weights into two int16
// pairs, (w0, w2) and (w1, w3); the activations come prepared as A - za in
// int16 in that order (a0 a2 a1 a3), a tile's rows interleaved per K group
// (group g of row r at (g * rows + r) * 4), so SMLAD takes 2 products per
// instruction and one LDM fetches two rows' pairs. Per 4 k and 4 rows: 1
// weight load, 2 SXTB16, 2 LDM, 8 SMLAD (13 instructions, 16 MACs), twice
// per loop iteration. SMLAD wraps modulo 2^32 like the rest of lowbit's
// int32 arithmetic (DESIGN.md §2), so the folded bias stays exact.
// Compiled only where the build targets the DSP extension (mcu_kernel.h).
#if defined(__ARM_FEATURE_DSP)

#include <arm_acle.h>

#include <cstring>

#include "kernels/bare/mcu_kernel.h"
#include "kernels/bare/store-inl.h"

namespace lowbit {
namespace {

constexpr size_t kMr = 4, kKr = 4;

inline uint32_t Load32(const void* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

inline void Store32(void* p, uint32_t v) { std::memcpy(p, &v, sizeof(v)); }

inline uint32_t Ror8(uint32_t v) { return (v >> 8) | (v << 24); }

// Rows [0, m) of a tile into the kernel's form (see above), `rows` = m
// rows interleaved, padded to kpad with zeros; row sums of A - za.
void Prepare(lowbit_dtype type, const void* a, size_t lda, int32_t za,
             size_t m, size_t k, size_t kpad, void* out, int32_t* row_sums) {
  const bool is_uint8 = type == LOWBIT_DTYPE_UINT8;
  const uint32_t za2 = (static_cast<uint32_t>(za) & 0xFFFF) * 0x10001u;
  uint32_t* dst = static_cast<uint32_t*>(out);
  const size_t whole = k / kKr;
  for (size_t r = 0; r < m; ++r) {
    const uint8_t* row = static_cast<const uint8_t*>(a) + r * lda;
    uint32_t* d = dst + 2 * r;
    for (size_t g = 0; g < whole; ++g, d += 2 * m) {
      const uint32_t x = Load32(row + g * kKr);
      const uint32_t p02 = is_uint8 ? __uxtb16(x) : __sxtb16(x);
      const uint32_t p13 = is_uint8 ? __uxtb16(Ror8(x)) : __sxtb16(Ror8(x));
      d[0] = __ssub16(p02, za2);
      d[1] = __ssub16(p13, za2);
    }
    if (whole * kKr < kpad) {  // the last partial group, zeros past k
      int16_t v[4] = {0, 0, 0, 0};
      for (size_t t = 0; whole * kKr + t < k; ++t) {
        const size_t i = whole * kKr + t;
        const int32_t x = is_uint8 ? row[i] : static_cast<int8_t>(row[i]);
        v[t] = static_cast<int16_t>(x - za);
      }
      const int16_t paired[4] = {v[0], v[2], v[1], v[3]};
      std::memcpy(d, paired, sizeof(paired));
    }
    if (row_sums != nullptr) {
      uint32_t sum = 0;
      for (size_t i = 0; i < k; ++i) {
        const int32_t x = is_uint8 ? row[i] : static_cast<int8_t>(row[i]);
        sum += static_cast<uint32_t>(x - za);
      }
      row_sums[r] = static_cast<int32_t>(sum);
    }
  }
}

// One K group of four rows: the weight word, its two SXTB16 pairs, the
// rows' pairs two rows per LDM (r8-r11), 8 SMLAD.
#define LOWBIT_DSP_GROUP \
  "ldr %[w02], [%[w]], #4\n\t" \
  "ldmia %[a]!, {r8, r9, r10, r11}\n\t" \
  "sxtb16 %[w13], %[w02], ror #8\n\t" \
  "sxtb16 %[w02], %[w02]\n\t" \
  "smlad %[c0], %[x0], %[w02], %[c0]\n\t" \
  "smlad %[c0], %[x1], %[w13], %[c0]\n\t" \
  "smlad %[c1], %[x2], %[w02], %[c1]\n\t" \
  "smlad %[c1], %[x3], %[w13], %[c1]\n\t" \
  "ldmia %[a]!, {r8, r9, r10, r11}\n\t" \
  "smlad %[c2], %[x0], %[w02], %[c2]\n\t" \
  "smlad %[c2], %[x1], %[w13], %[c2]\n\t" \
  "smlad %[c3], %[x2], %[w02], %[c3]\n\t" \
  "smlad %[c3], %[x3], %[w13], %[c3]\n\t"

// Four rows, `groups` K groups, two per iteration (plus one).
inline void Rows4(const uint32_t*& a, const uint8_t*& w, size_t groups,
                  int32_t* acc) {
  register uint32_t x0 __asm__("r8");
  register uint32_t x1 __asm__("r9");
  register uint32_t x2 __asm__("r10");
  register uint32_t x3 __asm__("r11");
  int32_t c0 = acc[0], c1 = acc[1], c2 = acc[2], c3 = acc[3];
  uint32_t w02, w13;
  size_t pairs = groups / 2;
  __asm__ volatile(
      "cbz %[n], 2f\n"
      "1:\n\t"
      LOWBIT_DSP_GROUP
      LOWBIT_DSP_GROUP
      "subs %[n], %[n], #1\n\t"
      "bne 1b\n"
      "2:\n"
      : [c0] "+r"(c0), [c1] "+r"(c1), [c2] "+r"(c2), [c3] "+r"(c3),
        [a] "+r"(a), [w] "+r"(w), [n] "+r"(pairs), [w02] "=&r"(w02),
        [w13] "=&r"(w13), [x0] "=&r"(x0), [x1] "=&r"(x1), [x2] "=&r"(x2),
        [x3] "=&r"(x3)
      :
      : "cc", "memory");
  if (groups % 2 != 0) {
    const uint32_t wv = Load32(w);
    w += kKr;
    const uint32_t p02 = __sxtb16(wv), p13 = __sxtb16(Ror8(wv));
    c0 = __smlad(a[0], p02, c0);
    c0 = __smlad(a[1], p13, c0);
    c1 = __smlad(a[2], p02, c1);
    c1 = __smlad(a[3], p13, c1);
    c2 = __smlad(a[4], p02, c2);
    c2 = __smlad(a[5], p13, c2);
    c3 = __smlad(a[6], p02, c3);
    c3 = __smlad(a[7], p13, c3);
    a += 8;
  }
  acc[0] = c0, acc[1] = c1, acc[2] = c2, acc[3] = c3;
}

// One row, four channels at once (a GEMV): each prepared pair feeds 4
// SMLADs.
void Row1x4(const uint32_t* x, const uint8_t* w, size_t block_bytes,
            size_t groups, int32_t* acc) {
  const uint8_t* w1 = w + block_bytes;
  const uint8_t* w2 = w1 + block_bytes;
  const uint8_t* w3 = w2 + block_bytes;
  int32_t c0 = acc[0], c1 = acc[1], c2 = acc[2], c3 = acc[3];
  for (size_t g = 0; g < groups; ++g, x += 2) {
    const uint32_t x02 = x[0], x13 = x[1];
    uint32_t v = Load32(w + g * kKr);
    c0 = __smlad(x02, __sxtb16(v), c0);
    c0 = __smlad(x13, __sxtb16(Ror8(v)), c0);
    v = Load32(w1 + g * kKr);
    c1 = __smlad(x02, __sxtb16(v), c1);
    c1 = __smlad(x13, __sxtb16(Ror8(v)), c1);
    v = Load32(w2 + g * kKr);
    c2 = __smlad(x02, __sxtb16(v), c2);
    c2 = __smlad(x13, __sxtb16(Ror8(v)), c2);
    v = Load32(w3 + g * kKr);
    c3 = __smlad(x02, __sxtb16(v), c3);
    c3 = __smlad(x13, __sxtb16(Ror8(v)), c3);
  }
  acc[0] = c0, acc[1] = c1, acc[2] = c2, acc[3] = c3;
}

void Ukernel(size_t mr, size_t n, size_t k, const void* a, size_t a_stride,
             const int32_t* row_offset, const uint8_t* packed,
             const GemmOutput& out, void* c, size_t ldc) {
  (void)a_stride;  // the rows are interleaved (Prepare)
  const size_t groups = (k + kKr - 1) / kKr;
  const size_t block_bytes = sizeof(int32_t) + groups * kKr;
  const uint32_t* rows = static_cast<const uint32_t*>(a);
  size_t j = 0;
  if (mr == 1) {
    for (; j + 4 <= n; j += 4, packed += 4 * block_bytes) {
      int32_t acc[4];
      for (size_t t = 0; t < 4; ++t) {
        std::memcpy(&acc[t], packed + t * block_bytes, sizeof(int32_t));
      }
      Row1x4(rows, packed + sizeof(int32_t), block_bytes, groups, acc);
      const int32_t offset = row_offset != nullptr ? row_offset[0] : 0;
      for (size_t t = 0; t < 4; ++t) {
        bare::StoreOutput(out, j + t, acc[t] - offset, c, j + t);
      }
    }
  }
  for (; j < n; ++j, packed += block_bytes) {
    int32_t bias;
    std::memcpy(&bias, packed, sizeof(bias));
    const uint8_t* w = packed + sizeof(int32_t);
    int32_t acc[kMr] = {bias, bias, bias, bias};
    if (mr == kMr) {
      const uint32_t* x = rows;
      Rows4(x, w, groups, acc);
    } else {  // 1 to 3 rows: the same products, row by row
      for (size_t g = 0; g < groups; ++g) {
        const uint32_t wv = Load32(w + g * kKr);
        const uint32_t p02 = __sxtb16(wv), p13 = __sxtb16(Ror8(wv));
        for (size_t r = 0; r < mr; ++r) {
          const uint32_t* x = rows + 2 * (g * mr + r);
          acc[r] = __smlad(x[0], p02, acc[r]);
          acc[r] = __smlad(x[1], p13, acc[r]);
        }
      }
    }
    for (size_t i = 0; i < mr; ++i) {
      const int32_t offset = row_offset != nullptr ? row_offset[i] : 0;
      bare::StoreOutput(out, j, acc[i] - offset, c, i * ldc + j);
    }
  }
}

}  // namespace

const McuGemmKernel kQ8Gemm4x1c4Armsimd32 = {
    "lowbit_q8_gemm_ukernel_4x1c4__armsimd32", "armsimd32", kMr,
    GemmLayout{1, kKr, ActFormat::kInt16}, Ukernel, Prepare, false,
    // No SXTB16 form for nibbles yet: int4 weights run the C kernel.
    &kQ8Qc4wGemm2x2c4Scalar};

}  // namespace lowbit

#endif  // __ARM_FEATURE_DSP
