// The loops of the quantization toolkit (kernels/operator/quantize.cc),
// each element defined as lowbit.h says. Two forms with the same bits: the
// scalar *Ref ones (the definition, and all a bare-metal build has) and the
// vector ones (Highway, the best target the CPU has; quantize.cc). Callers
// have checked every argument.
#ifndef LOWBIT_KERNELS_QUANTIZE_QUANTIZE_H_
#define LOWBIT_KERNELS_QUANTIZE_QUANTIZE_H_

#include <cstddef>
#include <cstdint>

#include "lowbit/lowbit.h"

namespace lowbit {

// What a quantized element is: q = clamp(round_half_away(x / scale),
// lo - zero_point, hi - zero_point) + zero_point, stored as `type` (INT8,
// UINT8, INT16, or INT4 nibbles packed low first).
struct QuantizeSpec {
  float scale;
  int32_t zero_point;
  int32_t lo, hi;
  lowbit_dtype type;
};

// SQNR's sums: element i adds to partial sum i % kSqnrLanes in index order,
// and the partial sums are added as a balanced tree (SqnrTotal), so a vector
// of any width up to 8 doubles gives the bits of the scalar loop.
constexpr size_t kSqnrLanes = 8;
struct SqnrSums {
  double signal[kSqnrLanes];
  double noise[kSqnrLanes];
};
double SqnrTotal(const double* partial);

// False when a value is NaN or infinite.
bool AllFiniteRef(const float* x, size_t n);
bool AllFinite(const float* x, size_t n);
// Min and max of n >= 1 values; false (and nothing stored) when one is NaN
// or infinite.
bool MinMaxRef(const float* x, size_t n, float* lo, float* hi);
bool MinMax(const float* x, size_t n, float* lo, float* hi);
// max |x| of finite values (0 for n = 0).
float MaxAbsRef(const float* x, size_t n);
float MaxAbs(const float* x, size_t n);
// q as QuantizeSpec says; INT4 bytes are written whole (an odd n leaves the
// last byte's high nibble 0).
void QuantizeRef(const float* x, size_t n, const QuantizeSpec& s, void* q);
void Quantize(const float* x, size_t n, const QuantizeSpec& s, void* q);
// x[i] = float(q[i] - zero_point) * scale.
void DequantizeRef(const void* q, size_t n, lowbit_dtype type, float scale,
                   int32_t zero_point, float* x);
void Dequantize(const void* q, size_t n, lowbit_dtype type, float scale,
                int32_t zero_point, float* x);
// signal: x^2, noise: (x - dequantized q)^2, in double.
void SqnrSumsRef(const float* x, const void* q, size_t n, lowbit_dtype type,
                 float scale, int32_t zero_point, SqnrSums* sums);
void SqnrSumsOf(const float* x, const void* q, size_t n, lowbit_dtype type,
                float scale, int32_t zero_point, SqnrSums* sums);
// w[i] *= s.
void ScaleRef(float* w, size_t n, float s);
void Scale(float* w, size_t n, float s);

}  // namespace lowbit

#endif  // LOWBIT_KERNELS_QUANTIZE_QUANTIZE_H_
