#include "cli/supervised_run.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <cstdio>

#include "core/cleanup/leftovers.h"
#include "core/process/child_process.h"

namespace shmh::cli {
namespace {

// The one piece of process-wide state the CLI keeps: the child a signal handler forwards to.
volatile sig_atomic_t g_child = 0;  // NOLINT(cppcoreguidelines-avoid-non-const-global-variables)

void forward(int sig) {
  if (g_child > 0) ::kill(static_cast<pid_t>(g_child), sig);  // async-signal-safe
}

constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP};

// Removes what the child created and left behind; returns how many objects went. The child's own
// children die with it (PR_SET_PDEATHSIG) but not at the same instant: while one of them is still
// attached, the object counts as in use, so look again for up to two seconds.
std::size_t sweep(pid_t child) {
  std::size_t removed = 0;
  for (int round = 0; round < 100; ++round) {
    auto found = find_leftovers();
    if (!found) return removed;
    bool busy = false;
    for (const auto& l : *found) {
      if (l.creator != child) continue;
      if (l.in_use) {
        busy = true;
      } else if (remove_leftover(l)) {
        ++removed;
      }
    }
    if (!busy) return removed;
    ::usleep(20'000);
  }
  return removed;
}

}  // namespace

Outcome run_supervised(const char* command, const std::function<Outcome()>& body) {
  std::fflush(stdout);  // nothing buffered may be printed twice
  struct sigaction handler {};
  handler.sa_handler = forward;
  struct sigaction old[3] = {};
  for (int i = 0; i < 3; ++i) ::sigaction(kSignals[i], &handler, &old[i]);
  // Hold the signals until the handler knows whom to forward to: one arriving between the fork and
  // g_child's assignment would otherwise be lost and the run would go on.
  sigset_t block;
  sigset_t previous;
  sigemptyset(&block);
  for (int sig : kSignals) sigaddset(&block, sig);
  ::pthread_sigmask(SIG_BLOCK, &block, &previous);

  auto child = ChildProcess::spawn([&]() -> ChildReport {
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig : kSignals) ::sigaction(sig, &dfl, nullptr);
    ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    const Outcome outcome = body();
    std::fflush(stdout);
    return ChildReport{static_cast<int>(outcome), ""};
  });
  if (!child) {
    ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    for (int i = 0; i < 3; ++i) ::sigaction(kSignals[i], &old[i], nullptr);
    std::fprintf(stderr, "shmharness %s: %s\n", command, child.error().message().c_str());
    return Outcome::kError;
  }
  const pid_t pid = child->pid();
  g_child = pid;
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);  // a held signal is forwarded now
  auto exit = child->wait();
  g_child = 0;
  for (int i = 0; i < 3; ++i) ::sigaction(kSignals[i], &old[i], nullptr);
  const std::size_t removed = sweep(pid);
  if (!exit) {
    std::fprintf(stderr, "shmharness %s: %s\n", command, exit.error().message().c_str());
    return Outcome::kError;
  }
  if (exit->signal != 0) {
    std::fprintf(stderr, "shmharness %s: interrupted by SIG%s; removed %zu leftover object(s)\n", command,
                 sigabbrev_np(exit->signal) != nullptr ? sigabbrev_np(exit->signal) : "?", removed);
    return Outcome::kInterrupted;
  }
  // The child's exit code carries its Outcome; anything else (a crash report's code) is an error.
  switch (exit->code) {
    case static_cast<int>(Outcome::kPass):
      return Outcome::kPass;
    case static_cast<int>(Outcome::kFinding):
      return Outcome::kFinding;
    case static_cast<int>(Outcome::kInterrupted):
      return Outcome::kInterrupted;
    default:
      return Outcome::kError;
  }
}

}  // namespace shmh::cli
