// Vectors whose data starts on a cache line. Kernels read packed weights
// and per-channel parameters as whole 64-byte vectors: from std::vector's
// 16-byte alignment every such load straddles two lines (measured on
// mnv2-dw-14: 149 vs 189 GOPS, the same code with the weights 16 bytes off
// a line).
#ifndef LOWBIT_KERNELS_OPERATOR_ALIGNED_VECTOR_H_
#define LOWBIT_KERNELS_OPERATOR_ALIGNED_VECTOR_H_

#include <cstddef>
#include <new>
#include <vector>

namespace lowbit {

constexpr size_t kCacheLine = 64;

template <typename T>
struct CacheLineAllocator {
  using value_type = T;
  CacheLineAllocator() = default;
  template <typename U>
  CacheLineAllocator(const CacheLineAllocator<U>&) noexcept {}  // NOLINT
  T* allocate(size_t n) {
    if (n > static_cast<size_t>(-1) / sizeof(T)) throw std::bad_alloc();
    return static_cast<T*>(
        ::operator new(n * sizeof(T), std::align_val_t{kCacheLine}));
  }
  void deallocate(T* p, size_t) noexcept {
    ::operator delete(p, std::align_val_t{kCacheLine});
  }
  template <typename U>
  bool operator==(const CacheLineAllocator<U>&) const noexcept {
    return true;
  }
  template <typename U>
  bool operator!=(const CacheLineAllocator<U>&) const noexcept {
    return false;
  }
};

template <typename T>
using AlignedVector = std::vector<T, CacheLineAllocator<T>>;

}  // namespace lowbit

#endif  // LOWBIT_KERNELS_OPERATOR_ALIGNED_VECTOR_H_
