// Scalar dynamically quantized GEMM (fp32 in, fp32 out): the specification
// of lowbit_dq_gemm_* (lowbit.h) and of the row quantization
// lowbit_quantize_qd8 exposes. Inputs are assumed valid.
#ifndef LOWBIT_KERNELS_REFERENCE_DQ_GEMM_H_
#define LOWBIT_KERNELS_REFERENCE_DQ_GEMM_H_

#include <cstddef>
#include <cstdint>

#include "kernels/dq/qd8.h"
#include "lowbit/lowbit.h"

namespace lowbit {
namespace ref {

// The parameters of a row of k finite floats (DESIGN.md §2).
Qd8Row Qd8Params(const float* a, size_t k);

// Quantizes a row with its parameters.
void Qd8Quantize(const float* a, size_t k, const Qd8Row& row, int8_t* q);

// Blockwise weights (block_size != 0): channel n's zero-point term
// C[n] = sum over blocks g, in order from 0, of float(sum of the block's
// weights) * weight_scale[n][g].
float DqZeroPointTerm(const lowbit_dq_gemm_params& p, size_t n);

// c[m][n] for p (weights, block size, scales, bias, clamp), rows of k
// finite floats.
void DqGemm(const lowbit_dq_gemm_params& p, size_t m, const float* a,
            size_t lda, float* c, size_t ldc);

}  // namespace ref
}  // namespace lowbit

#endif  // LOWBIT_KERNELS_REFERENCE_DQ_GEMM_H_
