# Shared part of the bare-metal Cortex-M toolchains (cortex-m*.cmake set
# LOWBIT_MCU_CPU, LOWBIT_MCU_FLOAT_ABI and LOWBIT_MCU_BOARD, then include
# this): Debian's gcc-arm-none-eabi with newlib-nano, no C++ runtime
# library (no exceptions, RTTI or static-initialisation guards), images
# run under qemu-system-arm with semihosting.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_CXX_COMPILER arm-none-eabi-g++)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(_lowbit_mcu_flags
    "-mcpu=${LOWBIT_MCU_CPU} -mthumb -mfloat-abi=${LOWBIT_MCU_FLOAT_ABI} -ffunction-sections -fdata-sections")
set(CMAKE_C_FLAGS_INIT "${_lowbit_mcu_flags}")
set(CMAKE_ASM_FLAGS_INIT "${_lowbit_mcu_flags}")
set(CMAKE_CXX_FLAGS_INIT
    "${_lowbit_mcu_flags} -fno-exceptions -fno-rtti -fno-threadsafe-statics -fno-use-cxa-atexit")
# The images' own start-up (bare/startup.c) replaces crt0. C++ links
# through the C driver: only libstdc++'s headers are installed, and none
# of its library is used (GCC 12 has no -nostdlib++).
set(CMAKE_EXE_LINKER_FLAGS_INIT
    "--specs=nano.specs -nostartfiles -Wl,--gc-sections")
set(CMAKE_CXX_LINK_EXECUTABLE
    "<CMAKE_C_COMPILER> <FLAGS> <CMAKE_CXX_LINK_FLAGS> <LINK_FLAGS> <OBJECTS> -o <TARGET> <LINK_LIBRARIES>")

set(LOWBIT_BARE_METAL ON CACHE BOOL "Bare-metal (freestanding) build")
set(LOWBIT_MCU_BOARD "${LOWBIT_MCU_BOARD}" CACHE STRING "qemu-system-arm machine")
set(CMAKE_CROSSCOMPILING_EMULATOR
    qemu-system-arm -M ${LOWBIT_MCU_BOARD} -nographic -semihosting -kernel)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
