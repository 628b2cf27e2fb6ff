// GEMM with 16-bit activations (lowbit.h: TFLite's 16x8 mode and int16 x
// int16), behind lowbit_gemm_t: lowbit_gemm_pack hands INT16 inputs here.
#ifndef LOWBIT_KERNELS_OPERATOR_GEMM16_OP_H_
#define LOWBIT_KERNELS_OPERATOR_GEMM16_OP_H_

#include <cstddef>
#include <cstdint>

#include "kernels/gemm/ukernel.h"
#include "kernels/gemm16/epilogue16.h"
#include "kernels/operator/aligned_vector.h"
#include "kernels/operator/gemm_params.h"
#include "lowbit/lowbit.h"

struct pthreadpool;

namespace lowbit {

struct Gemm16;

// Validates p (input_type INT16) and packs it for `kernel`, which must read
// int16 activations (Int16KernelFor gives one for any kernel).
lowbit_status PackGemm16(const lowbit_gemm_params& p, const GemmKernel& kernel,
                         Gemm16** out, const char* fn);
void DestroyGemm16(Gemm16* g);


// Gemm16Pairs's arrays for `count` channels (rounded up to whole pairs; a
// missing odd channel gets neutral constants).
struct Gemm16PairArrays {
  AlignedVector<int64_t> rm_even, rm_odd;
  AlignedVector<uint64_t> t_even, t_odd, round_even, round_odd, off_even,
      off_odd;
  void Build(const int64_t* rm, const uint64_t* t, size_t count);
  Gemm16Pairs At(size_t channel) const;  // channel even
};

// Whether the narrow form serves a channel: |bias| + 32768 * sum |W| fits
// int32 (the exact sum with its bias) and t >= 15.
inline bool Gemm16NarrowChannel(int64_t bias, int64_t abs_weight_sum,
                                uint64_t t) {
  constexpr int64_t kMax = 2147483647;
  if (t < 15 || bias < -kMax || bias > kMax || abs_weight_sum > kMax) {
    return false;
  }
  return (bias < 0 ? -bias : bias) + 32768 * abs_weight_sum <= kMax;
}

// TFLite's reduced 16-bit multiplier of QuantizeMultiplier's m, and the
// right shift 15 - s that goes with it (lowbit.h).
inline int64_t ReducedMultiplier(int32_t m) {
  return m < 0x7FFF0000 ? (int64_t{m} + (1 << 15)) >> 16 : 0x7FFF;
}
const GemmKernel& Gemm16KernelOf(const Gemm16& g);
// Bytes the handle keeps (GemmHeldBytes).
size_t Gemm16HeldBytes(const Gemm16& g);

// c: int16 (raw = false: requantized) or int64 (raw = true) elements, row
// stride ldc; a: int16, row stride lda.
lowbit_status RunGemm16(const Gemm16& g, size_t m, const void* a, size_t lda,
                        void* c, size_t ldc, bool raw, pthreadpool* pool,
                        const char* fn);

// Elements of A per K part whatever the weights: every int32 partial sum
// of a part is exact (|A| <= 2^15, |W| <= 2^7 for int8 weights and both
// planes of int16 ones: 511 * 2^22 < 2^31). Packing lengthens the parts
// while the actual weights allow (32768 * sum |W| over each part of each
// channel and plane below 2^31): random int8 weights take about twice as
// many.
constexpr size_t kGemm16PartElems = 511;

// Replaces the K part length (in K groups; 0 restores it), so tests reach
// several parts with small K. Not thread-safe against running GEMMs.
void SetGemm16PartGroupsForTesting(size_t groups);

}  // namespace lowbit

#endif  // LOWBIT_KERNELS_OPERATOR_GEMM16_OP_H_
