// Sandbox: a private IPC namespace (System V objects and their limits in /proc/sys/kernel/shm*)
// plus a private mount namespace with its own tmpfs on /dev/shm (POSIX objects; its size= is the
// POSIX limit). Nothing created inside can outlive the sandbox: the kernel destroys the objects
// with the namespace when its last process ends, however it ends (SIGKILL included).
//
//   auto child = shmh::spawn_sandboxed({.shmmni = 8, .dev_shm_bytes = 4 << 20}, [] {
//     ...create segments; the 9th shmget answers ENOSPC...
//     return std::string{};
//   });
//
// As root: unshare(CLONE_NEWIPC | CLONE_NEWNS). Otherwise (or when root lacks CAP_SYS_ADMIN, as in
// a container): the same plus CLONE_NEWUSER, mapping the caller to root inside. In a chroot whose
// root is not a mount point, only the mount holding /dev/shm is made private (mount_table.h). Where neither is
// allowed, the error says which and what to do; the fallback is tagged objects + `shmharness clean`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/process/child_process.h"
#include "core/result.h"

namespace shmh {

// Limits to set inside the sandbox; unset ones keep the values the new namespace starts with
// (the kernel's defaults for IPC, the host /dev/shm's size for the tmpfs).
struct SandboxLimits {
  std::optional<std::uint64_t> shmmax;         // bytes, /proc/sys/kernel/shmmax
  std::optional<std::uint64_t> shmall;         // pages, /proc/sys/kernel/shmall
  std::optional<std::uint64_t> shmmni;         // segments, /proc/sys/kernel/shmmni (≤ 32768)
  std::optional<int> shm_rmid_forced;          // 0 or 1
  std::optional<std::uint64_t> dev_shm_bytes;  // size= of the private /dev/shm tmpfs
};

enum class SandboxKind {
  kPrivileged,     // IPC + mount namespaces as root
  kUserNamespace,  // the same inside a new user namespace
};

// "privileged" or "user-namespace".
const char* to_string(SandboxKind kind);

// Moves the calling process into a new sandbox with the given limits. Precondition: the process is
// single-threaded (the kernel refuses CLONE_NEWUSER otherwise, with EINVAL). Call once per process
// (a fuzzer's init) — or again to nest a fresh one. Errors name the failing step: unshare EPERM
// (no privilege and user namespaces disabled), mount, a /proc/sys write (EINVAL: limit out of
// range).
[[nodiscard]] Result<SandboxKind> enter_sandbox(const SandboxLimits& limits = {});

// Whether this process, or one it was forked from, entered a sandbox (enter_sandbox succeeded): its
// IPC namespace is private, so a write to /proc/sys/kernel/shm* changes no one else's.
[[nodiscard]] bool inside_sandbox();

// Forks a child that enters a new sandbox and runs `body` there (see ChildProcess). If the
// sandbox cannot be made, the child exits with code 2 and the reason as its message.
[[nodiscard]] Result<ChildProcess> spawn_sandboxed(const SandboxLimits& limits, const ChildProcess::Body& body);

// Whether a sandbox can be made here, tried in a throwaway child: the kind, or the reason not.
[[nodiscard]] Result<SandboxKind> probe_sandbox();

// Exit code of a sandboxed child whose sandbox could not be made.
inline constexpr int kSandboxUnavailableExit = 2;

}  // namespace shmh
