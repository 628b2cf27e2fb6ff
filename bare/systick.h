// Counting instructions with SysTick under qemu's -icount: the virtual clock
// advances 2^shift ns per instruction, SysTick counts processor clock
// ticks of that clock, so ticks around a call are proportional to the
// instructions it executed (README, "Cortex-M"). Deterministic: two runs
// count the same.
#ifndef LOWBIT_BARE_SYSTICK_H_
#define LOWBIT_BARE_SYSTICK_H_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// Starts SysTick free-running from its 24-bit reload, counting wraps in
// the interrupt.
void systick_start(void);
// Processor clock ticks since systick_start (64-bit through the wraps).
uint64_t systick_ticks(void);
void SysTickHandler(void);

#ifdef __cplusplus
}
#endif

#endif  // LOWBIT_BARE_SYSTICK_H_
