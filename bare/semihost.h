// Arm semihosting (the debugger's console and exit): how a bare-metal image
// under qemu-system-arm -semihosting prints and reports its exit status.
#ifndef LOWBIT_BARE_SEMIHOST_H_
#define LOWBIT_BARE_SEMIHOST_H_

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

// Writes len bytes to the host's stdout.
void semihost_write(const char* text, size_t len);
// Ends the emulation with this exit status (0: success).
void semihost_exit(int status) __attribute__((noreturn));

#ifdef __cplusplus
}
#endif

#endif  // LOWBIT_BARE_SEMIHOST_H_
