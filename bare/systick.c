#include "bare/systick.h"

#define REG(address) (*(volatile uint32_t*)(address))
#define SYST_CSR REG(0xE000E010)
#define SYST_RVR REG(0xE000E014)
#define SYST_CVR REG(0xE000E018)

enum { kReload = 0xFFFFFF };

static volatile uint32_t g_wraps;

void SysTickHandler(void) { ++g_wraps; }

void systick_start(void) {
  SYST_CSR = 0;
  SYST_RVR = kReload;
  SYST_CVR = 0;
  g_wraps = 0;
  SYST_CSR = 7;  // processor clock, interrupt on wrap, enabled
  // The written 0 reloads on the first tick: count from the reload.
  while (SYST_CVR == 0) {
  }
}

uint64_t systick_ticks(void) {
  uint32_t wraps, value;
  do {  // a wrap between the two reads shows as a changed count
    wraps = g_wraps;
    value = SYST_CVR;
  } while (wraps != g_wraps);
  // The interrupt comes as the count reaches 0, one tick before the reload
  // starts the next period: at 0, the period's last tick.
  if (value == 0) return (uint64_t)wraps * (kReload + 1) - 1;
  return (uint64_t)wraps * (kReload + 1) + (kReload - value);
}
