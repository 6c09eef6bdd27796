# shmharness_add_fuzz_test(NAME <test> CHANNEL <target-or-path> [INPUTS <file-or-dir>...])
#
# Adds a ctest test that runs the plugin_ops fuzz target's inputs through a channel library, as
# `shmharness fuzz channel` fuzzed it: the installed plugin_ops corpus and regressions, and your
# INPUTS (the crash reproducers `shmharness fuzz channel` saved under its --out, a corpus you keep
# beside your tests). It runs `shmharness fuzz repro plugin_ops --with-corpus INPUTS --channel <lib>`:
# no libFuzzer needed (the installed replay binary runs each input once), any compiler. CHANNEL is a
# target of this project or a path to a .so. The test passes on exit 0, fails when an input
# reproduces a finding (exit 1) or on a usage/environment error (exit 2); label "shmharness-fuzz".
#
# To fuzz the channel itself (clang): `shmharness fuzz channel path/to/libmine.so --time 10m`; build
# the library with -fsanitize=fuzzer-no-link,address,undefined so coverage and the sanitizers reach
# into it (README "Fuzz your own channel").
function(shmharness_add_fuzz_test)
  cmake_parse_arguments(ARG "" "NAME;CHANNEL" "INPUTS" ${ARGN})
  if(NOT ARG_NAME OR NOT ARG_CHANNEL)
    message(FATAL_ERROR "shmharness_add_fuzz_test: NAME and CHANNEL are required")
  endif()
  if(TARGET ${ARG_CHANNEL})
    set(_channel "$<TARGET_FILE:${ARG_CHANNEL}>")
  else()
    set(_channel "${ARG_CHANNEL}")
  endif()
  add_test(NAME ${ARG_NAME}
           COMMAND shmharness::shmharness fuzz repro plugin_ops --with-corpus ${ARG_INPUTS} --channel "${_channel}"
                   --out "${CMAKE_CURRENT_BINARY_DIR}/${ARG_NAME}")
  set_tests_properties(${ARG_NAME} PROPERTIES LABELS shmharness-fuzz TIMEOUT 600)
endfunction()
