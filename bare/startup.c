// Reset handler, vector table and the C library's system calls for lowbit's
// bare-metal images (tests, counts, examples) on Cortex-M under
// qemu-system-arm. Not part of the library: an embedding firmware has its
// own.
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "bare/semihost.h"
#include "bare/systick.h"

extern uint32_t __data_load[], __data_start[], __data_end[];
extern uint32_t __bss_start[], __bss_end[];
extern uint32_t __stack_top[];
extern char __heap_start[], __heap_end[];
extern void (*__init_array_start[])(void);
extern void (*__init_array_end[])(void);

int main(void);

#define REG(address) (*(volatile uint32_t*)(address))

static void Fault(const char* what) {
  semihost_write(what, strlen(what));
  semihost_write(": fault\n", 8);
  semihost_exit(3);
}
static void HardFault(void) { Fault("HardFault"); }
static void MemManage(void) { Fault("MemManage"); }
static void BusFault(void) { Fault("BusFault"); }
static void UsageFault(void) { Fault("UsageFault"); }
static void Unexpected(void) { Fault("unexpected exception"); }

__attribute__((noreturn)) void Reset(void) {
  // CP10 and CP11 (the FPU and, on v8.1-M, MVE): full access, before any
  // floating-point or vector instruction, which the C library may contain.
  REG(0xE000ED88) |= 0xFu << 20;
  __asm__ volatile("dsb\n\tisb" ::: "memory");
  // MemManage, BusFault and UsageFault handlers (SHCSR): without them a bad
  // access escalates to a HardFault, and divide by zero is not trapped.
  REG(0xE000ED24) |= 7u << 16;
  REG(0xE000ED14) |= 1u << 4;  // CCR.DIV_0_TRP
  for (uint32_t *src = __data_load, *dst = __data_start; dst < __data_end;) {
    *dst++ = *src++;
  }
  for (uint32_t* dst = __bss_start; dst < __bss_end;) *dst++ = 0;
  for (void (**f)(void) = __init_array_start; f < __init_array_end; ++f) {
    (*f)();
  }
  semihost_exit(main());
}

__attribute__((section(".vectors"), used)) void (*const g_vectors[16])(void) = {
    (void (*)(void))__stack_top, Reset, Unexpected, HardFault, MemManage,
    BusFault, UsageFault, Unexpected, Unexpected, Unexpected, Unexpected,
    Unexpected, Unexpected, Unexpected, Unexpected, SysTickHandler,
};

// newlib's system calls: stdout and stderr go to semihosting, the heap
// (malloc, only where an image calls it: the library's packing) grows
// into its linker-script region.
int _write(int fd, const char* buf, int len) {
  if (fd != 1 && fd != 2) {
    errno = EBADF;
    return -1;
  }
  semihost_write(buf, (size_t)len);
  return len;
}

void* _sbrk(ptrdiff_t increment) {
  static char* brk = __heap_start;
  if (increment < 0 || __heap_end - brk < increment) {
    errno = ENOMEM;
    return (void*)-1;
  }
  char* old = brk;
  brk += increment;
  return old;
}

void _exit(int status) { semihost_exit(status); }
int _close(int fd) { (void)fd; return -1; }
int _read(int fd, char* buf, int len) { (void)fd; (void)buf; (void)len; return 0; }
int _lseek(int fd, int offset, int whence) {
  (void)fd; (void)offset; (void)whence;
  return 0;
}
int _fstat(int fd, struct stat* st) {
  (void)fd;
  st->st_mode = S_IFCHR;
  return 0;
}
int _isatty(int fd) { return fd <= 2; }
int _kill(int pid, int sig) { (void)pid; (void)sig; errno = EINVAL; return -1; }
int _getpid(void) { return 1; }
