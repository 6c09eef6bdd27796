# Build variants as cache options (set by CMakePresets.json), applied through one INTERFACE target,
# shmh_build_options, that every shmharness target links PRIVATE. No global flags.

option(SHMH_BUILD_TESTS "Build the GoogleTest suites" ON)
option(SHMH_BUILD_BENCH "Build the Google Benchmark binaries" ON)
option(SHMH_BUILD_CLI "Build the shmharness CLI, its reporters and the example plugin" ON)
option(SHMH_XXHASH_INLINE "Use xxhash header-only (XXH_INLINE_ALL) instead of libxxhash" OFF)
option(SHMH_WARNINGS_AS_ERRORS "Treat compiler warnings as errors (CI presets turn this on)" OFF)
set(SHMH_SANITIZE "" CACHE STRING "Sanitizer set: empty, asan-ubsan or tsan")
set_property(CACHE SHMH_SANITIZE PROPERTY STRINGS "" asan-ubsan tsan)
option(SHMH_COVERAGE "clang source-based coverage instrumentation" OFF)
option(SHMH_FUZZ "Build libFuzzer targets (clang only)" OFF)

add_library(shmh_build_options INTERFACE)
add_library(shmh::build_options ALIAS shmh_build_options)

target_compile_options(shmh_build_options INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wcast-align -Wimplicit-fallthrough
  -Wno-missing-field-initializers  # designated initializers leave the rest at their defaults by design
  $<$<COMPILE_LANGUAGE:CXX>:-Wnon-virtual-dtor -Wold-style-cast>
  $<$<BOOL:${SHMH_WARNINGS_AS_ERRORS}>:-Werror>)

if(SHMH_SANITIZE STREQUAL "asan-ubsan")
  set(_shmh_san -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
elseif(SHMH_SANITIZE STREQUAL "tsan")
  set(_shmh_san -fsanitize=thread -fno-omit-frame-pointer)
elseif(NOT SHMH_SANITIZE STREQUAL "")
  message(FATAL_ERROR "SHMH_SANITIZE must be empty, asan-ubsan or tsan (got '${SHMH_SANITIZE}')")
endif()
if(_shmh_san)
  target_compile_options(shmh_build_options INTERFACE ${_shmh_san})
  target_link_options(shmh_build_options INTERFACE ${_shmh_san})
endif()

if(SHMH_COVERAGE)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "SHMH_COVERAGE needs clang (source-based coverage); use the 'coverage' preset")
  endif()
  target_compile_options(shmh_build_options INTERFACE -fprofile-instr-generate -fcoverage-mapping)
  target_link_options(shmh_build_options INTERFACE -fprofile-instr-generate)
  # Forked children end with _exit, which skips the profile runtime's atexit dump: they write it
  # explicitly (core/process/child_process.cc).
  target_compile_definitions(shmh_build_options INTERFACE SHMH_COVERAGE_BUILD=1)
endif()

if(SHMH_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "SHMH_FUZZ needs clang with libFuzzer (Debian: clang, libclang-rt-dev); use the 'fuzz' preset")
  endif()
  # Coverage feedback from all of our code (the model, the ring, the segments), not only the
  # target files: libFuzzer's main is linked into the fuzz targets alone (-fsanitize=fuzzer).
  target_compile_options(shmh_build_options INTERFACE -fsanitize=fuzzer-no-link)
endif()

# Test-only: plants a known bug so fuzz/planted-bug.sh can time how long a fuzzer takes to find
# it (SHMH_PLANTED_BUG_<NAME> in the code). Never set in a preset or in CI.
set(_shmh_planted_bugs model-rmid-key model-cow-truncate ring-toobig-edge ring-uncounted-abandon)
set(SHMH_PLANTED_BUG "" CACHE STRING "Test-only planted bug: one of ${_shmh_planted_bugs}")
set_property(CACHE SHMH_PLANTED_BUG PROPERTY STRINGS "" ${_shmh_planted_bugs})
if(SHMH_PLANTED_BUG)
  if(NOT SHMH_PLANTED_BUG IN_LIST _shmh_planted_bugs)
    message(FATAL_ERROR "SHMH_PLANTED_BUG must be one of ${_shmh_planted_bugs}")
  endif()
  string(TOUPPER "SHMH_PLANTED_BUG_${SHMH_PLANTED_BUG}" _shmh_bug)
  string(REPLACE "-" "_" _shmh_bug "${_shmh_bug}")
  target_compile_definitions(shmh_build_options INTERFACE ${_shmh_bug}=1)
endif()
