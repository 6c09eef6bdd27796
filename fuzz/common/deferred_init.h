// When a fuzz target that leaves the IPC namespace (sysv_api, posix_api) should do so.
//
// libFuzzer: in LLVMFuzzerInitialize, before any input. AFL++ (afl-fuzz sets __AFL_SHM_ID): at the
// first input instead — AFL's coverage map is a System V segment of the namespace afl-fuzz runs
// in, and the forkserver attaches it after LLVMFuzzerInitialize; unsharing first would hide it.
// An attachment made before the unshare stays mapped afterwards, so deferring is enough.
#pragma once

#include <cstdlib>

namespace shmh::fuzzing {

inline bool defer_init_to_first_input() {
  return std::getenv("__AFL_SHM_ID") != nullptr;  // NOLINT(concurrency-mt-unsafe): single-threaded init
}

}  // namespace shmh::fuzzing
