// sys::stop_site: where a stopped process was — running its own code or inside a system call — read
// from /proc/<pid>/syscall, on real processes stopped with SIGSTOP, and the parser on the file's forms.
#include "core/sys/stop_site.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "core/process/child_process.h"
#include "tests/support/test_support.h"

namespace shmh::sys {
namespace {

TEST(StopSite, ParsesTheFilesForms) {
  EXPECT_EQ(parse_stop_site("-1 0x7ffc2de99910 0x55d0c0de1234\n"), StopSite::kUserCode);
  EXPECT_EQ(parse_stop_site("24 0x0 0x0 0x0 0x0 0x1 0x0 0x7ffc2de9a040 0x7f00deadbeef\n"), StopSite::kSyscall);
  EXPECT_EQ(parse_stop_site("0 0x3 0x7ffc 0x1 0x0 0x0 0x0 0x7ffc 0x7f00\n"), StopSite::kSyscall);  // read
  for (const char* text : {"running\n", "", " ", "-2 0x0 0x0\n", "x 0x0\n", "24x 0x0\n", "-1"}) {
    EXPECT_EQ(parse_stop_site(text), StopSite::kUnknown) << '"' << text << '"';
  }
}

// SIGSTOPs the child and waits for the stop report (not a reap).
void stop(const ChildProcess& child) {
  ASSERT_TRUE(test::Succeeds(child.kill(SIGSTOP)));
  siginfo_t info{};
  ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(child.pid()), &info, WSTOPPED), 0);
}

TEST(StopSite, AProcessStoppedWhileItComputesIsInItsOwnCode) {
  // The child counts in shared memory with no system call in its loop; once the parent has seen
  // the count move, the child is past its last system call and any stop lands in the loop.
  void* page = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(page, MAP_FAILED);
  auto* count = static_cast<std::atomic<std::uint64_t>*>(page);
  auto child = ChildProcess::spawn([count]() -> ChildReport {
    for (;;) count->fetch_add(1, std::memory_order_relaxed);
  });
  ASSERT_TRUE(test::Succeeds(child));
  while (count->load(std::memory_order_relaxed) == 0) std::this_thread::yield();
  EXPECT_EQ(stop_site(child->pid()), StopSite::kUnknown) << "a running process has no stop site";
  stop(*child);
  EXPECT_EQ(stop_site(child->pid()), StopSite::kUserCode);
  ASSERT_TRUE(test::Succeeds(child->kill(SIGKILL)));
  (void)child->wait();
  ::munmap(page, 4096);
}

TEST(StopSite, AProcessStoppedWhileItWaitsIsInASystemCall) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  auto child = ChildProcess::spawn([fd = fds[0]]() -> ChildReport {
    char c = 0;
    (void)::read(fd, &c, 1);  // blocks: nobody writes
    return {};
  });
  ASSERT_TRUE(test::Succeeds(child));
  test::wait_until_sleeping(child->pid());
  EXPECT_EQ(stop_site(child->pid()), StopSite::kSyscall) << "asleep in read";
  stop(*child);
  EXPECT_EQ(stop_site(child->pid()), StopSite::kSyscall);
  ASSERT_TRUE(test::Succeeds(child->kill(SIGKILL)));
  (void)child->wait();
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST(StopSite, AProcessThatIsNotThereHasNoSite) {
  auto child = ChildProcess::spawn([]() -> ChildReport { return {}; });
  ASSERT_TRUE(test::Succeeds(child));
  const pid_t pid = child->pid();
  ASSERT_TRUE(test::Succeeds(child->wait()));
  EXPECT_EQ(stop_site(pid), StopSite::kUnknown);
}

}  // namespace
}  // namespace shmh::sys
