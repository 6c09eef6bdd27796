// ChildProcess: a forked child that runs a function and reports back — the unit every
// multi-process check is built from. The child ends with _exit (never exit: atexit handlers and
// LeakSanitizer must not run in a fork of a possibly threaded parent), dies with its parent
// (PR_SET_PDEATHSIG), and can send one short message back.
//
//   auto child = shmh::ChildProcess::spawn([&] {
//     return touch_segment(id) ? std::string{} : "pattern mismatch at 4096";
//   });
//   auto exit = child->wait();           // exit->ok(), exit->describe()
//
// Precondition: call spawn from a process that can fork safely (no locks held by other threads).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "core/result.h"

namespace shmh {

// How a child ended.
struct ChildExit {
  int code = -1;        // exit status when it exited; -1 when killed by a signal
  int signal = 0;       // the signal that killed it; 0 when it exited
  std::string message;  // what the body returned (a failure description), possibly cut to 4 KiB

  [[nodiscard]] bool ok() const { return signal == 0 && code == 0; }
  // "exited 0", "exited 1: <message>", "killed by SIGBUS".
  [[nodiscard]] std::string describe() const;
};

// What a child's body reports: an exit code and a message for the parent. A body that returns a
// string means "" = success (code 0), anything else = that failure (code 1).
struct ChildReport {
  int code = 0;
  std::string message;

  ChildReport() = default;
  ChildReport(std::string failure)  // NOLINT(google-explicit-constructor)
      : code(failure.empty() ? 0 : 1), message(std::move(failure)) {}
  ChildReport(const char* failure) : ChildReport(std::string(failure)) {}  // NOLINT(google-explicit-constructor)
  ChildReport(int exit_code, std::string msg) : code(exit_code), message(std::move(msg)) {}
};

class ChildProcess {
 public:
  // The body runs in the child. An exception escaping it becomes exit code 3 with its what().
  using Body = std::function<ChildReport()>;

  // fork(); the child runs `body` and _exits. EAGAIN/ENOMEM from fork; EMFILE from pipe.
  static Result<ChildProcess> spawn(const Body& body);

  ChildProcess() = default;
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  // A child still running is killed (SIGKILL) and reaped: no zombie, no orphan.
  ~ChildProcess();

  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] bool running() const { return pid_ > 0; }

  // Waits for the child to end and reaps it. With a timeout, ETIMEDOUT if it is still running
  // then (the child keeps running; wait again or kill it).
  [[nodiscard]] Result<ChildExit> wait(std::optional<std::chrono::milliseconds> timeout = std::nullopt);
  // Reaps the child if it has ended, without waiting: its exit, or nullopt while it runs.
  [[nodiscard]] Result<std::optional<ChildExit>> try_wait();
  // Sends a signal. ESRCH once reaped.
  [[nodiscard]] Result<void> kill(int sig) const;

 private:
  ChildProcess(pid_t pid, int message_fd) : pid_(pid), message_fd_(message_fd) {}
  void reset() noexcept;
  ChildExit reaped(int status);

  pid_t pid_ = -1;
  int message_fd_ = -1;
};

}  // namespace shmh
