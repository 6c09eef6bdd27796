// The sandbox on the real kernel: limits take effect, objects stay inside, and a SIGKILL of the
// sandboxed process frees everything it created.
#include "core/sandbox/sandbox.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

#include "core/cleanup/sysvipc_table.h"
#include "core/sandbox/mount_table.h"
#include "core/segment/posix_segment.h"
#include "core/segment/sysv_segment.h"
#include "core/sys/sys.h"
#include "tests/support/test_support.h"

namespace shmh {
namespace {

using test::Succeeds;

constexpr std::size_t kPage = 4096;
constexpr std::size_t kMiB = std::size_t{1} << 20;

std::size_t count_dev_shm() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/dev/shm")) ++n;
  return n;
}

ChildExit run_sandboxed(const SandboxLimits& limits, const ChildProcess::Body& body) {
  auto child = spawn_sandboxed(limits, body);
  if (!child) return ChildExit{.code = 99, .signal = 0, .message = child.error().message()};
  auto exit = child->wait(std::chrono::milliseconds(60'000));
  if (!exit) return ChildExit{.code = 98, .signal = 0, .message = exit.error().message()};
  return *exit;
}

TEST(Sandbox, ProbeSaysWhichKind) {
  auto kind = probe_sandbox();
  ASSERT_TRUE(Succeeds(kind));
  EXPECT_EQ(*kind, test::is_root() ? SandboxKind::kPrivileged : SandboxKind::kUserNamespace);
}

TEST(Sandbox, LimitsAreSetAndEnforced) {
  const auto exit =
      run_sandboxed({.shmmax = 1 * kMiB, .shmall = 1024, .shmmni = 8, .dev_shm_bytes = 4 * kMiB}, []() -> ChildReport {
        auto info = sysv_ipc_info();
        if (!info) return info.error().message();
        if (info->limits.shmmax != kMiB) return "shmmax not set";
        if (info->limits.shmall != 1024) return "shmall not set";
        if (info->limits.shmmni != 8) return "shmmni not set";
        struct statvfs st {};
        if (::statvfs("/dev/shm", &st) != 0) return "statvfs /dev/shm failed";
        if (st.f_blocks * st.f_frsize != 4 * kMiB) {
          return "/dev/shm is " + std::to_string(st.f_blocks * st.f_frsize) + " bytes";
        }
        std::string bad;
        bad += test::expect_errno(SysvSegment::create({.size = kMiB + 1}), EINVAL, "segment over shmmax");
        std::vector<SysvSegment> segs;
        for (int i = 0; i < 8; ++i) {
          auto s = SysvSegment::create({.size = kPage});
          if (!s) return "segment " + std::to_string(i) + ": " + s.error().message();
          segs.push_back(std::move(*s));
        }
        bad += test::expect_errno(SysvSegment::create({.size = kPage}), ENOSPC, "9th segment with shmmni 8");
        auto p = PosixSegment::create({.name = "/big", .size = 8 * kMiB});
        if (!p) return bad + p.error().message();
        bad += test::expect_errno(p->allocate(0, 8 * kMiB), ENOSPC, "8 MiB in a 4 MiB /dev/shm");
        return bad;
      });
  EXPECT_TRUE(exit.ok()) << exit.describe();
}

TEST(Sandbox, ObjectsStayInside) {
  auto before = read_sysvipc_shm();
  ASSERT_TRUE(Succeeds(before));
  const std::size_t posix_before = count_dev_shm();
  const auto exit = run_sandboxed({}, []() -> ChildReport {
    auto s = SysvSegment::create({.key = 0x7777, .size = kPage});
    if (!s) return s.error().message();
    s->release();  // deliberately left behind inside
    auto p = PosixSegment::create({.name = "/left-inside", .size = kPage});
    if (!p) return p.error().message();
    p->release();
    return "";
  });
  ASSERT_TRUE(exit.ok()) << exit.describe();
  auto after = read_sysvipc_shm();
  ASSERT_TRUE(Succeeds(after));
  EXPECT_EQ(after->size(), before->size()) << "a System V segment escaped the sandbox";
  EXPECT_EQ(count_dev_shm(), posix_before) << "a POSIX object escaped the sandbox";
}

TEST(Sandbox, InvalidLimitNamesTheSysctl) {
  const auto exit = run_sandboxed({.shmmni = 1U << 20}, [] { return std::string{}; });  // > IPCMNI
  EXPECT_EQ(exit.code, kSandboxUnavailableExit) << exit.describe();
  EXPECT_NE(exit.message.find("kernel.shmmni=1048576"), std::string::npos) << exit.message;
  EXPECT_NE(exit.message.find("EINVAL"), std::string::npos) << exit.message;
}

TEST(Sandbox, SigkillOfTheSandboxedProcessFreesEverything) {
  // The child creates and touches 48 MiB of System V and 48 MiB of POSIX memory, then waits: its
  // RssShmem holds them. Once it is SIGKILLed the kernel's Shmem counter must fall back: the
  // namespaces died with it and took the objects along, with no cleanup code of ours running.
  constexpr std::size_t kBytes = 48 * kMiB;
  auto ready = sys::pipe();
  ASSERT_TRUE(Succeeds(ready));
  const std::uint64_t shmem_before = test::meminfo_shmem_bytes();
  auto child = spawn_sandboxed({}, [&]() -> ChildReport {
    auto s = SysvSegment::create({.size = kBytes});
    if (!s) return s.error().message();
    auto sm = s->attach();
    if (!sm) return sm.error().message();
    std::memset(sm->data(), 1, kBytes);
    auto p = PosixSegment::create({.name = "/killed", .size = kBytes});
    if (!p) return p.error().message();
    auto pm = p->map();
    if (!pm) return pm.error().message();
    std::memset(pm->data(), 1, kBytes);
    (void)sys::write_all(ready->write, "r");
    ::pause();
    return "";
  });
  ASSERT_TRUE(Succeeds(child));
  sys::close(ready->write);
  auto got = sys::poll_readable(ready->read, 30'000);
  sys::close(ready->read);
  ASSERT_TRUE(got && *got) << "the sandboxed child never became ready";
  // The child's own resident shared memory (RssShmem, per process: other tests running meanwhile
  // cannot move it, as they move the machine-wide Shmem counter) holds both objects.
  auto status = sys::read_file("/proc/" + std::to_string(child->pid()) + "/status");
  ASSERT_TRUE(Succeeds(status));
  const auto at = status->find("RssShmem:");
  ASSERT_NE(at, std::string::npos) << *status;
  const std::uint64_t child_shmem = std::strtoull(status->c_str() + at + 9, nullptr, 10) * 1024;
  EXPECT_GE(child_shmem, 2 * kBytes) << "the objects were not created and touched";
  const std::uint64_t shmem_during = test::meminfo_shmem_bytes();

  ASSERT_TRUE(Succeeds(child->kill(SIGKILL)));
  auto exit = child->wait();
  ASSERT_TRUE(Succeeds(exit));
  EXPECT_EQ(exit->signal, SIGKILL);
  // Namespace teardown is asynchronous (free_ipc runs from a workqueue): poll until it is done, with
  // no time bound — memory that is never freed keeps the loop going until ctest's timeout fails it.
  std::uint64_t shmem_after = test::meminfo_shmem_bytes();
  while (shmem_after > shmem_before + 16 * kMiB) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    shmem_after = test::meminfo_shmem_bytes();
  }
  EXPECT_LE(shmem_after, shmem_before + 16 * kMiB)
      << "Shmem before " << shmem_before << ", during " << shmem_during << ", after " << shmem_after;
}

// In a chroot (kernel: no user namespaces there) the sandbox's refusal must name the chroot.
TEST(Sandbox, UnprivilegedUserGetsAUserNamespaceSandbox) {
  if (!test::is_root()) GTEST_SKIP() << "needs root to run a child as another uid";
  auto max = sys::read_file("/proc/sys/user/max_user_namespaces");
  if (max && std::stoul(*max) == 0) GTEST_SKIP() << "user namespaces are disabled here (user.max_user_namespaces=0)";
  const bool chrooted = !root_is_a_mount_point();  // a chroot into a plain directory
  const auto exit = test::run_as_other_user([chrooted]() -> ChildReport {
    auto kind = enter_sandbox({.shmmni = 5, .dev_shm_bytes = 2 * kMiB});
    if (chrooted) {
      // The kernel refuses CLONE_NEWUSER in a chroot: the sandbox must say that, in one line. Under
      // TSan its thread is refused first (unshare checks the thread count before the chroot).
      if (kind) return "entered a user namespace in a chroot";
      const char* reason = test::kThreadSanitizer ? "single-threaded" : "chroot";
      if (kind.error().message().find(reason) == std::string::npos) return kind.error().message();
      return "";
    }
    if (test::kThreadSanitizer) {
      // TSan runs a background thread in every process, and the kernel refuses CLONE_NEWUSER to a
      // multithreaded process: the sandbox must say so instead of failing obscurely.
      if (kind) return "entered a user namespace although TSan's thread is running";
      if (kind.error().message().find("single-threaded") == std::string::npos) return kind.error().message();
      return "";
    }
    if (!kind) return kind.error().message();
    if (*kind != SandboxKind::kUserNamespace) return "expected a user-namespace sandbox";
    auto info = sysv_ipc_info();
    if (!info) return info.error().message();
    if (info->limits.shmmni != 5) return "shmmni " + std::to_string(info->limits.shmmni) + " instead of 5";
    auto p = PosixSegment::create({.name = "/unpriv", .size = kPage});
    if (!p) return p.error().message();
    auto s = SysvSegment::create({.size = kPage});
    if (!s) return s.error().message();
    return "";
  });
  EXPECT_TRUE(exit.ok()) << exit.describe();
}

TEST(Sandbox, MultithreadedUnprivilegedCallerGetsAClearError) {
  if (!test::is_root()) GTEST_SKIP() << "needs root to run a child as another uid";
  const auto exit = test::run_as_other_user([]() -> ChildReport {
    // A second thread that lives until the call has been made, however slow the machine.
    std::atomic<bool> done{false};
    std::thread idle([&done] {
      while (!done.load()) std::this_thread::yield();
    });
    auto kind = enter_sandbox({});
    done.store(true);
    idle.join();
    if (kind) return "a multithreaded process entered a user namespace";
    if (kind.error().message().find("single-threaded") == std::string::npos) return kind.error().message();
    return "";
  });
  EXPECT_TRUE(exit.ok()) << exit.describe();
}

}  // namespace
}  // namespace shmh
