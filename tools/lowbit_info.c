/* lowbit-info: prints lowbit_info() (CPU features, Highway targets, the
 * kernel table and the kernels dispatch chooses). Exits 1 when LOWBIT_ISA
 * asks for something this build or CPU cannot run. */
#include <stdio.h>
#include <string.h>

#include "lowbit/lowbit.h"

int main(void) {
  const char* info = lowbit_info();
  fputs(info, stdout);
  return strstr(info, ": error: ") != NULL ? 1 : 0;
}
