// The sandbox, `smoke` and a short stress campaign in a chroot whose root is not a mount point —
// Debian's sbuild and pbuilder, mock, many CI build roots — built the way those are: a plain
// directory with the system's /usr, /lib*, /etc, /proc, /sys, /dev and the build tree bound under
// it. The chroot lives on a tmpfs in a mount namespace of the test's own, so nothing of it reaches
// the host or its disk, and its /dev is made shared there: a sandbox that mounted its /dev/shm
// without making that mount private first would leak the mount back into the test's namespace.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "core/process/child_process.h"
#include "core/sandbox/mount_table.h"
#include "core/sandbox/sandbox.h"
#include "core/sys/sys.h"
#include "tests/support/test_support.h"

namespace shmh {
namespace {

namespace fs = std::filesystem;

std::string errno_text(const std::string& what) {
  return what + ": " + std::error_code(errno, std::generic_category()).message();
}

// Binds `from` at the same path under `root` (a directory, or a file's directory tree).
std::string bind_under(const std::string& root, const std::string& from, bool recursive) {
  const std::string to = root + from;
  std::error_code ec;
  fs::create_directories(to, ec);
  if (ec) return "mkdir " + to + ": " + ec.message();
  unsigned long flags = MS_BIND;
  if (recursive) flags |= MS_REC;
  if (::mount(from.c_str(), to.c_str(), nullptr, flags, nullptr) != 0) return errno_text("bind " + from);
  return {};
}

// A directory no part of the build tree is under, to put the chroot's tmpfs on (in the test's own
// mount namespace: the host's stays as it was).
std::string scratch_mount_point() {
  const std::string build = SHMH_BUILD_DIR;
  for (const char* dir : {"/mnt", "/media", "/srv", "/opt"}) {
    std::string d = dir;
    if (fs::is_directory(d) && build.rfind(d + "/", 0) != 0) return d;
  }
  return {};
}

// Makes the chroot under a fresh tmpfs; its path, or "" with `error` set.
std::string make_chroot(std::string* error) {
  const std::string base = scratch_mount_point();
  if (base.empty()) {
    *error = "no directory to mount the chroot's tmpfs on";
    return {};
  }
  if (::mount("shmh-chroot-test", base.c_str(), "tmpfs", 0, "size=16m") != 0) {
    *error = errno_text("mount tmpfs on " + base);
    return {};
  }
  std::string root = base + "/root";
  for (const char* dir : {"/usr", "/etc"}) {
    if (auto e = bind_under(root, dir, false); !e.empty()) {
      *error = e;
      return {};
    }
  }
  for (const char* dir : {"/proc", "/sys", "/dev"}) {
    if (auto e = bind_under(root, dir, true); !e.empty()) {
      *error = e;
      return {};
    }
  }
  if (auto e = bind_under(root, SHMH_BUILD_DIR, false); !e.empty()) {
    *error = e;
    return {};
  }
  // Merged /usr (Debian 12): /bin, /lib* are symlinks into /usr; otherwise directories to bind.
  for (const char* top : {"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"}) {
    std::error_code ec;
    const auto st = fs::symlink_status(top, ec);
    if (ec || !fs::exists(st)) continue;  // not on this system
    if (fs::is_symlink(st)) {
      fs::create_symlink(fs::read_symlink(top), root + top, ec);
      if (ec) {
        *error = std::string(top) + ": " + ec.message();
        return {};
      }
    } else if (fs::is_directory(st)) {
      if (auto e = bind_under(root, top, false); !e.empty()) {
        *error = e;
        return {};
      }
    }
  }
  fs::create_directories(root + "/tmp");
  fs::permissions(root + "/tmp", fs::perms::all | fs::perms::sticky_bit);
  // Shared, so that a mount on the chroot's /dev/shm that is not made private shows up out here.
  if (::mount(nullptr, (root + "/dev").c_str(), nullptr, MS_REC | MS_SHARED, nullptr) != 0) {
    *error = errno_text("make the chroot's /dev shared");
    return {};
  }
  return root;
}

// Runs the CLI inside `root` with `args`; its exit status (or -1), its output in `output`.
int run_cli_in(const std::string& root, const std::vector<std::string>& args, std::string* output) {
  const std::string log = "/tmp/cli.log";  // inside the chroot
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (::chroot(root.c_str()) != 0 || ::chdir("/") != 0) ::_exit(120);
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || ::dup2(fd, 1) < 0 || ::dup2(fd, 2) < 0) ::_exit(121);
    std::vector<char*> argv;
    std::string self = SHMH_CLI_PATH;
    argv.push_back(self.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(self.c_str(), argv.data());
    ::_exit(122);
  }
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid) return -1;
  std::ifstream in(root + log);
  std::stringstream text;
  text << in.rdbuf();
  *output = text.str();
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// How many mounts of the sandbox's tmpfs this namespace has (the test process runs in a sandbox of
// its own: one is there from the start).
std::size_t sandbox_mounts() {
  auto info = sys::read_file("/proc/self/mountinfo");
  std::size_t n = 0;
  for (std::size_t at = 0; info && (at = info->find(" shmh-sandbox ", at)) != std::string::npos; ++at) ++n;
  return n;
}

constexpr int kCannotIsolate = 77;  // the child's exit code when it cannot build a chroot safely here

// Everything happens in a child with a mount namespace of its own: the host never sees the chroot.
ChildReport in_a_chroot() {
  if (::unshare(CLONE_NEWNS) != 0) return {1, errno_text("unshare(CLONE_NEWNS)")};
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    const int err = errno;
    // Already in such a chroot (the suite run in one): the mount the scratch tmpfs lands on is the
    // one that must not propagate.
    auto info = sys::read_file("/proc/self/mountinfo");
    const auto holder = info ? mount_holding(scratch_mount_point(), mount_points(*info)) : std::nullopt;
    if (err == EINVAL && !holder) {
      return {kCannotIsolate, "already in a chroot with no visible mount holding " + scratch_mount_point() +
                                  ": a chroot built here could leak its mounts"};
    }
    if (err != EINVAL || ::mount(nullptr, holder->c_str(), nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
      return {1, errno_text("make / (or the mount holding " + scratch_mount_point() + ") private")};
    }
  }
  std::string error;
  const std::string root = make_chroot(&error);
  if (root.empty()) return {1, error};
  const std::size_t sandboxes_before = sandbox_mounts();  // the chroot's /dev/shm may be one: /dev is bound whole

  // 1. The sandbox in-process, in the chroot.
  auto sandboxed = ChildProcess::spawn([&root]() -> ChildReport {
    if (::chroot(root.c_str()) != 0 || ::chdir("/") != 0) return {1, errno_text("chroot")};
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0 || errno != EINVAL) {
      return {1, "the chroot's / is a mount point (or another error): not the case this test is about"};
    }
    auto kind = enter_sandbox({.dev_shm_bytes = 1 << 20});
    if (!kind) return {1, "enter_sandbox in a chroot: " + kind.error().message()};
    struct statfs st {};
    if (::statfs("/dev/shm", &st) != 0) return {1, errno_text("statfs /dev/shm")};
    if (static_cast<std::uint64_t>(st.f_blocks) * static_cast<std::uint64_t>(st.f_bsize) != (1U << 20)) {
      return {1, "the sandbox's /dev/shm is not its own 1 MiB tmpfs"};
    }
    return {};
  });
  if (!sandboxed) return {1, sandboxed.error().message()};
  auto exit = sandboxed->wait();
  if (!exit) return {1, exit.error().message()};
  if (!exit->ok()) return {1, exit->message.empty() ? "sandboxed child " + exit->describe() : exit->message};
  if (sandbox_mounts() != sandboxes_before) return {1, "the sandbox's /dev/shm mount propagated out of its namespace"};

