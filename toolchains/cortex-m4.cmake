# Bare-metal Cortex-M4: the DSP extension, single-precision FPU; mps2-an386.
set(LOWBIT_MCU_CPU cortex-m4)
set(LOWBIT_MCU_FLOAT_ABI hard)
set(LOWBIT_MCU_BOARD mps2-an386)
include(${CMAKE_CURRENT_LIST_DIR}/arm-none-eabi.cmake)
