#include "core/process/run_command.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "core/sys/sys.h"

namespace shmh {

Result<ChildExit> run_command(const std::vector<std::string>& argv, const RunOptions& options) {
  if (argv.empty()) return logic_error("run_command", "no program given");
  auto child = ChildProcess::spawn([&]() -> ChildReport {
    if (options.own_process_group) ::setpgid(0, 0);
    if (!options.cwd.empty() && ::chdir(options.cwd.c_str()) != 0) {
      return {127, "cannot enter " + options.cwd + ": " + errno_name(errno)};
    }
    auto redirect = [](const std::string& path, std::initializer_list<int> targets) -> std::string {
      auto fd = sys::open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (!fd) return fd.error().message();
      for (int t : targets) ::dup2(*fd, t);
      sys::close(*fd);
      return "";
    };
    if (!options.output.empty()) {
      if (auto e = redirect(options.output, {STDOUT_FILENO, STDERR_FILENO}); !e.empty()) return {127, e};
    }
    if (!options.error_output.empty()) {
      if (auto e = redirect(options.error_output, {STDERR_FILENO}); !e.empty()) return {127, e};
    }
    for (const std::string& kv : options.env) {
      const auto eq = kv.find('=');
      if (eq == std::string::npos) continue;
      // NOLINTNEXTLINE(concurrency-mt-unsafe): the forked child has one thread
      ::setenv(kv.substr(0, eq).c_str(), kv.substr(eq + 1).c_str(), 1);
    }
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const std::string& a : argv)
      args.push_back(
          const_cast<char*>(a.c_str()));  // NOLINT(cppcoreguidelines-pro-type-const-cast): execvp's signature
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    return {127, "cannot run " + argv[0] + ": " + errno_name(errno)};
  });
  if (!child) return child.error();
  // The group when the child leads one (setpgid may not have run yet: set it from here too).
  const pid_t target = options.own_process_group ? -child->pid() : child->pid();
  if (options.own_process_group) ::setpgid(child->pid(), child->pid());
  const auto deadline = options.timeout ? std::chrono::steady_clock::now() + *options.timeout
                                        : std::chrono::steady_clock::time_point::max();
  for (;;) {
    const auto slice = options.should_stop ? std::chrono::milliseconds(100) : std::chrono::milliseconds(1000);
    auto exit = child->wait(slice);
    if (exit || exit.error().err != ETIMEDOUT) return exit;
    if (std::chrono::steady_clock::now() >= deadline) {
      (void)sys::kill(target, SIGKILL);
      (void)child->wait();
      return sys_error(ETIMEDOUT, "run_command", argv[0] + " still running after the timeout; killed");
    }
    if (options.should_stop && options.should_stop()) {
      (void)sys::kill(target, SIGTERM);
      auto ended = child->wait(std::chrono::seconds(5));
      if (ended) return ended;
      (void)sys::kill(target, SIGKILL);
      return child->wait();
    }
  }
}

bool program_available(const std::string& program) {
  if (program.find('/') != std::string::npos) return ::access(program.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");  // NOLINT(concurrency-mt-unsafe): read-only use
  std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    const std::size_t end = std::min(dirs.find(':', start), dirs.size());
    const std::string candidate = dirs.substr(start, end - start) + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) return true;
    start = end + 1;
  }
  return false;
}

}  // namespace shmh
