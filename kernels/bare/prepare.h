// Activations into the bare-metal kernels' forms (PrepareActivationsFn):
// rows padded with zeros to kpad, row sums of A - za when asked.
#ifndef LOWBIT_KERNELS_BARE_PREPARE_H_
#define LOWBIT_KERNELS_BARE_PREPARE_H_

#include <cstddef>
#include <cstdint>

#include "lowbit/lowbit.h"

namespace lowbit {
namespace bare {

// kInt16: A - za, in k order.
void PrepareInt16(lowbit_dtype type, const void* a, size_t lda, int32_t za,
                  size_t m, size_t k, size_t kpad, void* out,
                  int32_t* row_sums);
// kInt8: A for int8 A, A ^ 0x80 for uint8 A.
void PrepareInt8(lowbit_dtype type, const void* a, size_t lda, int32_t za,
                 size_t m, size_t k, size_t kpad, void* out,
                 int32_t* row_sums);

}  // namespace bare
}  // namespace lowbit

#endif  // LOWBIT_KERNELS_BARE_PREPARE_H_
