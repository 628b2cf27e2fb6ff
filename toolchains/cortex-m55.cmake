# Bare-metal Cortex-M55: Helium (MVE) and the DSP extension; mps3-an547 (Corstone-300).
set(LOWBIT_MCU_CPU cortex-m55)
set(LOWBIT_MCU_FLOAT_ABI hard)
set(LOWBIT_MCU_BOARD mps3-an547)
include(${CMAKE_CURRENT_LIST_DIR}/arm-none-eabi.cmake)
