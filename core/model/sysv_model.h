// SysvModel: a plain in-memory model of System V shared-memory semantics that predicts the result
// (value or errno) and the side effects of shmget, shmat, shmdt and shmctl — the oracle of the
// differential fuzzer (fuzz/sysv_api) and of tests that run the same call table on the kernel.
// It follows the order in which the kernel checks arguments (ipc/shm.c newseg, do_shmat,
// shmctl_down, ipc/util.c ipcget_public and ipcperms), because which errno wins depends on it.
// The kernel is the authority: where they disagree, the model is fixed.
//
//   shmh::model::SysvModel m({.shmmax = 1 << 20, .shmall = 256, .shmmni = 8});
//   auto id = m.shmget(0x1234, 4096, IPC_CREAT | 0600, root);   // {value = handle, err = 0}
//   auto at = m.shmat(id.value, 0, root);                        // attach: nattch 1
//
// Segments are named by the model's own handles (0, 1, 2...); a differential driver maps them to
// the kernel's ids. IPC_INFO and SHM_INFO are answered from the limits and segments_in_use() /
// pages_in_use(); IPC_SET refuses ids the caller's user namespace does not map (Caller::uids).
//
// Processes: each call names its caller's pid (Caller::pid), which the kernel records as shm_cpid
// (shmget) and shm_lpid (the last shmat or shmdt). A forked child inherits its parent's attachments
// (fork_child) and drops them when it exits (child_exits) — nattch, shm_lpid, and the segments its
// exit destroys (SHM_DEST, or kernel.shm_rmid_forced) — for a child that makes no call of its own.
//
// What the model does not predict (the drivers never ask it; README "conform" lists them too):
// which index, id sequence (kernel.shm_next_id) or address the kernel picks (a driver records
// them); a SHM_REMAP over one of the caller's own attachments; execve (its attachments go as at
// exit; not driven), and what kernel.shm_rmid_forced does at a creator's exit and to orphans when
// switched on (every creator here is alive — children create nothing; what it does while they live
// is modelled: set_rmid_forced); shm_atime/shm_dtime (clocks); shmdt of an attachment split by
// mprotect/munmap (attachments are whole here); stores through a SHM_RDONLY attachment (a signal, not an errno);
// SHM_HUGETLB and memory accounting (overcommit, SHM_NORESERVE, RLIMIT_AS, ENOMEM from the allocator); EFAULT on bad
// user buffers (the drivers pass only valid ones). Each needs a driver step that forks, writes a sysctl or expects a
// signal.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace shmh::model {

struct Limits {
  std::uint64_t shmmax = 0;  // bytes
  std::uint64_t shmall = 0;  // pages
  std::uint64_t shmmni = 0;  // segments
  std::uint64_t page_size = 4096;
  std::uint64_t memlock = 0;  // RLIMIT_MEMLOCK of unprivileged callers, bytes
};

// The ids a caller's user namespace maps (/proc/self/uid_map, gid_map): [first, first + count) for
// each range. Empty: the initial namespace, where every id but (uid_t)-1 is valid.
struct IdMap {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> ranges;  // (first, count)
  [[nodiscard]] bool valid(std::uint32_t id) const;
};

// Who makes a call.
struct Caller {
  uid_t uid = 0;
  gid_t gid = 0;
  bool cap_ipc_owner = false;  // bypasses permission bits (root)
  bool cap_sys_admin = false;  // may IPC_SET/IPC_RMID anyone's segment (root)
  bool cap_ipc_lock = false;   // SHM_LOCK without RLIMIT_MEMLOCK (root)
  pid_t pid = 0;               // recorded as shm_cpid / shm_lpid
  IdMap uids;                  // IPC_SET of an unmapped uid or gid is EINVAL
  IdMap gids;
};

struct Segment {
  key_t key = 0;  // IPC_PRIVATE (0) after IPC_RMID of an attached segment
  std::uint64_t size = 0;
  unsigned mode = 0;  // the low 9 permission bits
  uid_t uid = 0, cuid = 0;
  gid_t gid = 0, cgid = 0;
  std::uint64_t nattch = 0;
  bool dest = false;    // SHM_DEST: removed, alive until the last detach
  bool locked = false;  // SHM_LOCKED
  uid_t locker = 0;     // whose memlock allowance the lock is charged to
  pid_t cpid = 0;       // the creator (shm_cpid)
  pid_t lpid = 0;       // the last to attach or detach (shm_lpid); 0 until the first shmat
};

// A call's result: `value` on success (a handle for shmget, 0 otherwise), or the errno.
struct Outcome {
  long value = 0;
  int err = 0;
  [[nodiscard]] bool ok() const { return err == 0; }
  bool operator==(const Outcome&) const = default;
};

// What a differential driver got for one step from the kernel and from a model (errno; 0 = success).
struct StepErrors {
  bool ran = false;  // false when the driver skipped the step (not modelled)
  int kernel = 0;
  int model = 0;
};