  // 2. The CLI: smoke, then a short default campaign on the built-in ring, each in its own sandbox.
  std::string out;
  if (const int rc = run_cli_in(root, {"smoke"}, &out); rc != 0) {
    return {1, "smoke in the chroot exited " + std::to_string(rc) + ":\n" + out};
  }
  if (out.find("sandbox") == std::string::npos) return {1, "smoke did not say it ran in a sandbox:\n" + out};
  const int rc = run_cli_in(root, {"stress", "--channel", "ring", "--duration", "3s", "--seed", "11"}, &out);
  if (rc != 0) return {1, "stress in the chroot exited " + std::to_string(rc) + ":\n" + out};
  if (out.find("sandbox: privileged") == std::string::npos) {
    return {1, "stress in the chroot did not run in the privileged sandbox:\n" + out};
  }
  if (sandbox_mounts() != sandboxes_before) {
    return {1, "a CLI sandbox's /dev/shm mount propagated out of its namespace"};
  }
  return {};
}

TEST(Chroot, SandboxSmokeAndStressRunWhereRootIsNotAMountPoint) {
  if (!test::is_root()) GTEST_SKIP() << "building a chroot needs root (CI runs as root)";
  auto child = ChildProcess::spawn(in_a_chroot);
  ASSERT_TRUE(child.ok()) << child.error().message();
  auto exit = child->wait();
  ASSERT_TRUE(exit.ok()) << exit.error().message();
  if (exit->code == kCannotIsolate) GTEST_SKIP() << exit->message;
  EXPECT_TRUE(exit->ok()) << exit->message;
}

}  // namespace
}  // namespace shmh
