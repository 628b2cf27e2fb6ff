// Dynamically quantized GEMM's vector steps (fp32 rows to int8, and the
// float combination of per-block int32 sums), each compiled for every
// Highway target and dispatched to the best one. Every step is written in
// single IEEE operations (no fused multiply-add, ties-to-even conversions),
// so each target, and kernels/reference/dq_gemm.cc, gives the same bits.
#ifndef LOWBIT_KERNELS_DQ_QD8_H_
#define LOWBIT_KERNELS_DQ_QD8_H_

#include <cstddef>
#include <cstdint>

namespace lowbit {

// One row's qd8 parameters from its range (lowbit.h: lowbit_dq_gemm_params).
struct Qd8Row {
  float scale;
  float inv_scale;
  int32_t zero_point;
};

// lo = min(0, min a), hi = max(0, max a). false: a holds a NaN or an
// infinity, or hi - lo overflows.
bool Qd8Range(const float* a, size_t k, float* lo, float* hi);
Qd8Row Qd8FromRange(float lo, float hi);

// q[i] = clamp(rne(a[i] * inv_scale) + zero_point, -128, 127), each byte
// XORed with `flip` (0x80: the unsigned form A + 128 vpdpbusd reads).
void Qd8Quantize(const float* a, size_t k, const Qd8Row& row, int8_t* q,
                 uint8_t flip = 0);

// For rows i < rows, columns j < cols (row strides `stride`):
//   d[i][j] = d0 + float(raw[i][j] - r[i] * wsum[j]) * wscale[j],
// d0 = 0 when first, else d[i][j]; the int32 difference wraps. r nullptr:
// no correction (raw is already the block's sum; wsum is not read).
void Qd8AccumulateBlock(const int32_t* raw, size_t rows, size_t cols,
                        size_t stride, const int32_t* r, const int32_t* wsum,
                        const float* wscale, bool first, float* d);

// c[i][j] = clamp(d'[i][j] * scale[i] + bias[j], lo, hi), where the clamp
// is (y < lo ? lo : y), then (y > hi ? hi : y): a NaN stays a NaN, and
// d' = d - zp[i] * z[j] (the blockwise zero-point term, lowbit.h), or d
// when z is nullptr.
void Qd8Finish(const float* d, size_t rows, size_t cols, size_t d_stride,
               const float* scale, const float* zp, const float* z,
               const float* bias, float lo, float hi, float* c, size_t ldc);

}  // namespace lowbit

#endif  // LOWBIT_KERNELS_DQ_QD8_H_
