// LimitsSnapshot: every kernel and environment limit that decides whether an application's shared
// memory fits on this machine, with current usage — read, never changed. What `shmharness limits`
// reports and checks requirements against.
//
//   auto snap = shmh::read_limits();
//   snap->shmmni - snap->sysv_segments_used   // segments still creatable
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/limits/remove_ipc.h"
#include "core/result.h"

namespace shmh {

inline constexpr std::uint64_t kUnlimited = ~std::uint64_t{0};

struct LimitsSnapshot {
  std::uint64_t page_size = 4096;
  // System V (/proc/sys/kernel, per IPC namespace).
  std::uint64_t shmmax = 0;  // bytes per segment
  std::uint64_t shmall = 0;  // pages in all segments
  std::uint64_t shmmni = 0;  // segments
  std::uint64_t shm_rmid_forced = 0;
  // System V usage (/proc/sysvipc/shm).
  std::uint64_t sysv_segments_used = 0;
  std::uint64_t sysv_bytes_used = 0;
  std::uint64_t sysv_pages_used = 0;  // sum of per-segment page-rounded sizes (what shmall counts)
  // POSIX: the tmpfs on /dev/shm (statvfs, /proc/self/mountinfo).
  bool dev_shm_mounted = false;
  std::string dev_shm_fstype;
  std::string dev_shm_options;  // mount and super options, e.g. "rw,nosuid,nodev,noexec,size=65536k"
  std::uint64_t dev_shm_size = 0;
  std::uint64_t dev_shm_free = 0;  // available to an unprivileged user (f_bavail)
  // Locked memory (getrlimit; CAP_IPC_LOCK from /proc/self/status CapEff).
  std::uint64_t memlock_soft = 0;  // bytes, kUnlimited for RLIM_INFINITY
  std::uint64_t memlock_hard = 0;
  bool cap_ipc_lock = false;
  // Huge pages (/proc/meminfo).
  std::uint64_t hugepages_total = 0;
  std::uint64_t hugepages_free = 0;
  std::uint64_t hugepage_size = 0;
  std::uint64_t hugetlb_shm_group =
      0;  // vm.hugetlb_shm_group: a gid that may SHM_HUGETLB without CAP_IPC_LOCK (0: none)
  // Transparent huge pages for shmem (/sys/kernel/mm/transparent_hugepage/shmem_enabled): the
  // selected word — "never", "within_size", "advise", "always", "deny", "force" — or "" when absent.
  std::string thp_shmem;
  // Memory (/proc/meminfo) and the cgroup v2 memory controller of this process.
  std::uint64_t mem_available = 0;
  std::string cgroup_path;                         // e.g. "/system.slice/app.service"; empty if none
  std::optional<std::uint64_t> cgroup_memory_max;  // nullopt: "max" (no limit) or no controller
  std::optional<std::uint64_t> cgroup_memory_current;
  // Why this looks like a container, if it does ("/.dockerenv exists", "/dev/shm is exactly
  // 64 MiB, Docker's default").
  std::vector<std::string> container_hints;
  // systemd-logind's RemoveIPC for the running user (remove_ipc.h), and the traps it and the
  // environment set for shared memory that must outlive a login session, each with what to do.
  RemoveIpc remove_ipc;
  std::vector<std::string> traps;
};

// Where read_limits looks; tests point these at fixtures, the CLI uses the defaults.
struct LimitsSources {
  std::string proc = "/proc";
  std::string dev_shm = "/dev/shm";
  std::string cgroup_root = "/sys/fs/cgroup";
  std::string sys = "/sys";
  std::string root = "/";            // for container marker files, logind.conf, login.defs, /run/systemd
  std::optional<std::uint32_t> uid;  // whose RemoveIPC applies (default: getuid())
};

// Reads everything. Fails (naming the file) only when a source every Linux has is unreadable
// (/proc/sys/kernel/shm*, /proc/sysvipc/shm, /proc/meminfo); optional ones (cgroup, huge pages,
// /dev/shm) are left empty.
[[nodiscard]] Result<LimitsSnapshot> read_limits(const LimitsSources& sources = {});

// The memory left under the cgroup limit, or nullopt without one.
std::optional<std::uint64_t> cgroup_headroom(const LimitsSnapshot& s);

}  // namespace shmh
