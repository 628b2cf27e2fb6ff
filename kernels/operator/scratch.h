// Per-thread scratch memory of the operators.
#ifndef LOWBIT_KERNELS_OPERATOR_SCRATCH_H_
#define LOWBIT_KERNELS_OPERATOR_SCRATCH_H_

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <memory>

namespace lowbit {

// How many times scratch memory was allocated in this process: a second run
// of the same shape must not move it (tests).
std::atomic<size_t>& ScratchAllocations();

// Uninitialised memory that grows on demand and is reused. Allocation
// failure is a false return, never an exception (nor, under ASan with
// allocator_may_return_null, an abort: ASan's throwing operator new aborts).
template <typename T>
class ScratchArray {
 public:
  ~ScratchArray() { std::free(data_); }
  bool Reserve(size_t count) {
    if (count <= capacity_) return true;
    std::free(data_);
    capacity_ = 0;
    // On a cache line, as the kernels' vector loads of it expect; the
    // size rounded up to whole lines, as aligned_alloc requires.
    if (count > (static_cast<size_t>(-1) - 63) / sizeof(T)) return false;
    const size_t bytes = (count * sizeof(T) + 63) & ~size_t{63};
    data_ = static_cast<T*>(std::aligned_alloc(64, bytes));
    if (data_ == nullptr) return false;
    ScratchAllocations().fetch_add(1, std::memory_order_relaxed);
    std::uninitialized_default_construct_n(data_, count);  // trivial types
    capacity_ = count;
    return true;
  }
  T* data() const { return data_; }

 private:
  T* data_ = nullptr;
  size_t capacity_ = 0;
};

}  // namespace lowbit

#endif  // LOWBIT_KERNELS_OPERATOR_SCRATCH_H_
