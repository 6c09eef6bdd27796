#include "core/process/child_process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "core/sys/sys.h"
#include "tests/support/test_support.h"

namespace shmh {
namespace {

using std::chrono::milliseconds;
using test::FailsWith;
using test::Succeeds;

TEST(ChildProcess, ReportsSuccess) {
  auto child = ChildProcess::spawn([] { return std::string{}; });
  ASSERT_TRUE(Succeeds(child));
  EXPECT_GT(child->pid(), 0);
  auto exit = child->wait();
  ASSERT_TRUE(Succeeds(exit));
  EXPECT_TRUE(exit->ok()) << exit->describe();
  EXPECT_EQ(exit->describe(), "exited 0");
  EXPECT_FALSE(child->running());
}

TEST(ChildProcess, ReportsAFailureMessage) {
  auto child = ChildProcess::spawn([] { return std::string("pattern mismatch at 12"); });
  ASSERT_TRUE(Succeeds(child));
  auto exit = child->wait();
  ASSERT_TRUE(Succeeds(exit));
  EXPECT_FALSE(exit->ok());
  EXPECT_EQ(exit->code, 1);
  EXPECT_EQ(exit->describe(), "exited 1: pattern mismatch at 12");
}

TEST(ChildProcess, ExplicitCodeAndException) {
  auto coded = ChildProcess::spawn([] { return ChildReport{7, "seven"}; });
  ASSERT_TRUE(Succeeds(coded));
  auto e1 = coded->wait();
  EXPECT_EQ(e1->code, 7);
  EXPECT_EQ(e1->message, "seven");
  auto thrower = ChildProcess::spawn([]() -> ChildReport { throw std::runtime_error("boom"); });
  ASSERT_TRUE(Succeeds(thrower));
  auto e2 = thrower->wait();
  EXPECT_EQ(e2->code, 3);
  EXPECT_EQ(e2->message, "exception: boom");
}

TEST(ChildProcess, ReportsTheKillingSignal) {
  auto child = ChildProcess::spawn([]() -> ChildReport {
    ::pause();
    return "pause returned";
  });
  ASSERT_TRUE(Succeeds(child));
  ASSERT_TRUE(Succeeds(child->kill(SIGTERM)));
  auto exit = child->wait();
  ASSERT_TRUE(Succeeds(exit));
  EXPECT_EQ(exit->signal, SIGTERM);
  EXPECT_EQ(exit->describe(), "killed by SIGTERM");
  EXPECT_TRUE(FailsWith(child->kill(SIGTERM), ESRCH)) << "reaped";
}

TEST(ChildProcess, WaitTimesOutAndTheChildKeepsRunning) {
  auto child = ChildProcess::spawn([]() -> ChildReport {
    ::pause();
    return "";
  });
  ASSERT_TRUE(Succeeds(child));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(FailsWith(child->wait(milliseconds(100)), ETIMEDOUT));
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(90));
  EXPECT_TRUE(sys::process_alive(child->pid()));
  ASSERT_TRUE(Succeeds(child->kill(SIGKILL)));
  auto exit = child->wait(milliseconds(10'000));
  ASSERT_TRUE(Succeeds(exit));
  EXPECT_EQ(exit->signal, SIGKILL);
}

TEST(ChildProcess, DestructorKillsAndReaps) {
  pid_t pid = 0;
  {
    auto child = ChildProcess::spawn([]() -> ChildReport {
      ::pause();
      return "";
    });
    ASSERT_TRUE(Succeeds(child));
    pid = child->pid();
  }
  // Reaped: no zombie with that pid remains for us to wait on.
  EXPECT_TRUE(FailsWith(sys::waitpid(pid, WNOHANG), ECHILD));
}

TEST(ChildProcess, GrandchildDiesWithItsParent) {
  // The middle process spawns a grandchild that would sleep forever, tells us its pid, and is
  // SIGKILLed: PR_SET_PDEATHSIG must take the grandchild with it.
  auto pipe = sys::pipe();
  ASSERT_TRUE(Succeeds(pipe));
  auto middle = ChildProcess::spawn([&]() -> ChildReport {
    auto grandchild = ChildProcess::spawn([]() -> ChildReport {
      ::pause();
      return "";
    });
    if (!grandchild) return grandchild.error().message();
    const pid_t gpid = grandchild->pid();
    (void)sys::write_all(pipe->write, std::string_view(reinterpret_cast<const char*>(&gpid), sizeof gpid));
    ::pause();
    return "";
  });
  ASSERT_TRUE(Succeeds(middle));
  sys::close(pipe->write);
  pid_t gpid = 0;
  ASSERT_TRUE(*sys::poll_readable(pipe->read, 10'000));
  ASSERT_EQ(::read(pipe->read, &gpid, sizeof gpid), static_cast<ssize_t>(sizeof gpid));
  sys::close(pipe->read);
  ASSERT_TRUE(sys::process_alive(gpid));
  ASSERT_TRUE(Succeeds(middle->kill(SIGKILL)));
  ASSERT_TRUE(Succeeds(middle->wait()));
  // The grandchild is re-parented (to init or a subreaper) and killed, not at the same instant:
  // wait for its death with no time bound — a grandchild that survives keeps this loop going until
  // ctest's timeout fails the test. A zombie still answers kill(pid, 0); /proc/<pid>/stat state 'Z'
  // means it is dead.
  auto dead = [gpid] {
    auto stat = sys::read_file("/proc/" + std::to_string(gpid) + "/stat");
    return !stat || stat->find(") Z ") != std::string::npos;
  };
  while (!dead()) std::this_thread::sleep_for(milliseconds(1));
  EXPECT_TRUE(dead()) << "grandchild " << gpid << " survived its parent's SIGKILL";
}

TEST(ChildProcess, TryWaitReapsOnlyOnceEnded) {
  // The child ends when told to (its pipe closes), so "still running" does not depend on timing.
  auto go = sys::pipe();
  ASSERT_TRUE(Succeeds(go));
  auto child = ChildProcess::spawn([&]() -> ChildReport {
    sys::close(go->write);
    char c = 0;
    (void)::read(go->read, &c, 1);  // returns 0 once the parent closes its end
    return "done";
  });
  ASSERT_TRUE(child) << child.error().message();
  sys::close(go->read);
  auto early = child->try_wait();
  ASSERT_TRUE(early) << early.error().message();
  EXPECT_FALSE(*early) << "still running";
  EXPECT_TRUE(child->running());
  sys::close(go->write);
  std::optional<ChildExit> exit;
  while (!exit) {  // no time bound: a child that never ends fails by ctest's timeout
    auto r = child->try_wait();
    ASSERT_TRUE(r);
    exit = *r;
    if (!exit) ::usleep(1'000);
  }
  EXPECT_EQ(exit->code, 1);
  EXPECT_EQ(exit->message, "done");
  EXPECT_FALSE(child->running());
  EXPECT_FALSE(child->try_wait()) << "nothing left to reap";
}

}  // namespace
}  // namespace shmh
