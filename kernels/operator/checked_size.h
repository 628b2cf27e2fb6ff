// Size arithmetic that reports overflow instead of wrapping: the operators'
// checks of caller-given sizes and strides.
#ifndef LOWBIT_KERNELS_OPERATOR_CHECKED_SIZE_H_
#define LOWBIT_KERNELS_OPERATOR_CHECKED_SIZE_H_

#include <cstddef>

namespace lowbit {

inline bool MulOk(size_t a, size_t b, size_t* r) {
  return !__builtin_mul_overflow(a, b, r);
}
inline bool AddOk(size_t a, size_t b, size_t* r) {
  return !__builtin_add_overflow(a, b, r);
}

// Bytes spanned by rows x cols with row stride `stride` (elements of size
// `elem`), or false on overflow. rows >= 1.
inline bool SpanOk(size_t rows, size_t cols, size_t stride, size_t elem) {
  size_t span = 0;
  return MulOk(rows - 1, stride, &span) && AddOk(span, cols, &span) &&
         MulOk(span, elem, &span);
}

}  // namespace lowbit

#endif  // LOWBIT_KERNELS_OPERATOR_CHECKED_SIZE_H_
