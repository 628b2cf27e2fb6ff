# Cross-compiles lowbit for 32-bit ARMv7 Linux (hard float, NEON) with
# Debian's g++-arm-linux-gnueabihf, and runs ctest under qemu-arm. ARMv7
# runs the portable Highway kernels (NEON and EMU128). Dependencies:
# libhwy-dev:armhf and libgtest-dev:armhf (multiarch), plus cpuinfo and
# pthreadpool unpacked by scripts/cross-sysroot.sh armhf.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-linux-gnueabihf-gcc)
set(CMAKE_CXX_COMPILER arm-linux-gnueabihf-g++)
set(CMAKE_LIBRARY_ARCHITECTURE arm-linux-gnueabihf)
# Without -mfp16-format=ieee Highway's headers do not compile (DESIGN.md §6).
set(_lowbit_arm_flags
    "-march=armv7-a -mfpu=neon-vfpv4 -mfloat-abi=hard -mfp16-format=ieee")
set(CMAKE_C_FLAGS_INIT "${_lowbit_arm_flags}")
set(CMAKE_CXX_FLAGS_INIT "${_lowbit_arm_flags}")

get_filename_component(_lowbit_root "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
set(LOWBIT_CROSS_SYSROOT "${_lowbit_root}/build/sysroot-armhf"
    CACHE PATH "cpuinfo/pthreadpool unpacked by scripts/cross-sysroot.sh")
set(CMAKE_FIND_ROOT_PATH "${LOWBIT_CROSS_SYSROOT}" /usr/arm-linux-gnueabihf /)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-arm -L /usr/arm-linux-gnueabihf)
