#include "core/sandbox/sandbox.h"

#include <sched.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <string>

#include "core/sandbox/mount_table.h"
#include "core/sys/sys.h"

namespace shmh {
namespace {

constexpr const char* kDevShm = "/dev/shm";
std::atomic<bool> g_inside{false};  // inside_sandbox()

Result<void> write_limit(const char* name, std::uint64_t value) {
  // The ipc sysctls are per IPC namespace: these writes change only the sandbox's limits.
  auto r = sys::write_file(std::string("/proc/sys/kernel/") + name, std::to_string(value));
  if (!r)
    return sys_error(r.error().err, r.error().call, std::string("set kernel.") + name + "=" + std::to_string(value));
  return {};
}

// Maps the caller's uid/gid to root inside a just-created user namespace, so it may mount and
// write the namespace's ipc sysctls (which belong to the namespace's uid 0, ipc/ipc_sysctl.c).
Result<void> map_to_root(uid_t uid, gid_t gid) {
  // setgroups must be denied before an unprivileged process may write gid_map (user_namespaces(7)).
  if (auto r = sys::write_file("/proc/self/setgroups", "deny"); !r && r.error().err != ENOENT) return r;
  if (auto r = sys::write_file("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1"); !r) return r;
  return sys::write_file("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1");
}

Result<SandboxKind> unshare_namespaces() {
  const uid_t uid = ::geteuid();
  const gid_t gid = ::getegid();
  if (uid == 0) {
    auto r = sys::unshare(CLONE_NEWIPC | CLONE_NEWNS);
    if (r) return SandboxKind::kPrivileged;
    // Root without CAP_SYS_ADMIN (a container): a user namespace may still be allowed.
    if (r.error().err != EPERM) return r.error();
  }
  auto r = sys::unshare(CLONE_NEWUSER | CLONE_NEWIPC | CLONE_NEWNS);
  if (!r) {
    std::string why = "cannot create private IPC/mount namespaces: ";
    if (r.error().err == EINVAL) {
      why += "the process must be single-threaded";
    } else if (!root_is_a_mount_point()) {
      why +=
          "this process is in a chroot (its / is not a mount point), where the kernel refuses user namespaces "
          "(user_namespaces(7)): run as root, or outside the chroot; without a sandbox use tagged objects and "
          "`shmharness clean`";
    } else {
      why +=
          "run as root, or allow user namespaces (sysctl user.max_user_namespaces > 0; "
          "kernel.unprivileged_userns_clone=1 or kernel.apparmor_restrict_unprivileged_userns=0 where they "
          "exist; a chroot forbids them too); without a sandbox use tagged objects and `shmharness clean`";
    }
    return sys_error(r.error().err, "unshare", why);
  }
  if (auto m = map_to_root(uid, gid); !m) {
    if (m.error().err != EACCES) return m.error();
    // A process that changed uid is not dumpable, so its /proc/self files are root's.
    return sys_error(EACCES, m.error().call,
                     m.error().detail + ": the process is not dumpable (it changed uid); run it as that user directly");
  }
  return SandboxKind::kUserNamespace;
}

// Stops mount events propagating back to the host before anything is mounted: `/` and everything
// below it made private. In a chroot whose root is not a mount point that fails with EINVAL; then
// only the mount that /dev/shm's tmpfs lands on matters, and it is made private if the chroot can
// see it. In a user namespace nothing propagates out anyway: the mounts copied from a more
// privileged namespace are slaves (mount_namespaces(7)), so there the sandbox goes on regardless.
Result<void> isolate_mounts(SandboxKind kind) {
  auto r = sys::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, {});
  if (r || r.error().err != EINVAL) return r;
  auto info = sys::read_file("/proc/self/mountinfo");
  if (!info) return info.error();
  if (const auto holder = mount_holding(kDevShm, mount_points(*info))) {
    return sys::mount(nullptr, holder->c_str(), nullptr, MS_REC | MS_PRIVATE, {});
  }
  if (kind == SandboxKind::kUserNamespace) return {};
  return sys_error(EINVAL, "mount",
                   "/ is not a mount point (a chroot?) and no mount holding /dev/shm is visible in it: bind /dev "
                   "into the chroot (mount --rbind /dev CHROOT/dev) or make its root a mount point (mount --bind "
                   "CHROOT CHROOT)");
}

Result<std::uint64_t> dev_shm_size() {
  struct statvfs st {};
  if (::statvfs(kDevShm, &st) == -1) return sys_error(errno, "statvfs", kDevShm);
  return static_cast<std::uint64_t>(st.f_blocks) * st.f_frsize;
}

}  // namespace

