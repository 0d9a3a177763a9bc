# edgegw_fuzz(NAME SOURCES... LIBS... CORPUS dir): a fuzz target `LLVMFuzzerTestOneInput`.
# With clang and -DEDGEGW_BUILD_FUZZ=ON it links libFuzzer (run it by hand: ./NAME CORPUS -max_total_time=600).
# Otherwise it links a small driver that replays every file of CORPUS, registered with ctest, so the
# seeds and every crash found once stay regression tests in the ordinary (and the ASan) build.
function(edgegw_fuzz name)
  cmake_parse_arguments(F "" "CORPUS" "SOURCES;LIBS" ${ARGN})
  if(EDGEGW_BUILD_FUZZ AND CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    add_executable(${name} ${F_SOURCES})
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_libraries(${name} PRIVATE ${F_LIBS})
  else()
    add_executable(${name} ${F_SOURCES} ${CMAKE_SOURCE_DIR}/tests/fuzz/replay_main.cpp)
    target_link_libraries(${name} PRIVATE ${F_LIBS})
    add_test(NAME ${name}_corpus COMMAND ${name} ${F_CORPUS})
    set_tests_properties(${name}_corpus PROPERTIES TIMEOUT 120)
  endif()
endfunction()
