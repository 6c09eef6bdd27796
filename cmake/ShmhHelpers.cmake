# One-line helpers so each library, test and benchmark entry stays one line in its folder's list.
include(GNUInstallDirs)

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

# shmh_add_test(source LABEL label [DEPS ...] [LOCKS resource...]) — a GoogleTest binary named
# after the source file; each test case becomes a ctest test carrying the label and the shm
# leak-check fixture. Its main runs the binary inside a private IPC + mount namespace
# (tests/support/sandboxed_main.cc). LOCKS: what its tests share beyond their namespaces, so ctest -j
# never runs two tests holding the same one at once — `other_uid_memlock`: they SHM_LOCK as the
# test's other uid, whose RLIMIT_MEMLOCK charge is per user across IPC namespaces (two at once made
# a conform case's lock fail with ENOMEM where the model, seeing only its own, says ok).
function(shmh_add_test source)
  cmake_parse_arguments(ARG "" "LABEL" "DEPS;LOCKS" ${ARGN})
  get_filename_component(_name ${source} NAME_WE)
  add_executable(${_name} ${source})
  target_link_libraries(${_name} PRIVATE shmh::test_support ${ARG_DEPS} shmh::build_options)
  target_compile_features(${_name} PRIVATE cxx_std_20)
  set(_locks)
  if(ARG_LOCKS)
    set(_locks RESOURCE_LOCK "${ARG_LOCKS}")
  endif()
  gtest_discover_tests(${_name}
    DISCOVERY_MODE PRE_TEST
    PROPERTIES LABELS ${ARG_LABEL} FIXTURES_REQUIRED shm_leak_check TIMEOUT 120 ${_locks})
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

# shmh_add_fuzzer(name) — fuzz/<name>/<name>.cc with LLVMFuzzerTestOneInput (and
# LLVMFuzzerInitialize). Always: <name>_replay (fuzz/common/replay_main.cc) and a ctest test
# running fuzz/<name>/corpus and fuzz/<name>/regressions. With SHMH_FUZZ: <name>_fuzzer. Both join
# the target shmh_fuzz_all, which the fuzz build preset builds (with the CLI) instead of everything.
function(shmh_add_fuzzer name)
  set(_dir ${CMAKE_CURRENT_SOURCE_DIR}/${name})
  find_path(SHMH_FDP_INCLUDE fuzzer/FuzzedDataProvider.h
            PATHS /usr/lib/llvm-14/lib/clang/14.0.6/include /usr/lib/clang/14/include
            DOC "clang's FuzzedDataProvider.h (header-only; Debian package libclang-common-14-dev)")
  if(NOT SHMH_FDP_INCLUDE)
    message(WARNING "fuzz target ${name} skipped: fuzzer/FuzzedDataProvider.h not found (install clang: ci/setup.sh)")
    return()
  endif()
  # Only that one header: clang's whole resource directory would shadow g++'s own stddef.h.
  file(COPY ${SHMH_FDP_INCLUDE}/fuzzer/FuzzedDataProvider.h DESTINATION ${PROJECT_BINARY_DIR}/fdp/fuzzer)
  set(SHMH_FDP_INCLUDE ${PROJECT_BINARY_DIR}/fdp)
  add_executable(${name}_replay ${_dir}/${name}.cc ${PROJECT_SOURCE_DIR}/fuzz/common/replay_main.cc)
  target_include_directories(${name}_replay SYSTEM PRIVATE ${SHMH_FDP_INCLUDE})
  target_link_libraries(${name}_replay PRIVATE shmh::core shmh::build_options)
  target_compile_features(${name}_replay PRIVATE cxx_std_20)
  if(NOT TARGET shmh_fuzz_all)
    add_custom_target(shmh_fuzz_all)
  endif()
  add_dependencies(shmh_fuzz_all ${name}_replay)
  add_test(NAME fuzz_regress_${name} COMMAND ${name}_replay ${_dir}/corpus ${_dir}/regressions)
  set_tests_properties(fuzz_regress_${name} PROPERTIES LABELS fuzz-regress FIXTURES_REQUIRED shm_leak_check TIMEOUT 300)
  if(SHMH_FUZZ)
    add_executable(${name}_fuzzer ${_dir}/${name}.cc)
    target_include_directories(${name}_fuzzer SYSTEM PRIVATE ${SHMH_FDP_INCLUDE})
    target_link_libraries(${name}_fuzzer PRIVATE shmh::core shmh::build_options)
    target_compile_features(${name}_fuzzer PRIVATE cxx_std_20)
    target_compile_options(${name}_fuzzer PRIVATE -fsanitize=fuzzer)
    target_link_options(${name}_fuzzer PRIVATE -fsanitize=fuzzer)
    add_dependencies(shmh_fuzz_all ${name}_fuzzer)
    install(TARGETS ${name}_fuzzer RUNTIME DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/shmharness/fuzz)
  endif()
  # Installed beside the CLI's prefix: `shmharness fuzz` finds them there (fuzz/campaign/catalog.h).
  install(TARGETS ${name}_replay RUNTIME DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/shmharness/fuzz)
endfunction()

# shmh_fuzz_targets(NAMES SUMMARIES) — the fuzz targets of fuzz/targets.tsv (the one list of them):
# their names and one-line summaries, in the file's order. Re-runs the configure when it changes.
function(shmh_fuzz_targets names_var summaries_var)
  set(_file ${PROJECT_SOURCE_DIR}/fuzz/targets.tsv)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_file})
  file(STRINGS ${_file} _lines)
  set(_names "")
  set(_summaries "")
  foreach(_line IN LISTS _lines)
    if(_line MATCHES "^#" OR _line STREQUAL "")
      continue()
    endif()
    if(NOT _line MATCHES "^([a-z0-9_]+)\t([^\"\\\\]+)$")
      message(FATAL_ERROR "fuzz/targets.tsv: '${_line}' is not NAME<TAB>SUMMARY (lowercase name, no quotes)")
    endif()
    list(APPEND _names ${CMAKE_MATCH_1})
    list(APPEND _summaries "${CMAKE_MATCH_2}")
  endforeach()
  set(${names_var} ${_names} PARENT_SCOPE)
  set(${summaries_var} "${_summaries}" PARENT_SCOPE)
endfunction()