bool inside_sandbox() { return g_inside.load(std::memory_order_relaxed); }

const char* to_string(SandboxKind kind) { return kind == SandboxKind::kPrivileged ? "privileged" : "user-namespace"; }

Result<SandboxKind> enter_sandbox(const SandboxLimits& limits) {
  std::uint64_t tmpfs_bytes = 0;
  if (limits.dev_shm_bytes) {
    tmpfs_bytes = *limits.dev_shm_bytes;
  } else {
    // Keep the host's /dev/shm size, so the POSIX limit inside matches the machine's.
    auto host = dev_shm_size();
    if (!host) return host.error();
    tmpfs_bytes = *host;
  }

  auto kind = unshare_namespaces();
  if (!kind) return kind.error();
  g_inside.store(true, std::memory_order_relaxed);

  if (auto r = isolate_mounts(*kind); !r) return r.error();
  // tmpfs rounds size= up to whole pages; "size=0" would mean unlimited, so 0 becomes one page.
  const std::uint64_t size = tmpfs_bytes == 0 ? sys::page_size() : tmpfs_bytes;
  if (auto r = sys::mount("shmh-sandbox", kDevShm, "tmpfs", MS_NOSUID | MS_NODEV,
                          "size=" + std::to_string(size) + ",mode=1777");
      !r) {
    return r.error();
  }

  if (limits.shmmax) {
    if (auto r = write_limit("shmmax", *limits.shmmax); !r) return r.error();
  }
  if (limits.shmall) {
    if (auto r = write_limit("shmall", *limits.shmall); !r) return r.error();
  }
  if (limits.shmmni) {
    if (auto r = write_limit("shmmni", *limits.shmmni); !r) return r.error();
  }
  if (limits.shm_rmid_forced) {
    if (auto r = write_limit("shm_rmid_forced", static_cast<std::uint64_t>(*limits.shm_rmid_forced)); !r) {
      return r.error();
    }
  }
  return *kind;
}

Result<ChildProcess> spawn_sandboxed(const SandboxLimits& limits, const ChildProcess::Body& body) {
  return ChildProcess::spawn([&limits, &body]() -> ChildReport {
    // Exit code 2 tells "no sandbox" apart from a failure of the body.
    if (auto kind = enter_sandbox(limits); !kind) return {kSandboxUnavailableExit, kind.error().message()};
    return body();
  });
}

Result<SandboxKind> probe_sandbox() {
  auto child = ChildProcess::spawn([]() -> ChildReport {
    auto kind = enter_sandbox({});
    if (!kind) return {kSandboxUnavailableExit, kind.error().message()};
    return {10 + static_cast<int>(*kind), {}};
  });
  if (!child) return child.error();
  auto exit = child->wait();
  if (!exit) return exit.error();
  if (exit->code == 10 + static_cast<int>(SandboxKind::kPrivileged)) return SandboxKind::kPrivileged;
  if (exit->code == 10 + static_cast<int>(SandboxKind::kUserNamespace)) return SandboxKind::kUserNamespace;
  return logic_error("sandbox", exit->message.empty() ? "probe child " + exit->describe() : exit->message);
}

}  // namespace shmh
