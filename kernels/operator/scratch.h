// Per-thread scratch memory of the operators.
#ifndef LOWBIT_KERNELS_OPERATOR_SCRATCH_H_
#define LOWBIT_KERNELS_OPERATOR_SCRATCH_H_

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <memory>
#include <type_traits>

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

// Scratch for the tasks of one pool call: a slot per thread that may run a
// task at once, which a task claims for its duration (busy flags), all
// allocated before the pool runs, so that no task can fail. Callers keep
// one per thread (thread_local) and reuse it across calls.
class TaskSlots {
 public:
  // false: out of memory. threads: the pool's (1 without one).
  bool Reserve(size_t threads, size_t slot_bytes) {
    bytes_ = (slot_bytes + 63) / 64 * 64;
    if (threads == 0 || bytes_ > static_cast<size_t>(-1) / threads ||
        !mem_.Reserve(threads * bytes_) || !busy_.Reserve(threads)) {
      return false;
    }
    for (size_t i = 0; i < threads; ++i) {
      busy_.data()[i].store(false, std::memory_order_relaxed);
    }
    count_ = threads;
    return true;
  }
  // A free slot's memory (cache-line aligned); its index in *slot.
  uint8_t* Claim(size_t* slot) const {
    size_t i = 0;
    while (busy_.data()[i].exchange(true, std::memory_order_acquire)) {
      i = (i + 1) % count_;
    }
    *slot = i;
    return mem_.data() + i * bytes_;
  }
  void Release(size_t slot) const {
    busy_.data()[slot].store(false, std::memory_order_release);
  }

 private:
  ScratchArray<uint8_t> mem_;
  ScratchArray<std::atomic<bool>> busy_;
  size_t bytes_ = 0, count_ = 0;
};
static_assert(std::is_trivially_destructible<std::atomic<bool>>::value,
              "ScratchArray frees without destroying");

}  // namespace lowbit

#endif  // LOWBIT_KERNELS_OPERATOR_SCRATCH_H_
