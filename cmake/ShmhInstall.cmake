# `cmake --install`: the CLI, the channel ABI header, a CMake package (find_package(shmharness))
# with shmharness_add_stress_test() and shmharness_add_fuzz_test() for users' own ctest (cmake/package/), and each fuzz target's
# corpus, regressions, dictionary and options under share/shmharness/fuzz/<target>/ (the fuzzer and
# replay binaries go to libexec/shmharness/fuzz/ from fuzz/CMakeLists.txt).
include(CMakePackageConfigHelpers)
include(GNUInstallDirs)

add_library(shmh_channel_abi INTERFACE)
add_library(shmharness::channel_abi ALIAS shmh_channel_abi)
set_target_properties(shmh_channel_abi PROPERTIES EXPORT_NAME channel_abi)
target_include_directories(shmh_channel_abi INTERFACE $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
                                                      $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/core/channel>)
install(TARGETS shmh_channel_abi EXPORT shmharnessTargets)
if(TARGET shmharness)
  install(TARGETS shmharness EXPORT shmharnessTargets RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
install(FILES ${PROJECT_SOURCE_DIR}/core/channel/shmh_channel.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

set(_pkg ${CMAKE_INSTALL_LIBDIR}/cmake/shmharness)
install(EXPORT shmharnessTargets NAMESPACE shmharness:: DESTINATION ${_pkg})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/package/shmharnessConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/shmharnessConfig.cmake INSTALL_DESTINATION ${_pkg})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/shmharnessConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/shmharnessConfig.cmake ${PROJECT_BINARY_DIR}/shmharnessConfigVersion.cmake
              ${PROJECT_SOURCE_DIR}/cmake/package/ShmharnessStressTest.cmake
              ${PROJECT_SOURCE_DIR}/cmake/package/ShmharnessFuzzTest.cmake
        DESTINATION ${_pkg})

shmh_fuzz_targets(_fuzz_targets _fuzz_summaries)
foreach(_t IN LISTS _fuzz_targets)
  set(_dir ${PROJECT_SOURCE_DIR}/fuzz/${_t})
  install(DIRECTORY ${_dir}/corpus ${_dir}/regressions DESTINATION ${CMAKE_INSTALL_DATADIR}/shmharness/fuzz/${_t})
  install(FILES ${_dir}/${_t}.dict ${_dir}/${_t}.options DESTINATION ${CMAKE_INSTALL_DATADIR}/shmharness/fuzz/${_t})
endforeach()
