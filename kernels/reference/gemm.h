// Scalar GEMM and packer: the specification. Inputs are assumed valid (the
// operator layer validates); accumulation is exact in int64.
#ifndef LOWBIT_KERNELS_REFERENCE_GEMM_H_
#define LOWBIT_KERNELS_REFERENCE_GEMM_H_

#include <cstddef>
#include <cstdint>

#include "kernels/gemm/layout.h"
#include "lowbit/lowbit.h"

namespace lowbit {
namespace ref {

// Element `index` of an array of `type`: int8, uint8, or int4 (nibble
// `index`, low nibble first).
int32_t Element(lowbit_dtype type, const void* base, size_t index);

// c[m][n] = bias[n] + sum_k (A[m][k] - za) * (W[n][k] - zw).
void GemmAccumulators(const lowbit_gemm_params& p, size_t m, const void* a,
                      size_t lda, int32_t* c, size_t ldc);

// The requantized output of p.output_type, with p.requant_multipliers when
// given.
void Gemm(const lowbit_gemm_params& p, size_t m, const void* a, size_t lda,
          void* c, size_t ldc);

// Requantizes m rows of p.n accumulators (row stride acc_stride) into
// p.output_type with p's scales or multipliers.
void Requantize(const lowbit_gemm_params& p, size_t m, const int32_t* acc,
                size_t acc_stride, void* c, size_t ldc);

// The packed bytes of layout.h, written in output order.
void PackWeights(const lowbit_gemm_params& p, const GemmLayout& layout,
                 uint8_t* packed);

}  // namespace ref
}  // namespace lowbit

#endif  // LOWBIT_KERNELS_REFERENCE_GEMM_H_
