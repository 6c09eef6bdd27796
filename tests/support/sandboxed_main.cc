// The main of every test binary: runs the tests inside a private IPC + mount namespace with its
// own /dev/shm (core/sandbox), so tests cannot leak segments onto the machine or see each other's,
// and may set the namespace's shm limits freely. Listing tests (ctest's discovery) needs no sandbox.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>

#include "core/sandbox/sandbox.h"

int main(int argc, char** argv) {
  bool listing = false;
  for (int i = 1; i < argc; ++i) listing = listing || std::strncmp(argv[i], "--gtest_list_tests", 18) == 0;
  ::testing::InitGoogleTest(&argc, argv);
  if (!listing) {
    auto kind = shmh::enter_sandbox();
    if (!kind) {
      (void)std::fprintf(stderr, "tests need a sandbox and could not make one: %s\n", kind.error().message().c_str());
      return 2;
    }
  }
  return RUN_ALL_TESTS();
}
