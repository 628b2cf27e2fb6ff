// Status plus a per-thread message, for the C API's lowbit_last_error().
#ifndef LOWBIT_KERNELS_OPERATOR_ERROR_H_
#define LOWBIT_KERNELS_OPERATOR_ERROR_H_

#include "lowbit/lowbit.h"

namespace lowbit {

// Records the message (printf format) for this thread and returns status.
lowbit_status Fail(lowbit_status status, const char* format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
// Clears the message and returns LOWBIT_OK.
lowbit_status Succeed();

}  // namespace lowbit

#endif  // LOWBIT_KERNELS_OPERATOR_ERROR_H_
