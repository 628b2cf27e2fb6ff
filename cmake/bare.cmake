# The bare-metal (Cortex-M) build, from toolchains/cortex-m*.cmake: the
# freestanding part of lowbit (below) as a static library, and the images
# that test and count it under qemu-system-arm. Everything here is
# freestanding: no exceptions, RTTI, threads, cpuinfo, Highway or
# allocation when running; the kernel is chosen at compile time.
enable_language(C ASM)
set(CMAKE_POSITION_INDEPENDENT_CODE OFF)

# Freestanding sources shared with the hosted build: the reference
# (the specification), packing, parameter checks, status and helpers.
set(LOWBIT_FREESTANDING_SOURCES
  kernels/reference/requant.cc
  kernels/reference/gemm.cc
  kernels/reference/conv.cc
  kernels/reference/gemm16.cc
  kernels/gemm/pack.cc
  kernels/operator/gemm_params.cc
  kernels/operator/conv_params.cc
  kernels/operator/quantize.cc
  kernels/quantize/quantize_ref.cc
  kernels/operator/status.cc)
# The bare-metal operator and kernels.
set(LOWBIT_BARE_SOURCES
  kernels/bare/gemm_bare.cc
  kernels/bare/conv_bare.cc
  kernels/bare/q8_dwconv_scalar.cc
  kernels/bare/mcu_kernel.cc
  kernels/bare/prepare.cc
  kernels/bare/q8_gemm_2x2c4_scalar.cc
  kernels/bare/q16_gemm_2x2c8_scalar.cc
  arch/cortexm/q8_gemm_4x1c4_armsimd32.cc
  arch/cortexm/q8_gemm_2x4c16_mve.cc
  arch/cortexm/q16_gemm_2x2c8_mve.cc
  arch/cortexm/q16_gemm_1x2c4_armsimd32.cc
  arch/cortexm/q8_dwconv_mve.cc
  arch/cortexm/q8_dwconv_armsimd32.cc
  arch/cortexm/q8_dwconv3x3_armsimd32.S
  arch/cortexm/q8_dwconv_mve_groups4.S
  arch/cortexm/q8_gemm_2x4c16_mve_fixedpoint.S)

add_library(lowbit STATIC ${LOWBIT_FREESTANDING_SOURCES} ${LOWBIT_BARE_SOURCES})
add_library(lowbit::lowbit ALIAS lowbit)
target_include_directories(lowbit
  PUBLIC
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
  PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_compile_definitions(lowbit PRIVATE LOWBIT_BARE_METAL)
# Bit-exact float requantization: never fuse a multiply with an add.
target_compile_options(lowbit PRIVATE -Wall -Wextra -ffp-contract=off)
install(DIRECTORY include/lowbit DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS lowbit ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})

# Start-up, semihosting and SysTick for the images (an embedding firmware
# has its own), and the board's linker script.
if(LOWBIT_MCU_BOARD STREQUAL "mps3-an547")
  set(LOWBIT_MCU_LINKER_SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/bare/mps3-an547.ld)
else()
  set(LOWBIT_MCU_LINKER_SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/bare/mps2.ld)
endif()
add_library(lowbit_bare_runtime STATIC bare/startup.c bare/semihost.c
            bare/systick.c)
target_include_directories(lowbit_bare_runtime PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
target_link_options(lowbit_bare_runtime INTERFACE
  -T${LOWBIT_MCU_LINKER_SCRIPT} -L${CMAKE_CURRENT_SOURCE_DIR}/bare)

function(lowbit_bare_image name)
  add_executable(${name} ${ARGN})
  set_target_properties(${name} PROPERTIES SUFFIX .elf)
  target_include_directories(${name} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_compile_options(${name} PRIVATE -Wall -Wextra -ffp-contract=off)
  # The start-up's Reset references main; the runtime's symbols resolve
  # against newlib and back (whole groups).
  target_link_libraries(${name} PRIVATE lowbit
    -Wl,--start-group lowbit_bare_runtime c m gcc -Wl,--end-group)
endfunction()

if(LOWBIT_BUILD_TESTS)
  enable_testing()
  lowbit_bare_image(lowbit_bare_gemm_test tests/bare/gemm_test.cc
    tests/bare/conv_test.cc tests/bare/gemm16_test.cc tests/bare/quantize_test.cc)
  add_test(NAME bare_gemm COMMAND lowbit_bare_gemm_test)
  set_tests_properties(bare_gemm PROPERTIES TIMEOUT 600)
endif()

# A TFLite Micro-style block (examples/tflm_block), the same C on a PC:
# scripts/test-cortex-m.sh compares the two outputs.
lowbit_bare_image(lowbit_tflm_block examples/tflm_block/block.c)
if(LOWBIT_BUILD_TESTS)
  add_test(NAME tflm_block COMMAND lowbit_tflm_block)
endif()

# Instruction counts (scripts/count-cortex-m.sh runs it under -icount).
lowbit_bare_image(lowbit_bare_count bench/bare/count_main.cc)
target_link_options(lowbit_bare_count PRIVATE -u _printf_float)
