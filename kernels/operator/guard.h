// No exception leaves a C entry point (lowbit.h): each runs its body through
// Guarded, which turns whatever escapes into a status and a message.
#ifndef LOWBIT_KERNELS_OPERATOR_GUARD_H_
#define LOWBIT_KERNELS_OPERATOR_GUARD_H_

#include <exception>
#include <new>
#include <stdexcept>

#include "kernels/operator/error.h"
#include "lowbit/lowbit.h"

namespace lowbit {

template <class Body>
lowbit_status Guarded(const char* fn, const Body& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return Fail(LOWBIT_ERROR_OUT_OF_MEMORY, "%s: out of memory", fn);
  } catch (const std::length_error& e) {
    return Fail(LOWBIT_ERROR_INVALID_SIZE, "%s: size too large (%s)", fn,
                e.what());
  } catch (const std::exception& e) {
    return Fail(LOWBIT_ERROR_INTERNAL, "%s: %s", fn, e.what());
  } catch (...) {
    return Fail(LOWBIT_ERROR_INTERNAL, "%s: unknown exception", fn);
  }
}

}  // namespace lowbit

#endif  // LOWBIT_KERNELS_OPERATOR_GUARD_H_
