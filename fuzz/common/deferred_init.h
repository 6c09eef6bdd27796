// When a fuzz target that leaves the IPC namespace (sysv_api, posix_api) should do so.
//
// libFuzzer: in LLVMFuzzerInitialize, before any input. AFL++ (afl-fuzz sets __AFL_SHM_ID): at the
// first input instead — AFL's coverage map is a System V segment of the namespace afl-fuzz runs
// in, and the forkserver attaches it after LLVMFuzzerInitialize; unsharing first would hide it.
// An attachment made before the unshare stays mapped afterwards, so deferring is enough.
//
//   shmh::fuzzing::DeferredInit g_init(enter_my_sandbox);
//   extern "C" int LLVMFuzzerInitialize(int*, char***) { g_init.on_initialize(); return 0; }
//   extern "C" int LLVMFuzzerTestOneInput(...) { g_init.on_input(); ... }
#pragma once

#include <cstdlib>

namespace shmh::fuzzing {

class DeferredInit {
 public:
  explicit DeferredInit(void (*init)()) noexcept : init_(init) {}
  void on_initialize() {
    if (std::getenv("__AFL_SHM_ID") == nullptr) run();  // NOLINT(concurrency-mt-unsafe): single-threaded init
  }
  void on_input() {
    if (!done_) run();
  }

 private:
  void run() {
    done_ = true;
    init_();
  }
  void (*init_)();
  bool done_ = false;
};

}  // namespace shmh::fuzzing
