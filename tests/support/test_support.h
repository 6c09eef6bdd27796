// Helpers shared by the test suites: errno assertions on Results, children that run as another
// user, and scoped changes to the (sandboxed) test process's shm limits.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/process/child_process.h"
#include "core/result.h"

namespace shmh::test {

// Whether this build runs under ThreadSanitizer (whose background thread makes every process
// multithreaded, which changes what the kernel allows: CLONE_NEWUSER is refused).
#if defined(__SANITIZE_THREAD__)
inline constexpr bool kThreadSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
inline constexpr bool kThreadSanitizer = true;
#else
inline constexpr bool kThreadSanitizer = false;
#endif
#else
inline constexpr bool kThreadSanitizer = false;
#endif

// The uid/gid tests drop to when they need "another user" (nobody on Debian).
inline constexpr uid_t kOtherUid = 65534;
inline constexpr gid_t kOtherGid = 65534;

// Passes when `r` failed with exactly errno `err`; otherwise says what happened instead.
template <class T>
::testing::AssertionResult FailsWith(const Result<T>& r, int err) {
  if (r.ok()) return ::testing::AssertionFailure() << "succeeded; expected " << errno_name(err);
  if (r.error().err != err) {
    return ::testing::AssertionFailure() << r.error().message() << "; expected " << errno_name(err);
  }
  return ::testing::AssertionSuccess();
}

// Passes when `r` succeeded; otherwise shows the error.
template <class T>
::testing::AssertionResult Succeeds(const Result<T>& r) {
  if (r.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << r.error().message();
}

// Runs `body` in a forked child and returns how it ended; waits at most 60 s.
ChildExit run_child(const ChildProcess::Body& body);

// Runs `body` in a forked child that first drops to kOtherUid/kOtherGid (no supplementary groups).
ChildExit run_as_other_user(const ChildProcess::Body& body);

// In a child body: "" when `r` failed with `err`, else a description (for ChildReport).
template <class T>
std::string expect_errno(const Result<T>& r, int err, const std::string& what) {
  if (r.ok()) return what + ": succeeded, expected " + errno_name(err);
  if (r.error().err != err) return what + ": " + r.error().message() + ", expected " + errno_name(err);
  return "";
}

// In a child that is meant to die of `sig` (SIGSEGV, SIGBUS): restores the default action, which
// the sanitizers replace with their own report-and-abort handlers.
void die_of_signal_by_default(int sig);

// Whether the test runs as real root (tests that change uid need it).
bool is_root();

// Sets /proc/sys/kernel/<name> for the scope and restores it after. The test process is in its own
// IPC namespace (sandboxed_main.cc), so this changes nothing outside it.
class ScopedShmLimit {
 public:
  ScopedShmLimit(const std::string& name, std::uint64_t value);
  ~ScopedShmLimit();
  ScopedShmLimit(const ScopedShmLimit&) = delete;
  ScopedShmLimit& operator=(const ScopedShmLimit&) = delete;

 private:
  std::string path_;
  std::string saved_;
};

// Remounts the test's private /dev/shm with size=bytes for the scope.
class ScopedDevShmSize {
 public:
  explicit ScopedDevShmSize(std::uint64_t bytes);
  ~ScopedDevShmSize();
  ScopedDevShmSize(const ScopedDevShmSize&) = delete;
  ScopedDevShmSize& operator=(const ScopedDevShmSize&) = delete;

 private:
  std::uint64_t saved_ = 0;
};

// Waits until process `pid` sleeps in the kernel (state S in /proc/<pid>/stat): it is blocked in a
// call (a futex, a read), not merely about to make it. No time bound: the condition ends the wait
// (ctest's timeout bounds a process that never blocks). Returns at once if the process is gone.
void wait_until_sleeping(pid_t pid);

// What a program printed and how it ended (code 128 + signal when killed).
struct ProgramRun {
  int code = -1;
  std::string out;
  std::string err;
};

// Runs `path` with `args`, capturing stdout and stderr (read after it closes them).
ProgramRun run_program(const std::string& path, const std::vector<std::string>& args);

// Shmem from /proc/meminfo in bytes: memory held by shm segments, tmpfs and memfds machine-wide.
std::uint64_t meminfo_shmem_bytes();

}  // namespace shmh::test
