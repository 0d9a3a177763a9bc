# edgegw_fuzz(NAME SOURCES... LIBS... CORPUS dir): a fuzz target `LLVMFuzzerTestOneInput`.
#
# With clang and -DEDGEGW_BUILD_FUZZ=ON (the `fuzz` preset) it links libFuzzer and is registered
# with ctest (label `fuzz`) as a bounded run of EDGEGW_FUZZ_SECONDS from CORPUS (run_fuzz.sh):
# a crash, a sanitizer finding, a leak or a timeout fails it. `edgegw_fuzz_targets` builds them all.
# Otherwise it links a small driver that replays every file of CORPUS, registered with ctest, so the
# seeds and every crash found once stay regression tests in the ordinary (and the ASan) build.
set(EDGEGW_FUZZ_SECONDS 60 CACHE STRING "How long each fuzz target runs under ctest")
if(EDGEGW_BUILD_FUZZ AND CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  add_custom_target(edgegw_fuzz_targets)
endif()

function(edgegw_fuzz name)
  cmake_parse_arguments(F "" "CORPUS" "SOURCES;LIBS" ${ARGN})
  if(EDGEGW_BUILD_FUZZ AND CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    add_executable(${name} ${F_SOURCES})
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_libraries(${name} PRIVATE ${F_LIBS})
    add_dependencies(edgegw_fuzz_targets ${name})
    add_test(NAME ${name}_fuzz
             COMMAND bash ${CMAKE_SOURCE_DIR}/tests/fuzz/run_fuzz.sh $<TARGET_FILE:${name}>
                     ${F_CORPUS} ${CMAKE_BINARY_DIR}/fuzz-runs/${name} ${EDGEGW_FUZZ_SECONDS})
    math(EXPR timeout "${EDGEGW_FUZZ_SECONDS} + 180")
    set_tests_properties(${name}_fuzz PROPERTIES TIMEOUT ${timeout} LABELS fuzz)
  else()
    add_executable(${name} ${F_SOURCES} ${CMAKE_SOURCE_DIR}/tests/fuzz/replay_main.cpp)
    target_link_libraries(${name} PRIVATE ${F_LIBS})
    add_test(NAME ${name}_corpus COMMAND ${name} ${F_CORPUS})
    set_tests_properties(${name}_corpus PROPERTIES TIMEOUT 120)
  endif()
endfunction()
