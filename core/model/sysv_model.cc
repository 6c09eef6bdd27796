#include "core/model/sysv_model.h"

#include <sys/ipc.h>
#include <sys/shm.h>

#include <algorithm>
#include <cerrno>

namespace shmh::model {

bool IdMap::valid(std::uint32_t id) const {
  if (ranges.empty()) return id != static_cast<std::uint32_t>(-1);
  return std::any_of(ranges.begin(), ranges.end(),
                     [&](const auto& r) { return id >= r.first && id - r.first < r.second; });
}

const Segment* SysvModel::find(long handle) const {
  auto it = segments_.find(handle);
  return it == segments_.end() ? nullptr : &it->second;
}

std::optional<Segment> SysvModel::segment(long handle) const {
  if (const Segment* s = find(handle)) return *s;
  return std::nullopt;
}

// ipc/util.c ipcperms: the requested rwx bits, checked against the owner's, the group's or the
// others' bits — only the bits asked for; CAP_IPC_OWNER skips the check.
bool SysvModel::permitted(const Segment& s, unsigned requested, const Caller& who) const {
  unsigned granted = s.mode;
  if (who.uid == s.uid || who.uid == s.cuid) {
    granted >>= 6;
  } else if (who.gid == s.gid || who.gid == s.cgid) {
    granted >>= 3;
  }
  const unsigned want = (requested >> 6 | requested >> 3 | requested) & 07;
  return (want & ~granted & 07) == 0 || who.cap_ipc_owner;
}

void SysvModel::destroy(long handle) {
  auto it = segments_.find(handle);
  if (it == segments_.end()) return;
  if (it->second.locked) {  // shm_destroy unlocks (and uncharges) a locked segment
    const std::uint64_t bytes = (it->second.size + limits_.page_size - 1) / limits_.page_size * limits_.page_size;
    std::uint64_t& charged = locked_bytes_[it->second.locker];
    charged = charged >= bytes ? charged - bytes : 0;
  }
  pages_ -= (it->second.size + limits_.page_size - 1) / limits_.page_size;
  segments_.erase(it);
}

bool SysvModel::key_in_use(key_t key) const {
  for (const auto& [handle, s] : segments_) {
    if (s.key == key) return true;
  }
  return false;
}

Outcome SysvModel::shmget(key_t key, std::uint64_t size, int shmflg, const Caller& who) {
  // ipcget: IPC_PRIVATE always creates; otherwise look the key up (removed segments have lost it).
  if (key != IPC_PRIVATE) {
    for (const auto& [handle, s] : segments_) {
      if (s.key != key) continue;
      if ((shmflg & IPC_CREAT) != 0 && (shmflg & IPC_EXCL) != 0) return {0, EEXIST};
#if defined(SHMH_PLANTED_DEVIATION_SYSV_SHMGET)  // test-only (tests/cli conform): permission before size
      if (!permitted(s, static_cast<unsigned>(shmflg) & 0777, who)) return {0, EACCES};
#endif
      if (s.size < size) return {0, EINVAL};                                             // shm_more_checks
      if (!permitted(s, static_cast<unsigned>(shmflg) & 0777, who)) return {0, EACCES};  // ipc_check_perms
      return {handle, 0};
    }
    if ((shmflg & IPC_CREAT) == 0) return {0, ENOENT};
  }
  // newseg, in the kernel's order: size bounds, then shmall, then (allocation), then shmmni.
  if (size < 1 || size > limits_.shmmax) return {0, EINVAL};
  const std::uint64_t pages = (size + limits_.page_size - 1) / limits_.page_size;
  if (pages_ + pages < pages_ || pages_ + pages > limits_.shmall) return {0, ENOSPC};
  if (segments_.size() >= limits_.shmmni) return {0, ENOSPC};
  Segment s;
  s.key = key;
  s.size = size;
  s.mode = static_cast<unsigned>(shmflg) & 0777;
  s.uid = s.cuid = who.uid;
  s.gid = s.cgid = who.gid;
  s.cpid = who.pid;  // newseg: shm_cprid; shm_lprid 0
  const long handle = next_handle_++;
  segments_[handle] = s;
  pages_ += pages;
  return {handle, 0};
}

std::optional<std::uint64_t> SysvModel::shmat_address(std::uint64_t addr, int shmflg) const {
  const std::uint64_t shmlba = limits_.page_size;  // SHMLBA is PAGE_SIZE on x86 and most arches
  if (addr == 0) {
    if ((shmflg & SHM_REMAP) != 0) return std::nullopt;
    return 0;
  }
  if (addr % shmlba != 0) {
    if ((shmflg & SHM_RND) == 0) return std::nullopt;
    addr -= addr % shmlba;
    if (addr == 0 && (shmflg & SHM_REMAP) != 0) return std::nullopt;
  }
  return addr;
}

// do_shmat: the address is checked first, then the id and permission, then (without SHM_REMAP)
// whether the range is free.
Outcome SysvModel::shmat(long handle, int shmflg, const Caller& who, std::uint64_t addr, bool occupied) {
  const auto where = shmat_address(addr, shmflg);
  if (!where) return {0, EINVAL};
  Segment* s = const_cast<Segment*>(find(handle));  // NOLINT(cppcoreguidelines-pro-type-const-cast)
  if (s == nullptr) return {0, EINVAL};
  // do_shmat: read always; write unless SHM_RDONLY; execute with SHM_EXEC.
  unsigned requested = 0444;
#if defined(SHMH_PLANTED_DEVIATION_SYSV_SHMAT)  // test-only (tests/cli conform): SHM_RDONLY ignored
  requested |= 0222;
#endif
  if ((shmflg & SHM_RDONLY) == 0) requested |= 0222;
  if ((shmflg & SHM_EXEC) != 0) requested |= 0111;
  if (!permitted(*s, requested, who)) return {0, EACCES};
  if (*where != 0 && (shmflg & SHM_REMAP) == 0 && occupied) {
    // do_shmat counted the attachment before it found the range taken: its out_nattch path drops
    // the count again and destroys the segment if shm_may_destroy says so (shm_rmid_forced).
#if !defined(SHMH_PLANTED_DEVIATION_SYSV_RMID_FORCED)  // test-only (tests/cli conform): out_nattch forgotten
    if (may_destroy(*s)) destroy(handle);
#endif
    return {0, EINVAL};
  }
  ++s->nattch;        // Linux allows attaching a SHM_DEST segment by id (shmctl(2) NOTES)
  s->lpid = who.pid;  // shm_mmap → __shm_open (a refused range above never got this far)
  const long attachment = next_attachment_++;
  attachments_[attachment] = Attachment{.segment = handle, .pid = who.pid};
  return {attachment, 0};
}

void SysvModel::close_attachment(long segment, pid_t pid) {
  auto seg = segments_.find(segment);
  if (seg == segments_.end()) return;
  seg->second.lpid = pid;
  if (--seg->second.nattch == 0 && may_destroy(seg->second)) destroy(segment);
}

Outcome SysvModel::shmdt(long attachment, std::uint64_t offset) {
  auto it = attachments_.find(attachment);
  if (it == attachments_.end() || offset != 0) return {0, EINVAL};
  const Attachment a = it->second;
  attachments_.erase(it);
  close_attachment(a.segment, a.pid);
  return {0, 0};
}

Outcome SysvModel::fork_child(pid_t parent, pid_t child) {
  if (children_.count(child) != 0) return {0, EEXIST};
  std::vector<long>& inherited = children_[child];
  for (const auto& [handle, a] : attachments_) {
    if (a.pid != parent) continue;
    auto seg = segments_.find(a.segment);
    if (seg == segments_.end()) continue;
#if !defined(SHMH_PLANTED_DEVIATION_SYSV_FORK)  // test-only (tests/cli conform): the copy not counted
    ++seg->second.nattch;
#endif
    seg->second.lpid = parent;
    inherited.push_back(a.segment);
  }
  return {0, 0};
}

Outcome SysvModel::child_exits(pid_t child) {
  auto it = children_.find(child);
  if (it == children_.end()) return {0, EINVAL};
  const std::vector<long> inherited = std::move(it->second);
  children_.erase(it);
  for (const long segment : inherited) close_attachment(segment, child);
  return {0, 0};
}

Outcome SysvModel::set_rmid_forced(long value) {
  if (value < 0 || value > 1) return {0, EINVAL};
  rmid_forced_ = value == 1;
  return {0, 0};
}

Outcome SysvModel::ipc_stat(long handle, const Caller& who, Segment* out) const {
  const Segment* s = find(handle);
  if (s == nullptr) return {0, EINVAL};
#if defined(SHMH_PLANTED_DEVIATION_SYSV_SHMCTL)  // test-only (tests/cli conform): IPC_STAT asks for write
  if (!permitted(*s, 0666, who)) return {0, EACCES};
#endif
  if (!permitted(*s, 0444, who)) return {0, EACCES};
  if (out != nullptr) *out = *s;
  return {0, 0};
}

Outcome SysvModel::shm_stat(long handle, bool any, const Caller& who, Segment* out) const {
  const Segment* s = find(handle);
  if (s == nullptr) return {0, EINVAL};
#if defined(SHMH_PLANTED_DEVIATION_SYSV_INFO)  // test-only (tests/cli conform): SHM_STAT_ANY checked
  any = false;
#endif
  if (!any && !permitted(*s, 0444, who)) return {0, EACCES};
  if (out != nullptr) *out = *s;
  return {0, 0};
}

// shmctl_down → ipcctl_obtain_check: the creator, the owner, or CAP_SYS_ADMIN.
Outcome SysvModel::ipc_set(long handle, uid_t uid, gid_t gid, unsigned mode, const Caller& who) {
  Segment* s = const_cast<Segment*>(find(handle));  // NOLINT(cppcoreguidelines-pro-type-const-cast)
  if (s == nullptr) return {0, EINVAL};
  if (who.uid != s->cuid && who.uid != s->uid && !who.cap_sys_admin) return {0, EPERM};
  if (!who.uids.valid(uid) || !who.gids.valid(gid)) return {0, EINVAL};  // ipc_update_perm: make_kuid
  s->uid = uid;
  s->gid = gid;
  s->mode = mode & 0777;
  return {0, 0};
}

Outcome SysvModel::ipc_rmid(long handle, const Caller& who) {
  Segment* s = const_cast<Segment*>(find(handle));  // NOLINT(cppcoreguidelines-pro-type-const-cast)
  if (s == nullptr) return {0, EINVAL};
  if (who.uid != s->cuid && who.uid != s->uid && !who.cap_sys_admin) return {0, EPERM};
  if (s->nattch == 0) {
    destroy(handle);
  } else {
    s->dest = true;                            // do_shm_rmid: marked, lives until the last detach,
#if !defined(SHMH_PLANTED_BUG_MODEL_RMID_KEY)  // test-only (fuzz/planted-bug.sh): the key kept
    s->key = IPC_PRIVATE;                      // and its key is free for a new segment at once
#endif
  }
  return {0, 0};
}

// shmctl_do_lock: without CAP_IPC_LOCK the caller must own (or have created) the segment and, to
// lock, have a non-zero RLIMIT_MEMLOCK (EPERM); then the lock is charged to the memlock limit
// (ENOMEM when over it).
Outcome SysvModel::shm_lock(long handle, bool lock, const Caller& who) {
  Segment* s = const_cast<Segment*>(find(handle));  // NOLINT(cppcoreguidelines-pro-type-const-cast)
  if (s == nullptr) return {0, EINVAL};
  if (!who.cap_ipc_lock) {
    if (who.uid != s->uid && who.uid != s->cuid) return {0, EPERM};
    if (lock && limits_.memlock == 0) return {0, EPERM};
  }
  if (lock == s->locked) return {0, 0};  // locking twice (or unlocking an unlocked one) is a no-op
  // user_shm_lock charges the caller's user even with CAP_IPC_LOCK, which only lifts the limit;
  // the unlock uncharges whoever locked it.
  const std::uint64_t bytes = (s->size + limits_.page_size - 1) / limits_.page_size * limits_.page_size;
  if (lock) {
    std::uint64_t& charged = locked_bytes_[who.uid];
    if (!who.cap_ipc_lock && charged + bytes > limits_.memlock) return {0, ENOMEM};
    charged += bytes;
    s->locker = who.uid;
  } else {
    std::uint64_t& charged = locked_bytes_[s->locker];
    charged = charged >= bytes ? charged - bytes : 0;
  }
  s->locked = lock;
  return {0, 0};
}

}  // namespace shmh::model
