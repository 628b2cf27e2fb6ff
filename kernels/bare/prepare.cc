#include "kernels/bare/prepare.h"

namespace lowbit {
namespace bare {
namespace {

int32_t At(lowbit_dtype type, const void* a, size_t index) {
  return type == LOWBIT_DTYPE_UINT8 ? static_cast<const uint8_t*>(a)[index]
                                    : static_cast<const int8_t*>(a)[index];
}

void Int16Rows(lowbit_dtype type, const void* a, size_t lda, int32_t za,
               size_t m, size_t k, size_t kpad, int16_t* out,
               int32_t* row_sums) {
  for (size_t i = 0; i < m; ++i) {
    int16_t* row = out + i * kpad;
    uint32_t sum = 0;
    for (size_t j = 0; j < kpad; ++j) {
      const int32_t x = j < k ? At(type, a, i * lda + j) - za : 0;
      row[j] = static_cast<int16_t>(x);
      sum += static_cast<uint32_t>(x);
    }
    if (row_sums != nullptr) row_sums[i] = static_cast<int32_t>(sum);
  }
}

}  // namespace

void PrepareInt16(lowbit_dtype type, const void* a, size_t lda, int32_t za,
                  size_t m, size_t k, size_t kpad, void* out,
                  int32_t* row_sums) {
  Int16Rows(type, a, lda, za, m, k, kpad, static_cast<int16_t*>(out),
                   row_sums);
}

void PrepareInt8(lowbit_dtype type, const void* a, size_t lda, int32_t za,
                 size_t m, size_t k, size_t kpad, void* out,
                 int32_t* row_sums) {
  const uint8_t flip = type == LOWBIT_DTYPE_UINT8 ? 0x80 : 0;
  for (size_t i = 0; i < m; ++i) {
    const uint8_t* src = static_cast<const uint8_t*>(a) + i * lda;
    uint8_t* row = static_cast<uint8_t*>(out) + i * kpad;
    uint32_t sum = 0;
    for (size_t j = 0; j < k; ++j) {
      row[j] = src[j] ^ flip;
      sum += static_cast<uint32_t>(At(type, src, j) - za);
    }
    for (size_t j = k; j < kpad; ++j) row[j] = 0;
    if (row_sums != nullptr) row_sums[i] = static_cast<int32_t>(sum);
  }
}

}  // namespace bare
}  // namespace lowbit
