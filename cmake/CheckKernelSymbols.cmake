# cmake -P script: fails when two of lowbit's objects define the same symbol
# where that is unsafe (DESIGN.md §3, "one copy of every instantiation").
#
# Kernel code is compiled several times for one target: per Highway target
# through foreach_target.h, and again with a static target in every
# hand-written kernel's translation unit (built with that ISA's flags). If
# two objects define the same inline or template symbol, the linker keeps one
# copy and every caller runs it: a copy built with other flags, or for
# another closure layout, is undefined behaviour and can run instructions the
# CPU lacks. So:
#   1. no symbol in a Highway target namespace (lowbit::N_AVX2::..., hwy::
#      N_AVX3::...) may be defined in more than one object, and none may be
#      weak (inline or template code with external linkage) even in one
#      object: whether the compiler emits it out of line depends on the
#      compiler and the flags, so the next build or the next kernel could
#      duplicate it;
#   2. an object built with ISA flags (arch/) may share no code symbol at
#      all with another object (a std:: template instantiated there could be
#      auto-vectorised for that ISA and then called from baseline code).
#      Shared read-only data the compiler emits (typeinfo for a function
#      type, under clang's UBSan) runs no instructions and is allowed.
#
# Arguments: -DNM=<nm> -DOBJECTS=<list, ';'-separated> [-DSTAMP=<file>]
if(NOT NM OR NOT OBJECTS)
  message(FATAL_ERROR "usage: cmake -DNM=nm -DOBJECTS=a.o;b.o -P ${CMAKE_SCRIPT_MODE_FILE}")
endif()

set(problems "")
set(problem_count 0)
set(seen_symbols "")
foreach(obj IN LISTS OBJECTS)
  execute_process(COMMAND "${NM}" --defined-only --demangle "${obj}"
    OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${NM} failed on ${obj}: ${err}")
  endif()
  string(REPLACE ";" "\\;" out "${out}")
  string(REPLACE "\n" ";" lines "${out}")
  get_filename_component(short "${obj}" NAME)
  string(FIND "${obj}" "/arch/" arch_pos)
  foreach(line IN LISTS lines)
    # "<address> <type> <name>"; global definitions only (upper case, or
    # u/v/w: unique, weak object, weak function).
    if(NOT line MATCHES "^[0-9a-fA-F]* ([A-Zuvw]) (.*)$")
      continue()
    endif()
    set(type "${CMAKE_MATCH_1}")
    set(name "${CMAKE_MATCH_2}")
    if(type STREQUAL "U")
      continue()
    endif()
    string(MD5 key "${name}")
    set(kernel_ns FALSE)
    if(name MATCHES "::N_[A-Z0-9_]+::")
      set(kernel_ns TRUE)
    endif()
    if(kernel_ns AND type MATCHES "^[WVuw]$")
      math(EXPR problem_count "${problem_count} + 1")
      if(problem_count LESS_EQUAL 20)
        string(APPEND problems "  ${name}\n    weak in ${short}\n")
      endif()
    endif()
    if(DEFINED owner_${key})
      set(first "${owner_${key}}")
      if(NOT first STREQUAL short)
        set(first_arch FALSE)
        if(first_arch_${key})
          set(first_arch TRUE)
        endif()
        set(code FALSE)
        if(type MATCHES "^[TWi]$")
          set(code TRUE)
        endif()
        if(kernel_ns OR (code AND (first_arch OR NOT arch_pos EQUAL -1)))
          math(EXPR problem_count "${problem_count} + 1")
          if(problem_count LESS_EQUAL 20)
            string(APPEND problems "  ${name}\n    in ${first} and ${short}\n")
          endif()
        endif()
      endif()
    else()
      set(owner_${key} "${short}")
      if(NOT arch_pos EQUAL -1)
        set(first_arch_${key} TRUE)
      endif()
    endif()
  endforeach()
endforeach()

if(problem_count GREATER 0)
  message(FATAL_ERROR
    "lowbit: ${problem_count} kernel symbols with external linkage (weak, or "
    "defined in more than one object; the first 20 below). Each translation "
    "unit that compiles kernel code must keep its instantiations its own: "
    "put them in an anonymous namespace, see kernels/requant-inl.h.\n"
    "${problems}")
endif()
list(LENGTH OBJECTS count)
message(STATUS "lowbit: no kernel symbol is defined twice in ${count} objects")
if(STAMP)
  file(TOUCH "${STAMP}")
endif()
