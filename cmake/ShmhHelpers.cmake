# One-line helpers so each library, test and benchmark entry stays one line in its folder's list.

# shmh_add_library(name alias SOURCES... [DEPS ...]) — a static library with the build options.
function(shmh_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  string(REPLACE "shmh_" "" _short ${name})
  add_library(shmh::${_short} ALIAS ${name})
  target_include_directories(${name} PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}>)
  target_link_libraries(${name} PUBLIC ${ARG_DEPS} PRIVATE shmh::build_options)
  target_compile_features(${name} PUBLIC cxx_std_20)
endfunction()

# shmh_add_test(source LABEL label [DEPS ...]) — a GoogleTest binary named after the source file;
# each test case becomes a ctest test carrying the label and the shm leak-check fixture. Its main
# runs the binary inside a private IPC + mount namespace (tests/support/sandboxed_main.cc).
function(shmh_add_test source)
  cmake_parse_arguments(ARG "" "LABEL" "DEPS" ${ARGN})
  get_filename_component(_name ${source} NAME_WE)
  add_executable(${_name} ${source})
  target_link_libraries(${_name} PRIVATE shmh::test_support ${ARG_DEPS} shmh::build_options)
  target_compile_features(${_name} PRIVATE cxx_std_20)
  gtest_discover_tests(${_name}
    DISCOVERY_MODE PRE_TEST
    PROPERTIES LABELS ${ARG_LABEL} FIXTURES_REQUIRED shm_leak_check TIMEOUT 120)
endfunction()

# shmh_add_bench(source [DEPS ...]) — a Google Benchmark binary named after the source file, run
# inside a sandbox by bench/sandboxed_bench_main.cc.
function(shmh_add_bench source)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  get_filename_component(_name ${source} NAME_WE)
  add_executable(${_name} ${source} ${PROJECT_SOURCE_DIR}/bench/sandboxed_bench_main.cc)
  target_link_libraries(${_name} PRIVATE ${ARG_DEPS} shmh::core benchmark::benchmark shmh::build_options)
  target_compile_features(${_name} PRIVATE cxx_std_20)
endfunction()

# shmh_add_plugin(name SOURCES... [DEFINES ...]) — a channel plugin (a MODULE library, loaded with
# dlopen) built the way a user would build theirs: C, against core/channel/shmh_channel.h only.
function(shmh_add_plugin name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEFINES" ${ARGN})
  add_library(${name} MODULE ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/core/channel)
  target_compile_definitions(${name} PRIVATE ${ARG_DEFINES})
  target_compile_features(${name} PRIVATE c_std_11)
  target_link_libraries(${name} PRIVATE shmh::build_options Threads::Threads rt)
  set_target_properties(${name} PROPERTIES PREFIX "lib")
endfunction()
