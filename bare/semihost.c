// Semihosting calls: `bkpt 0xAB` with the operation in r0 and its argument
// block in r1 (Arm's semihosting specification, v7-M and v8-M).
#include "bare/semihost.h"

#include <stdint.h>

enum {
  kSysOpen = 0x01,
  kSysWrite = 0x05,
  kSysExitExtended = 0x20,
  kSysExit = 0x18,
};

static int semihost_call(int op, void* arg) {
  register int r0 __asm__("r0") = op;
  register void* r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

static int g_stdout = -1;

void semihost_write(const char* text, size_t len) {
  if (g_stdout < 0) {
    // ":tt" opened for writing ("w", mode 4) is the host's stdout.
    uintptr_t open_args[3] = {(uintptr_t) ":tt", 4, 3};
    g_stdout = semihost_call(kSysOpen, open_args);
  }
  uintptr_t args[3] = {(uintptr_t)g_stdout, (uintptr_t)text, len};
  semihost_call(kSysWrite, args);
}

void semihost_exit(int status) {
  // SYS_EXIT on 32-bit Arm takes the reason in r1: ADP_Stopped_ApplicationExit
  // (0x20026) exits with status 0, anything else with status 1.
  // SYS_EXIT_EXTENDED carries the status itself.
  uintptr_t args[2] = {0x20026, (uintptr_t)status};
  semihost_call(kSysExitExtended, args);
  semihost_call(kSysExit, (void*)(uintptr_t)(status == 0 ? 0x20026 : 0x20024));
  for (;;) {
  }
}
