# ctest script: installs lowbit from BUILD_DIR into a scratch prefix, then
# builds and runs examples/consumer against the installed package, once with
# find_package(lowbit) and once with pkg-config.
set(prefix "${BUILD_DIR}/install-test/prefix")
set(consumer "${BUILD_DIR}/install-test/consumer")
file(REMOVE_RECURSE "${BUILD_DIR}/install-test")

function(run)
  execute_process(COMMAND ${ARGV} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGV}")
  endif()
endfunction()

run(${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${prefix}" --config "${CONFIG}")
run(${CMAKE_COMMAND} -S "${SOURCE_DIR}/examples/consumer" -B "${consumer}"
    "-DCMAKE_PREFIX_PATH=${prefix}" -DCMAKE_BUILD_TYPE=Release)
run(${CMAKE_COMMAND} --build "${consumer}")
run("${consumer}/consumer_cmake")

# pkg-config, as a Makefile-style user would.
find_program(PKG_CONFIG pkg-config REQUIRED)
find_program(CC NAMES cc gcc REQUIRED)
file(GLOB_RECURSE pc_file "${prefix}/*/lowbit.pc")
if(NOT pc_file)
  message(FATAL_ERROR "no lowbit.pc installed under ${prefix}")
endif()
get_filename_component(pc_dir "${pc_file}" DIRECTORY)
set(ENV{PKG_CONFIG_PATH} "${pc_dir}")
execute_process(COMMAND ${PKG_CONFIG} --cflags --libs --static lowbit
  OUTPUT_VARIABLE flags OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pkg-config cannot find lowbit")
endif()
separate_arguments(flags UNIX_COMMAND "${flags}")
run(${CC} "${SOURCE_DIR}/examples/consumer/main.c" ${flags}
    -o "${consumer}/consumer_pkgconfig")
run("${consumer}/consumer_pkgconfig")
