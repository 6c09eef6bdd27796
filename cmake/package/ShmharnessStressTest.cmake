# shmharness_add_stress_test(NAME <test> CHANNEL <target-or-path>
#                            [DURATION <10s>] [WORKLOAD <queue|broadcast|regions|churn>]
#                            [WRITERS <n>] [READERS <n>] [KILL <rate>] [SEED <s>] [ARGS <extra flags>...])
#
# Adds a ctest test that runs `shmharness stress` on a channel library: CHANNEL is a target of
# this project (a MODULE/SHARED library exporting shmh_channel_entry) or a path to a .so. The test
# passes on exit 0 (every check held) and fails on a finding (exit 1) or a usage/environment error
# (exit 2). It writes <test>.json and <test>.junit.xml (JUnit for CI dashboards) into the current
# binary directory, carries the label "shmharness-stress", and a timeout of the duration plus
# two minutes.
function(shmharness_add_stress_test)
  cmake_parse_arguments(ARG "" "NAME;CHANNEL;DURATION;WORKLOAD;WRITERS;READERS;KILL;SEED" "ARGS" ${ARGN})
  if(NOT ARG_NAME OR NOT ARG_CHANNEL)
    message(FATAL_ERROR "shmharness_add_stress_test: NAME and CHANNEL are required")
  endif()
  if(TARGET ${ARG_CHANNEL})
    set(_channel "$<TARGET_FILE:${ARG_CHANNEL}>")
  else()
    set(_channel "${ARG_CHANNEL}")
  endif()
  if(NOT ARG_DURATION)
    set(ARG_DURATION 10s)
  endif()
  set(_cmd stress --channel "${_channel}" --duration ${ARG_DURATION} --quiet
      --json "${CMAKE_CURRENT_BINARY_DIR}/${ARG_NAME}.json" --junit "${CMAKE_CURRENT_BINARY_DIR}/${ARG_NAME}.junit.xml")
  foreach(_opt WORKLOAD WRITERS READERS KILL SEED)
    if(DEFINED ARG_${_opt})
      string(TOLOWER ${_opt} _flag)
      if(_flag STREQUAL "kill")
        list(APPEND _cmd --kill ${ARG_${_opt}})
      else()
        list(APPEND _cmd --${_flag} ${ARG_${_opt}})
      endif()
    endif()
  endforeach()
  list(APPEND _cmd ${ARG_ARGS})
  add_test(NAME ${ARG_NAME} COMMAND shmharness::shmharness ${_cmd})
  # Timeout: the duration in seconds (10s, 2m, 500ms) plus two minutes for setup and drain.
  set(_secs 600)
  if(ARG_DURATION MATCHES "^([0-9]+)(s?)$")
    set(_secs ${CMAKE_MATCH_1})
  elseif(ARG_DURATION MATCHES "^([0-9]+)m$")
    math(EXPR _secs "${CMAKE_MATCH_1} * 60")
  elseif(ARG_DURATION MATCHES "^([0-9]+)ms$")
    set(_secs 1)
  endif()
  math(EXPR _timeout "${_secs} + 120")
  set_tests_properties(${ARG_NAME} PROPERTIES LABELS shmharness-stress TIMEOUT ${_timeout})
endfunction()
