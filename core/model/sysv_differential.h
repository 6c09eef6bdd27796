// SysvDifferential: runs System V calls on the real kernel and on SysvModel side by side and says
// where they disagree — the engine of the sysv_api fuzz target and of the model's kernel tests.
// Calls marked `other` run in a forked child that drops to another uid (needs root).
//
//   shmh::model::SysvDifferential d(limits);
//   if (auto diff = d.run(step); !diff.empty()) report(diff);   // "shmat as root ...: kernel ok, model EACCES"
//
// Precondition: the process is in a private IPC namespace whose limits equal `limits` (the driver
// compares against the kernel's real answers, and removes what it created when destroyed).
#pragma once

#include <sys/ipc.h>
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/model/sysv_model.h"
#include "core/process/child_process.h"
#include "core/result.h"
#include "core/segment/mapping.h"

namespace shmh::model {

// kInfo is IPC_INFO, kShmInfo SHM_INFO, kStatIndex SHM_STAT (SHM_STAT_ANY when flags is 1).
// kGetTagged is SysvSegment::create_tagged (a fresh key in the tagged range; root only).
// kRmidForced writes `flags` to /proc/sys/kernel/shm_rmid_forced (root only; skipped outside a
// sandbox, where the IPC namespace is the machine's). kFork forks a child that inherits every
// attachment and waits (skipped while one lives); kChildExit makes it exit and reaps it (skipped
// when none lives).
enum class SysvOp {
  kGet,
  kAt,
  kDt,
  kStat,
  kSet,
  kRmid,
  kLock,
  kUnlock,
  kInfo,
  kShmInfo,
  kStatIndex,
  kGetTagged,
  kRmidForced,
  kFork,
  kChildExit,
  kCount
};

struct SysvStep {
  SysvOp op = SysvOp::kGet;
  bool other = false;  // made by `other_uid` instead of root
  key_t key = IPC_PRIVATE;
  std::uint64_t size = 0;
  int flags = 0;
  int target = 0;  // index into the segments (or attachments) made so far; out of range = invalid id
  uid_t set_uid = 0;
  unsigned set_mode = 0600;
  int slot = -1;      // shmat: -1 lets the kernel choose; else a fixed address in slot N of a reserved range
  unsigned skew = 0;  // shmat: bytes past the slot's start (unaligned unless 0); shmdt: past the attachment's
};

// "shmget as root key=0x100 size=4096 flags=01600 ...".
std::string describe(const SysvStep& step);

// A long-lived process running as another uid that makes System V calls on request — "another
// user" for the differential without a fork per call (a fork costs ~1 ms under ASan). Start it
// while the caller has no attachments: a forked process inherits them and would skew nattch.
class OtherUidPeer {
 public:
  // Forks the peer, which drops to uid/gid (needs root) and sets RLIMIT_MEMLOCK to `memlock`.
  static Result<OtherUidPeer> start(uid_t uid, gid_t gid, std::uint64_t memlock);

  // Runs the step's call on kernel id `kernel_id` (shmat is followed by shmdt: the peer keeps no
  // attachment). Returns the errno (0 on success; *new_id set for shmget), or -1 if the peer died.
  int call(const SysvStep& step, int kernel_id, int* new_id);

  [[nodiscard]] uid_t uid() const { return uid_; }
  [[nodiscard]] pid_t pid() const { return child_.pid(); }
  [[nodiscard]] gid_t gid() const { return gid_; }

  OtherUidPeer() = default;
  OtherUidPeer(OtherUidPeer&& other) noexcept;
  OtherUidPeer& operator=(OtherUidPeer&& other) noexcept;
  OtherUidPeer(const OtherUidPeer&) = delete;
  OtherUidPeer& operator=(const OtherUidPeer&) = delete;
  ~OtherUidPeer();

 private:
  ChildProcess child_;
  int to_peer_ = -1;
  int from_peer_ = -1;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
};

class SysvDifferential {
 public:
  // `other` runs the steps marked `other` (steps marked so are refused when it is null).
  SysvDifferential(const Limits& limits, OtherUidPeer* other);
  // Ends its forked child, detaches and removes every segment it made on the kernel, and puts
  // shm_rmid_forced back.
  ~SysvDifferential();
  SysvDifferential(const SysvDifferential&) = delete;
  SysvDifferential& operator=(const SysvDifferential&) = delete;

  // "" when kernel and model agree on the step's result and on every live segment afterwards.
  std::string run(const SysvStep& step);
  // What the last run() got from each side (`ran` false when it skipped the step).
  [[nodiscard]] const StepErrors& last() const { return last_; }

  [[nodiscard]] std::size_t segments() const { return handles_.size(); }
  [[nodiscard]] std::size_t attachments() const { return attachments_.size(); }
  static constexpr int kSlots = 16;  // fixed-address attaches land in one of these

 private:
  int on_kernel(const SysvStep& s);
  int kernel_call(const SysvStep& s, int* new_id);
  std::string run_rmid_forced(const SysvStep& s);
  std::string run_fork(const SysvStep& s);
  std::string run_child_exit(const SysvStep& s);
  bool end_child();  // false if it did not end as told (reported by run_child_exit)
  Outcome on_model(const SysvStep& s);
  void record_id(int id);
  [[nodiscard]] std::string compare_all() const;
  [[nodiscard]] int id_of(int target) const;
  [[nodiscard]] long handle_of(int target) const;
  [[nodiscard]] std::uint64_t address_of(const SysvStep& s) const;  // 0 = none
  [[nodiscard]] std::uint64_t detach_offset(const SysvStep& s) const;
  [[nodiscard]] bool remaps_own_attachment(const SysvStep& s) const;
  [[nodiscard]] std::vector<int> live_indexes() const;
  [[nodiscard]] int highest_index() const;
  [[nodiscard]] int index_for(int target) const;  // a kernel index: a segment's, or a free one
  std::string check_values(const SysvStep& s,
                           const Mapping* attached);  // root's IPC_INFO, SHM_INFO, SHM_STAT, addresses

  Limits limits_;
  Caller root_;
  Caller other_;
  OtherUidPeer* peer_ = nullptr;
  SysvModel model_;
  std::vector<int> kernel_ids_;
  std::vector<long> handles_;
  std::vector<Mapping> attachments_;
  std::vector<long> model_attachments_;
  key_t tagged_key_ = IPC_PRIVATE;  // the key the last kGetTagged got (a free one when it failed)
  Mapping reserve_;                 // PROT_NONE: kSlots slots where fixed-address attaches go
  std::uint64_t slot_size_ = 0;
  StepErrors last_;
  ChildProcess child_;                      // kFork's child: holds what it inherited until kChildExit
  int child_release_ = -1;                  // its end of the pipe the child waits on: closing it ends the child
  std::optional<long> rmid_forced_before_;  // the sysctl's value when made, if a step wrote it since
  int mni_ = 32768;                         // ids are seq * mni + index (IPCMNI; 2^24 with ipcmni_extend)
};

}  // namespace shmh::model
