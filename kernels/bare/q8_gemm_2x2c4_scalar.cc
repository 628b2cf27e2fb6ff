// lowbit_q8_gemm_ukernel_2x2c4__scalar and its int4 form
// lowbit_q8_qc4w_gemm_ukernel_2x2c4__scalar: plain C for every Cortex-M (M3
// has no SIMD); the DSP-extension cores run int4 weights here too. int16
// activations (A - za) times int8 weights, 32-bit multiply-accumulate; a 2x2
// tile keeps the 4 accumulators, 2 rows and 2 weights in registers.
#include <cstring>

#include "kernels/bare/mcu_kernel.h"
#include "kernels/bare/prepare.h"
#include "kernels/bare/store-inl.h"

namespace lowbit {
namespace {

constexpr size_t kMr = 2, kNr = 2, kKr = 4;

// Weight t of channel j (0, 1) in a K group: 8-bit weights as packed
// (layout.h), int4 ones in one run of 8 (nibble span 4: byte t holds
// channel 0's k t low, channel 1's high).
template <bool kInt4>
inline int32_t GroupWeight(const uint8_t* group, size_t j, size_t t) {
  if constexpr (kInt4) {
    const int32_t nibble = (j == 0 ? group[t] : group[t] >> 4) & 0xF;
    return nibble - ((nibble & 8) << 1);
  } else {
    return static_cast<int8_t>(group[j * 4 + t]);
  }
}

template <bool kInt4>
void Block(size_t mr, size_t nc, size_t k, const void* a, size_t a_stride,
           const int32_t* row_offset, const uint8_t* block,
           const GemmOutput& out, size_t n0, void* c, size_t ldc) {
  const size_t kgroups = (k + kKr - 1) / kKr;
  const int32_t* bias = reinterpret_cast<const int32_t*>(block);
  const uint8_t* w = block + kNr * sizeof(int32_t);
  for (size_t i0 = 0; i0 < mr; i0 += kMr) {
    const size_t rows = mr - i0 < kMr ? mr - i0 : kMr;
    const int16_t* a0 = static_cast<const int16_t*>(a) + i0 * a_stride;
    const int16_t* a1 = a0 + (rows > 1 ? a_stride : 0);
    int32_t c00 = bias[0], c01 = bias[1], c10 = bias[0], c11 = bias[1];
    const uint8_t* wp = w;
    for (size_t g = 0; g < kgroups; ++g) {
      for (size_t t = 0; t < kKr; ++t) {
        const int32_t x0 = a0[t], x1 = a1[t];
        const int32_t w0 = GroupWeight<kInt4>(wp, 0, t);
        const int32_t w1 = GroupWeight<kInt4>(wp, 1, t);
        c00 += x0 * w0;
        c01 += x0 * w1;
        c10 += x1 * w0;
        c11 += x1 * w1;
      }
      a0 += kKr;
      a1 += kKr;
      wp += kInt4 ? kNr * kKr / 2 : kNr * kKr;
    }
    const int32_t acc[kMr][kNr] = {{c00, c01}, {c10, c11}};
    for (size_t i = 0; i < rows; ++i) {
      const int32_t offset = row_offset != nullptr ? row_offset[i0 + i] : 0;
      for (size_t j = 0; j < nc; ++j) {
        bare::StoreOutput(out, n0 + j, acc[i][j] - offset, c,
                          (i0 + i) * ldc + j);
      }
    }
  }
}

template <bool kInt4>
void Ukernel(size_t mr, size_t n, size_t k, const void* a, size_t a_stride,
             const int32_t* row_offset, const uint8_t* packed,
             const GemmOutput& out, void* c, size_t ldc) {
  const size_t block_bytes =
      GemmLayout{kNr, kKr, ActFormat::kInt16, kInt4 ? size_t{4} : 0}.BlockBytes(
          k);
  const size_t c_elem = out.requant == kRawInt32 ? 4 : 1;
  for (size_t n0 = 0; n0 < n; n0 += kNr, packed += block_bytes) {
    Block<kInt4>(mr, n - n0 < kNr ? n - n0 : kNr, k, a, a_stride, row_offset,
                 packed, out, n0, static_cast<uint8_t*>(c) + n0 * c_elem, ldc);
  }
}

}  // namespace

const McuGemmKernel kQ8Qc4wGemm2x2c4Scalar = {
    "lowbit_q8_qc4w_gemm_ukernel_2x2c4__scalar",
    "scalar",
    kMr,
    GemmLayout{kNr, kKr, ActFormat::kInt16, 4},
    Ukernel<true>,
    bare::PrepareInt16};

const McuGemmKernel kQ8Gemm2x2c4Scalar = {
    "lowbit_q8_gemm_ukernel_2x2c4__scalar",
    "scalar",
    kMr,
    GemmLayout{kNr, kKr, ActFormat::kInt16},
    Ukernel<false>,
    bare::PrepareInt16,
    false,
    &kQ8Qc4wGemm2x2c4Scalar};

}  // namespace lowbit
