# Imported targets for the C libraries Debian ships without (working) CMake
# packages: pthreadpool has none, and cpuinfo's config points at
# /usr/lib/lib/... . Used by the build and by the installed lowbitConfig.
function(lowbit_import_library target header library)
  if(TARGET ${target})
    return()
  endif()
  find_path(${library}_INCLUDE_DIR ${header})
  find_library(${library}_LIBRARY ${library})
  if(NOT ${library}_INCLUDE_DIR OR NOT ${library}_LIBRARY)
    message(FATAL_ERROR "lowbit needs lib${library} (Debian: lib${library}-dev); "
                        "run scripts/install-deps.sh")
  endif()
  add_library(${target} UNKNOWN IMPORTED)
  set_target_properties(${target} PROPERTIES
    IMPORTED_LOCATION "${${library}_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${${library}_INCLUDE_DIR}")
endfunction()

lowbit_import_library(lowbit_deps::pthreadpool pthreadpool.h pthreadpool)
lowbit_import_library(lowbit_deps::cpuinfo cpuinfo.h cpuinfo)
