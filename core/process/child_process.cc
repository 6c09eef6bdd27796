#include "core/process/child_process.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <string_view>
#include <utility>

#include "core/sys/sys.h"

namespace shmh {
namespace {

constexpr std::size_t kMaxMessage = 4096;  // below PIPE_BUF·16: the child's write never blocks

std::string signal_name(int sig) {
  if (const char* abbrev = ::sigabbrev_np(sig)) return std::string("SIG") + abbrev;
  return "signal " + std::to_string(sig);
}

#if defined(SHMH_COVERAGE_BUILD)
extern "C" int __llvm_profile_write_file(void);  // NOLINT(bugprone-reserved-identifier): clang's profile runtime
#endif

// Runs in the child after fork: never returns.
[[noreturn]] void child_main(const ChildProcess::Body& body, int message_fd, pid_t parent) {
  // Die with the parent, so a SIGKILL of the whole run leaves no orphan holding a segment. The
  // parent may have died between fork and prctl: then getppid() has already changed.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(4);
  std::string message;
  int code = 0;
  try {
    ChildReport report = body();
    code = report.code;
    message = std::move(report.message);
  } catch (const std::exception& e) {
    message = std::string("exception: ") + e.what();
    code = 3;
  } catch (...) {
    message = "unknown exception";
    code = 3;
  }
  if (!message.empty()) (void)sys::write_all(message_fd, std::string_view(message).substr(0, kMaxMessage));
#if defined(SHMH_COVERAGE_BUILD)
  __llvm_profile_write_file();  // _exit skips the atexit hook that would write it
#endif
  ::_exit(code);
}

}  // namespace

std::string ChildExit::describe() const {
  std::string out = signal != 0 ? "killed by " + signal_name(signal) : "exited " + std::to_string(code);
  if (!message.empty()) out += ": " + message;
  return out;
}

Result<ChildProcess> ChildProcess::spawn(const Body& body) {
  auto fds = sys::pipe();
  if (!fds) return fds.error();
  const pid_t parent = ::getpid();
  auto pid = sys::fork();
  if (!pid) {
    sys::close(fds->read);
    sys::close(fds->write);
    return pid.error();
  }
  if (*pid == 0) {
    sys::close(fds->read);
    child_main(body, fds->write, parent);
  }
  sys::close(fds->write);
  return ChildProcess(*pid, fds->read);
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), message_fd_(std::exchange(other.message_fd_, -1)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    reset();
    pid_ = std::exchange(other.pid_, -1);
    message_fd_ = std::exchange(other.message_fd_, -1);
  }
  return *this;
}

ChildProcess::~ChildProcess() { reset(); }

void ChildProcess::reset() noexcept {
  if (pid_ > 0) {
    (void)sys::kill(pid_, SIGKILL);
    (void)sys::waitpid(pid_, 0);
    pid_ = -1;
  }
  if (message_fd_ >= 0) sys::close(std::exchange(message_fd_, -1));
}

Result<ChildExit> ChildProcess::wait(std::optional<std::chrono::milliseconds> timeout) {
  if (pid_ <= 0) return logic_error("wait", "no child to wait for");
  if (timeout) {
    // A pidfd becomes readable when the process exits: a bounded wait without polling loops.
    auto pidfd = sys::pidfd_open(pid_);
    if (!pidfd) return pidfd.error();
    auto ended = sys::poll_readable(*pidfd, static_cast<int>(timeout->count()));
    sys::close(*pidfd);
    if (!ended) return ended.error();
    if (!*ended) return sys_error(ETIMEDOUT, "wait", "pid " + std::to_string(pid_) + " still running");
  }
  auto st = sys::waitpid(pid_, 0);
  if (!st) return st.error();
  return reaped(st->status);
}

Result<std::optional<ChildExit>> ChildProcess::try_wait() {
  if (pid_ <= 0) return logic_error("wait", "no child to wait for");
  auto st = sys::waitpid(pid_, WNOHANG);
  if (!st) return st.error();
  if (st->pid == 0) return std::optional<ChildExit>{};
  return std::optional<ChildExit>{reaped(st->status)};
}

ChildExit ChildProcess::reaped(int status) {
  pid_ = -1;
  ChildExit out;
  if (WIFEXITED(status)) {
    out.code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    out.signal = WTERMSIG(status);
  }
  // The child has ended, so whatever it wrote is in the pipe; read it without blocking (a
  // grandchild may still hold the write end open, so EOF cannot be awaited).
  if (message_fd_ >= 0) {
    out.message = sys::read_available(message_fd_, kMaxMessage);
    sys::close(std::exchange(message_fd_, -1));
  }
  return out;
}

Result<void> ChildProcess::kill(int sig) const {
  if (pid_ <= 0) return sys_error(ESRCH, "kill", "child already reaped");
  return sys::kill(pid_, sig);
}

}  // namespace shmh
