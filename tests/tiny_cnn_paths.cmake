# Runs examples/tiny_cnn once per LOWBIT_ISA family and requires the same
# logits digests from every family this build and CPU have (at least the
# portable two: scalar and hwy), and, with REFERENCE, the digests of that
# other run (the native build beside an emulated one).
#   cmake -DTINY_CNN=<binary> [-DEMULATOR=<list>] [-DREFERENCE=<binary>]
#         -P tests/tiny_cnn_paths.cmake
# Few calibration images: the float passes are what is slow under qemu.
set(args --digest-only --inputs 32 --calibration 4)
function(digest out isa cmd)
  execute_process(
    COMMAND ${CMAKE_COMMAND} -E env LOWBIT_ISA=${isa} ${cmd} ${args}
    OUTPUT_VARIABLE stdout ERROR_VARIABLE stderr RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    if(stderr MATCHES "LOWBIT_ISA=${isa}: (no such kernel in this build|this CPU lacks)")
      string(STRIP "${stderr}" why)
      message(STATUS "LOWBIT_ISA=${isa}: skipped: ${why}")
      set(${out} "" PARENT_SCOPE)
      return()
    endif()
    message(FATAL_ERROR "LOWBIT_ISA=${isa}: exit ${rc}\n${stdout}${stderr}")
  endif()
  string(REGEX MATCH "logits digest: [^\n]*" line "${stdout}")
  if(line STREQUAL "")
    message(FATAL_ERROR "LOWBIT_ISA=${isa}: no digest\n${stdout}")
  endif()
  message(STATUS "LOWBIT_ISA=${isa}: ${line}")
  set(${out} "${line}" PARENT_SCOPE)
endfunction()

set(want "")
set(ran 0)
foreach(isa scalar hwy avx2 avx512vnni neon neondot neoni8mm)
  digest(got ${isa} "${EMULATOR};${TINY_CNN}")
  if(got STREQUAL "")
    continue()
  endif()
  math(EXPR ran "${ran} + 1")
  if(want STREQUAL "")
    set(want "${got}")
  elseif(NOT got STREQUAL want)
    message(FATAL_ERROR "LOWBIT_ISA=${isa} gives other logits:\n  ${got}\n"
                        "than the first family:\n  ${want}")
  endif()
endforeach()
if(ran LESS 2)
  message(FATAL_ERROR "only ${ran} kernel families ran")
endif()
if(REFERENCE)
  digest(ref "" "${REFERENCE}")
  if(NOT ref STREQUAL want)
    message(FATAL_ERROR "the reference run gives other logits:\n  ${ref}\n"
                        "than this one:\n  ${want}")
  endif()
endif()
message(STATUS "${ran} kernel families, one result")
