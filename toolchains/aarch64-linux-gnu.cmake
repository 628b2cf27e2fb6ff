# Cross-compiles lowbit for 64-bit ARM Linux with Debian's
# g++-aarch64-linux-gnu, and runs what it builds (ctest) under qemu-aarch64.
# The emulated CPU comes from QEMU_CPU (e.g. cortex-a53: NEON only; max:
# dotprod, i8mm, SVE). Dependencies: libhwy-dev:arm64 and libgtest-dev:arm64
# (multiarch), plus cpuinfo and pthreadpool unpacked by
# scripts/cross-sysroot.sh arm64 into build/sysroot-arm64.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
# Highway's NEON ops inline only with the AES extension (DESIGN.md §6). The
# hand-written kernels add +dotprod / +i8mm to their own files only.
set(CMAKE_C_FLAGS_INIT "-march=armv8-a+crypto")
set(CMAKE_CXX_FLAGS_INIT "-march=armv8-a+crypto")

get_filename_component(_lowbit_root "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
set(LOWBIT_CROSS_SYSROOT "${_lowbit_root}/build/sysroot-arm64"
    CACHE PATH "cpuinfo/pthreadpool unpacked by scripts/cross-sysroot.sh")
set(CMAKE_FIND_ROOT_PATH "${LOWBIT_CROSS_SYSROOT}" /usr/aarch64-linux-gnu /)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L /usr/aarch64-linux-gnu)
