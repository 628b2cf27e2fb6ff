# Bare-metal Cortex-M7: the DSP extension, double-precision FPU; mps2-an500.
set(LOWBIT_MCU_CPU cortex-m7)
set(LOWBIT_MCU_FLOAT_ABI hard)
set(LOWBIT_MCU_BOARD mps2-an500)
include(${CMAKE_CURRENT_LIST_DIR}/arm-none-eabi.cmake)
