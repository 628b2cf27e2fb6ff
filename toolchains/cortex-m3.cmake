# Bare-metal Cortex-M3: plain Thumb-2, no DSP extension or FPU; mps2-an385.
set(LOWBIT_MCU_CPU cortex-m3)
set(LOWBIT_MCU_FLOAT_ABI soft)
set(LOWBIT_MCU_BOARD mps2-an385)
include(${CMAKE_CURRENT_LIST_DIR}/arm-none-eabi.cmake)
