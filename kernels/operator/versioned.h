// Parameter structs that grow at their end (lowbit.h): the caller's
// struct_size says how many bytes it has.
#ifndef LOWBIT_KERNELS_OPERATOR_VERSIONED_H_
#define LOWBIT_KERNELS_OPERATOR_VERSIONED_H_

#include <algorithm>
#include <cstddef>
#include <cstring>

#include "kernels/operator/error.h"
#include "lowbit/lowbit.h"

namespace lowbit {

// No struct is this large; a bigger struct_size is uninitialised memory.
constexpr size_t kMaxStructSize = 4096;

inline lowbit_status CheckStructSize(size_t size, size_t min_size,
                                     const char* fn) {
  if (size < min_size || size > kMaxStructSize) {
    return Fail(LOWBIT_ERROR_INVALID_ARGUMENT,
                "%s: struct_size %zu is not the size of any version of the "
                "struct (%zu to %zu bytes); fill it with its _init function",
                fn, size, min_size, kMaxStructSize);
  }
  return LOWBIT_OK;
}

// Copies the caller's struct (any version from min_size bytes on) into the
// current layout: fields the caller lacks are zero, which is their default.
// A newer caller's fields that this library does not know must be zero.
template <class T>
lowbit_status ReadVersioned(const T* in, size_t min_size, T* out,
                            const char* fn) {
  size_t size = 0;
  std::memcpy(&size, in, sizeof(size));
  const lowbit_status status = CheckStructSize(size, min_size, fn);
  if (status != LOWBIT_OK) return status;
  const unsigned char* bytes = reinterpret_cast<const unsigned char*>(in);
  for (size_t i = sizeof(T); i < size; ++i) {
    if (bytes[i] != 0) {
      return Fail(LOWBIT_ERROR_UNSUPPORTED,
                  "%s: the struct (%zu bytes) sets fields unknown to lowbit "
                  "%s (byte %zu; it knows %zu bytes): built against a newer "
                  "header?",
                  fn, size, LOWBIT_VERSION_STRING, i, sizeof(T));
    }
  }
  *out = T{};
  std::memcpy(static_cast<void*>(out), in, std::min(size, sizeof(T)));
  out->struct_size = sizeof(T);
  return LOWBIT_OK;
}

// The *_init_sized functions: writes `defaults` into the caller's
// struct_size bytes (zero beyond what this library knows).
template <class T>
lowbit_status InitVersioned(T* out, size_t size, size_t min_size,
                            const T& defaults, const char* fn) {
  if (out == nullptr) {
    return Fail(LOWBIT_ERROR_NULL_POINTER, "%s: params is NULL", fn);
  }
  const lowbit_status status = CheckStructSize(size, min_size, fn);
  if (status != LOWBIT_OK) return status;
  unsigned char* bytes = reinterpret_cast<unsigned char*>(out);
  std::memcpy(bytes, &defaults, std::min(size, sizeof(T)));
  if (size > sizeof(T)) std::memset(bytes + sizeof(T), 0, size - sizeof(T));
  std::memcpy(bytes, &size, sizeof(size));  // struct_size comes first
  return Succeed();
}

}  // namespace lowbit

#endif  // LOWBIT_KERNELS_OPERATOR_VERSIONED_H_