class SysvModel {
 public:
  explicit SysvModel(const Limits& limits) : limits_(limits) {}

  Outcome shmget(key_t key, std::uint64_t size, int shmflg, const Caller& who);
  // Attaches segment `handle` (SHM_RDONLY, SHM_EXEC honoured); value = an attachment handle.
  // `addr` 0 lets the kernel choose; otherwise the fixed address asked for (SHM_RND rounds it down
  // to SHMLBA, SHM_REMAP replaces what is mapped there) and `occupied` says whether the rounded
  // range overlaps a mapping of the caller's. Where a fixed attach lands: shmat_address().
  Outcome shmat(long handle, int shmflg, const Caller& who, std::uint64_t addr = 0, bool occupied = false);
  // Where a fixed attach lands (addr rounded down to SHMLBA with SHM_RND), or nullopt for EINVAL
  // (unaligned without SHM_RND; rounded to 0 or no address with SHM_REMAP).
  [[nodiscard]] std::optional<std::uint64_t> shmat_address(std::uint64_t addr, int shmflg) const;
  // Detaches an attachment handle; EINVAL if it is not attached. `offset`: shmdt of an address that
  // many bytes past the attachment's start (inside it) — EINVAL, nothing detached (ksys_shmdt
  // detaches only shm mappings that start at the address, and refuses an unaligned one).
  Outcome shmdt(long attachment, std::uint64_t offset = 0);
  // IPC_STAT into `out`.
  Outcome ipc_stat(long handle, const Caller& who, Segment* out) const;
  // SHM_STAT (read permission needed) or SHM_STAT_ANY (none) of the segment at a kernel index,
  // `handle` being the segment there (-1: none, EINVAL).
  Outcome shm_stat(long handle, bool any, const Caller& who, Segment* out) const;
  Outcome ipc_set(long handle, uid_t uid, gid_t gid, unsigned mode, const Caller& who);
  Outcome ipc_rmid(long handle, const Caller& who);
  Outcome shm_lock(long handle, bool lock, const Caller& who);
  // Writes kernel.shm_rmid_forced (proc_dointvec_minmax: EINVAL outside 0..1, the value unchanged).
  // While it is 1, a segment is destroyed when its attachment count drops to 0 — at the last shmdt,
  // and at a shmat that fails after do_shmat counted its attachment (the range was occupied) — as
  // if IPC_RMID had been called (shm_may_destroy). Switching it on destroys orphans only (segments
  // whose creator exited: shm_destroy_orphaned); every creator here is alive, so nothing.
  Outcome set_rmid_forced(long value);
  // fork() by process `parent`: the child `child` inherits each of the parent's attachments
  // (dup_mmap → shm_open: nattch + 1, shm_lpid = the parent, which runs the copy). EEXIST if
  // `child` is already known.
  Outcome fork_child(pid_t parent, pid_t child);
  // Process `child` (from fork_child, having made no call) exits: exit_mm unmaps each attachment
  // it inherited (shm_close: nattch − 1, shm_lpid = the child, shm_may_destroy), and exit_shm finds
  // no segment it created. EINVAL if `child` is not known.
  Outcome child_exits(pid_t child);
  [[nodiscard]] bool rmid_forced() const { return rmid_forced_; }

  // The segment behind a handle, if it still exists (for comparisons).
  [[nodiscard]] std::optional<Segment> segment(long handle) const;
  [[nodiscard]] std::uint64_t segments_in_use() const { return segments_.size(); }
  [[nodiscard]] bool key_in_use(key_t key) const;
  [[nodiscard]] std::uint64_t pages_in_use() const { return pages_; }

 private:
  [[nodiscard]] const Segment* find(long handle) const;
  [[nodiscard]] bool permitted(const Segment& s, unsigned requested, const Caller& who) const;
  void destroy(long handle);
  // shm_may_destroy: after an attachment count dropped to 0.
  [[nodiscard]] bool may_destroy(const Segment& s) const { return s.nattch == 0 && (s.dest || rmid_forced_); }

  Limits limits_;
  std::map<long, Segment> segments_;  // live segments by handle
  struct Attachment {
    long segment = 0;
    pid_t pid = 0;  // the attaching process
  };
  // One attachment fewer: nattch − 1 and shm_lpid = `pid` (shm_close), then shm_may_destroy.
  void close_attachment(long segment, pid_t pid);

  std::map<long, Attachment> attachments_;       // attachment handle → segment, attacher
  std::map<pid_t, std::vector<long>> children_;  // a forked child → the segments of its inherited attachments
  std::uint64_t pages_ = 0;                      // shm_tot: pages of all live segments
  std::map<uid_t, std::uint64_t> locked_bytes_;  // per user, as the kernel's ucounts charge it
  long next_handle_ = 0;
  long next_attachment_ = 0;
  bool rmid_forced_ = false;  // kernel.shm_rmid_forced
};

}  // namespace shmh::model
