#include "core/conform/pinned_cases.h"

#include <fcntl.h>
#include <linux/memfd.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>

#include <algorithm>
#include <cerrno>
#include <utility>

namespace shmh::conform {
namespace {

using model::PosixOp;
using model::PosixStep;
using model::SysvOp;
using model::SysvStep;

// Builders for the table's steps. System V targets index the segments (or, for shmdt, the
// attachments) made so far in the case; one past the end is an id nobody holds.
SysvStep get(key_t key, std::uint64_t size, int flags) {
  return {.op = SysvOp::kGet, .key = key, .size = size, .flags = flags};
}
SysvStep at(int target, int flags = 0) { return {.op = SysvOp::kAt, .flags = flags, .target = target}; }
SysvStep at_fixed(int target, int slot, unsigned skew, int flags) {
  return {.op = SysvOp::kAt, .flags = flags, .target = target, .slot = slot, .skew = skew};
}
SysvStep dt(int attachment, unsigned offset = 0) { return {.op = SysvOp::kDt, .target = attachment, .skew = offset}; }
SysvStep ctl(SysvOp op, int target) { return {.op = op, .target = target}; }
SysvStep set(int target, uid_t uid, unsigned mode) {
  return {.op = SysvOp::kSet, .target = target, .set_uid = uid, .set_mode = mode};
}
SysvStep stat_index(int target, bool any) { return {.op = SysvOp::kStatIndex, .flags = any ? 1 : 0, .target = target}; }
template <class Step>
Step other(Step s) {
  s.other = true;
  return s;
}

PosixStep open(std::string name, int oflag, unsigned mode = 0600, std::int64_t length = 0) {
  return {.op = PosixOp::kOpen, .name = std::move(name), .length = length, .flags = oflag, .mode = mode};
}
PosixStep unlink(std::string name) { return {.op = PosixOp::kUnlink, .name = std::move(name)}; }
PosixStep memfd(std::string name, unsigned flags, std::int64_t length = 0) {
  return {.op = PosixOp::kMemfd, .name = std::move(name), .length = length, .flags = static_cast<int>(flags)};
}
PosixStep close_fd(int fd) { return {.op = PosixOp::kClose, .target = fd}; }
PosixStep truncate(int fd, std::int64_t length) { return {.op = PosixOp::kTruncate, .length = length, .target = fd}; }
PosixStep seal(int fd, int seals) { return {.op = PosixOp::kSeal, .flags = seals, .target = fd}; }
PosixStep pwrite(int fd, std::uint64_t offset, std::int64_t length, std::uint8_t byte = 0x5a) {
  return {.op = PosixOp::kPwrite, .length = length, .offset = offset, .target = fd, .byte = byte};
}
PosixStep map(int fd, std::int64_t length, int prot, int flags, std::uint64_t offset = 0) {
  return {.op = PosixOp::kMmap, .length = length, .offset = offset, .prot = prot, .flags = flags, .target = fd};
}
PosixStep unmap(int mapping) { return {.op = PosixOp::kMunmap, .target = mapping}; }
PosixStep store(int mapping, std::uint64_t offset, std::uint8_t byte) {
  return {.op = PosixOp::kStore, .offset = offset, .target = mapping, .byte = byte};
}
PosixStep load(int mapping, std::uint64_t offset) {
  return {.op = PosixOp::kLoad, .offset = offset, .target = mapping};
}
PosixStep allocate(int fd, std::uint64_t offset, std::int64_t length) {
  return {.op = PosixOp::kFallocate, .length = length, .offset = offset, .target = fd};
}
PosixStep chmod(int fd, unsigned mode) { return {.op = PosixOp::kChmod, .mode = mode, .target = fd}; }
PosixStep reopen(int fd, int oflag) { return {.op = PosixOp::kReopen, .flags = oflag, .target = fd}; }

constexpr int kRw = PROT_READ | PROT_WRITE;

class Table {
 public:
  explicit Table(std::string area) : area_(std::move(area)) {}
  Table& sysv(std::string name, std::string source, std::vector<SysvStep> steps, int expected) {
    cases_.push_back({area_, std::move(name), std::move(source), std::move(steps), {}, expected});
    return *this;
  }
  Table& posix(std::string name, std::string source, std::vector<PosixStep> steps, int expected) {
    cases_.push_back({area_, std::move(name), std::move(source), {}, std::move(steps), expected});
    return *this;
  }
  void area(std::string area) { area_ = std::move(area); }
  std::vector<PinnedCase> take() { return std::move(cases_); }

 private:
  std::string area_;
  std::vector<PinnedCase> cases_;
};

void sysv_shmget(Table& t, std::uint64_t page, uid_t ou) {
  const std::uint64_t max = 16 * page;  // shmmax
  const key_t k = 0x100;
  t.area("sysv/shmget");
  t.sysv("size 0 is below SHMMIN", "shmget(2) EINVAL; ipc/shm.c newseg", {get(IPC_PRIVATE, 0, IPC_CREAT | 0600)},
         EINVAL);
  t.sysv("size SHMMAX + 1", "shmget(2) EINVAL; newseg; LTP shmget02", {get(IPC_PRIVATE, max + 1, IPC_CREAT | 0600)},
         EINVAL);
  t.sysv("size exactly SHMMAX", "shmget(2); newseg", {get(IPC_PRIVATE, max, IPC_CREAT | 0600)}, 0);
  t.sysv("size 1 (SHMMIN)", "shmget(2) SHMMIN = 1", {get(IPC_PRIVATE, 1, IPC_CREAT | 0600)}, 0);
  t.sysv("IPC_PRIVATE creates without IPC_CREAT", "shmget(2): IPC_PRIVATE is not a flag",
         {get(IPC_PRIVATE, page, 0600)}, 0);
  t.sysv("IPC_PRIVATE with IPC_EXCL twice", "ipc/util.c ipcget_new",
         {get(IPC_PRIVATE, page, IPC_CREAT | IPC_EXCL | 0600), get(IPC_PRIVATE, page, IPC_CREAT | IPC_EXCL | 0600)}, 0);
  t.sysv("absent key without IPC_CREAT", "shmget(2) ENOENT; ipcget_public; LTP shmget02", {get(k, page, 0600)}, ENOENT);
  t.sysv("existing key with IPC_CREAT | IPC_EXCL", "shmget(2) EEXIST; ipcget_public",
         {get(k, page, IPC_CREAT | 0600), get(k, page, IPC_CREAT | IPC_EXCL | 0600)}, EEXIST);
  t.sysv("IPC_EXCL without IPC_CREAT is ignored", "ipcget_public: IPC_EXCL only with IPC_CREAT",
         {get(k, page, IPC_CREAT | 0600), get(k, page, IPC_EXCL | 0600)}, 0);
  t.sysv("existing key, larger size", "shmget(2) EINVAL; shm_more_checks",
         {get(k, page, IPC_CREAT | 0600), get(k, 2 * page, 0600)}, EINVAL);
  t.sysv("existing key, smaller size", "shm_more_checks: size <= shm_segsz",
         {get(k, 2 * page, IPC_CREAT | 0600), get(k, page, 0600)}, 0);
  t.sysv("existing key, size 0", "shm_more_checks", {get(k, page, IPC_CREAT | 0600), get(k, 0, 0600)}, 0);
  t.sysv("existing key, same size", "shm_more_checks", {get(k, page + 1, IPC_CREAT | 0600), get(k, page + 1, 0600)}, 0);
  t.sysv("existing key, larger than SHMMAX", "shm_more_checks before the limits",
         {get(k, page, IPC_CREAT | 0600), get(k, max + 1, 0600)}, EINVAL);
  t.sysv("EEXIST is decided before the size", "ipcget_public",
         {get(k, page, IPC_CREAT | 0600), get(k, 4 * page, IPC_CREAT | IPC_EXCL | 0600)}, EEXIST);
  t.sysv("IPC_CREAT on an existing key keeps its mode", "ipcget_public",
         {get(k, page, IPC_CREAT | 0600), get(k, page, IPC_CREAT | 0666)}, 0);
  t.sysv("another user asks for rw of a 0600 segment", "shmget(2) EACCES; ipc/util.c ipcperms; LTP shmget04",
         {get(k, page, IPC_CREAT | 0600), other(get(k, page, 0600))}, EACCES);
  t.sysv("another user asks for no permission bits", "ipcperms checks only the bits asked for",
         {get(k, page, IPC_CREAT | 0600), other(get(k, page, 0))}, 0);
  t.sysv("size is checked before permission", "shm_more_checks runs before ipc_check_perms",
         {get(k, page, IPC_CREAT | 0600), other(get(k, 2 * page, 0600))}, EINVAL);
  t.sysv("another user reads a 0644 segment", "ipcperms: others' bits",
         {get(k, page, IPC_CREAT | 0644), other(get(k, page, 0444))}, 0);
  t.sysv("another user asks to write a 0644 segment", "ipcperms",
         {get(k, page, IPC_CREAT | 0644), other(get(k, page, 0644))}, EACCES);
  t.sysv("another user, 0606", "ipcperms: others' bits", {get(k, page, IPC_CREAT | 0606), other(get(k, page, 0666))},
         0);
  t.sysv("another user outside the group, 0660", "ipcperms: group bits only for the group",
         {get(k, page, IPC_CREAT | 0660), other(get(k, page, 0400))}, EACCES);
  t.sysv("root opens a mode-0 segment", "capabilities(7) CAP_IPC_OWNER", {get(k, page, IPC_CREAT), get(k, page, 0600)},
         0);
  t.sysv("another user creates a private segment", "newseg", {other(get(IPC_PRIVATE, page, IPC_CREAT | 0600))}, 0);
  t.sysv("another user's segment, opened by its creator", "ipcperms: owner bits",
         {other(get(k, page, IPC_CREAT | 0600)), other(get(k, page, 0600))}, 0);
  t.sysv("another user's segment, opened by root", "CAP_IPC_OWNER",
         {other(get(k, page, IPC_CREAT | 0600)), get(k, page, 0600)}, 0);
  t.sysv("SHMALL: one page more than the total", "shmget(2) ENOSPC; newseg: shm_tot + numpages > shm_ctlall",
         {get(IPC_PRIVATE, max, IPC_CREAT | 0600), get(IPC_PRIVATE, max, IPC_CREAT | 0600),
          get(IPC_PRIVATE, 1, IPC_CREAT | 0600)},
         ENOSPC);
  t.sysv("SHMALL: exactly the total", "newseg",
         {get(IPC_PRIVATE, max, IPC_CREAT | 0600), get(IPC_PRIVATE, max - page, IPC_CREAT | 0600),
          get(IPC_PRIVATE, page, IPC_CREAT | 0600)},
         0);
  t.sysv("SHMALL counts whole pages", "newseg: numpages rounds up",
         {get(IPC_PRIVATE, max, IPC_CREAT | 0600), get(IPC_PRIVATE, max - page, IPC_CREAT | 0600),
          get(IPC_PRIVATE, page + 1, IPC_CREAT | 0600)},
         ENOSPC);
  std::vector<SysvStep> six(6, get(IPC_PRIVATE, 1, IPC_CREAT | 0600));
  auto plus = [](std::vector<SysvStep> v, const SysvStep& s) {
    v.push_back(s);
    return v;
  };
  t.sysv("SHMMNI: one segment too many", "shmget(2) ENOSPC; ipc_addid; LTP shmget03",
         plus(six, get(IPC_PRIVATE, 1, IPC_CREAT | 0600)), ENOSPC);
  t.sysv("SHMMNI full, size 0 is still EINVAL", "newseg checks the size first", plus(six, get(IPC_PRIVATE, 0, 0600)),
         EINVAL);
  t.sysv("SHMMNI full, an existing key still opens", "ipcget_public",
         {get(k, 1, IPC_CREAT | 0600), get(IPC_PRIVATE, 1, IPC_CREAT | 0600), get(IPC_PRIVATE, 1, IPC_CREAT | 0600),
          get(IPC_PRIVATE, 1, IPC_CREAT | 0600), get(IPC_PRIVATE, 1, IPC_CREAT | 0600),
          get(IPC_PRIVATE, 1, IPC_CREAT | 0600), get(k, 1, IPC_CREAT | 0600)},
         0);
  t.sysv("a removed segment's key is free", "shmctl(2) IPC_RMID",
         {get(k, page, IPC_CREAT | 0600), ctl(SysvOp::kRmid, 0), get(k, page, 0600)}, ENOENT);
  t.sysv("an attached removed segment's key is free at once", "do_shm_rmid sets the key to IPC_PRIVATE",
         {get(k, page, IPC_CREAT | 0600), at(0), ctl(SysvOp::kRmid, 0), get(k, page, 0600)}, ENOENT);
  t.sysv("the key of an attached removed segment can be created again", "do_shm_rmid",
         {get(k, page, IPC_CREAT | 0600), at(0), ctl(SysvOp::kRmid, 0), get(k, page, IPC_CREAT | IPC_EXCL | 0600)}, 0);
  t.sysv("a removed attached segment still counts in SHMALL", "shm_destroy runs at the last detach",
         {get(IPC_PRIVATE, max, IPC_CREAT | 0600), at(0), ctl(SysvOp::kRmid, 0),
          get(IPC_PRIVATE, max, IPC_CREAT | 0600), get(IPC_PRIVATE, 1, IPC_CREAT | 0600)},
         ENOSPC);
  t.sysv("the last detach gives SHMALL back", "shm_close → shm_destroy",
         {get(IPC_PRIVATE, max, IPC_CREAT | 0600), at(0), ctl(SysvOp::kRmid, 0),
          get(IPC_PRIVATE, max, IPC_CREAT | 0600), dt(0), get(IPC_PRIVATE, 1, IPC_CREAT | 0600)},
         0);
  t.sysv("a removed attached segment still counts in SHMMNI", "its id stays until the last detach",
         {get(IPC_PRIVATE, 1, IPC_CREAT | 0600), at(0), ctl(SysvOp::kRmid, 0), get(IPC_PRIVATE, 1, IPC_CREAT | 0600),
          get(IPC_PRIVATE, 1, IPC_CREAT | 0600), get(IPC_PRIVATE, 1, IPC_CREAT | 0600),
          get(IPC_PRIVATE, 1, IPC_CREAT | 0600), get(IPC_PRIVATE, 1, IPC_CREAT | 0600),
          get(IPC_PRIVATE, 1, IPC_CREAT | 0600)},
         ENOSPC);
  t.sysv("a tagged key (shmharness's own create)", "core/segment/tag.h", {{.op = SysvOp::kGetTagged, .size = page}}, 0);
  t.sysv("IPC_SET to another user, who opens with rw", "ipcperms: owner bits",
         {get(k, page, IPC_CREAT | 0600), set(0, ou, 0600), other(get(k, page, 0600))}, 0);
}

void sysv_shmat(Table& t, std::uint64_t page, uid_t /*ou*/) {
  t.area("sysv/shmat");
  const SysvStep seg = get(IPC_PRIVATE, 2 * page, IPC_CREAT | 0600);
  auto with_mode = [&](unsigned mode) { return get(IPC_PRIVATE, 2 * page, IPC_CREAT | static_cast<int>(mode)); };
  t.sysv("attach", "shmat(2)", {seg, at(0)}, 0);
  t.sysv("attach twice", "shmat(2): nattch 2", {seg, at(0), at(0)}, 0);
  t.sysv("attach an id nobody holds", "shmat(2) EINVAL; shm_obtain_object_check; LTP shmat02", {seg, at(1)}, EINVAL);
  t.sysv("attach read-only", "shmat(2) SHM_RDONLY", {seg, at(0, SHM_RDONLY)}, 0);
  t.sysv("another user, 0600", "shmat(2) EACCES; do_shmat → ipcperms; LTP shmat02", {seg, other(at(0))}, EACCES);
  t.sysv("another user, rw of 0644", "do_shmat asks for read and write", {with_mode(0644), other(at(0))}, EACCES);
  t.sysv("another user, read-only of 0644", "do_shmat: SHM_RDONLY asks for read only",
         {with_mode(0644), other(at(0, SHM_RDONLY))}, 0);
  t.sysv("another user, rw of 0606", "ipcperms: others' bits", {with_mode(0606), other(at(0))}, 0);
  t.sysv("another user, read-only of write-only 0602", "do_shmat always asks for read",
         {with_mode(0602), other(at(0, SHM_RDONLY))}, EACCES);
  t.sysv("root, SHM_EXEC of 0600", "CAP_IPC_OWNER", {seg, at(0, SHM_EXEC)}, 0);
  t.sysv("another user, SHM_EXEC of 0666", "do_shmat: SHM_EXEC asks for execute",
         {with_mode(0666), other(at(0, SHM_EXEC))}, EACCES);
  t.sysv("another user, SHM_EXEC of 0607", "ipcperms: others' bits", {with_mode(0607), other(at(0, SHM_EXEC))}, 0);
  t.sysv("a fixed address over a mapping, no SHM_REMAP", "shmat(2) EINVAL; do_shmat: find_vma_intersection",
         {seg, at_fixed(0, 1, 0, 0)}, EINVAL);
  t.sysv("a fixed address over a mapping, SHM_REMAP", "shmat(2) SHM_REMAP", {seg, at_fixed(0, 1, 0, SHM_REMAP)}, 0);
  t.sysv("an unaligned address without SHM_RND", "shmat(2) EINVAL; do_shmat; LTP shmat02",
         {seg, at_fixed(0, 2, 1, SHM_REMAP)}, EINVAL);
  t.sysv("an unaligned address with SHM_RND", "shmat(2) SHM_RND rounds down to SHMLBA",
         {seg, at_fixed(0, 2, 1, SHM_RND | SHM_REMAP)}, 0);
  t.sysv("an address rounded down to its slot", "do_shmat", {seg, at_fixed(0, 3, 100, SHM_RND | SHM_REMAP)}, 0);
  t.sysv("SHM_REMAP without an address", "shmat(2) EINVAL: SHM_REMAP with shmaddr NULL", {seg, at(0, SHM_REMAP)},
         EINVAL);
  t.sysv("the address is checked before the id", "do_shmat checks shmaddr first", {seg, at_fixed(1, 2, 1, SHM_REMAP)},
         EINVAL);
  t.sysv("read-only at a fixed address", "shmat(2)", {seg, at_fixed(0, 4, 0, SHM_RDONLY | SHM_REMAP)}, 0);
  t.sysv("attach a removed (SHM_DEST) segment by id", "shmctl(2) NOTES: Linux allows it",
         {seg, at(0), ctl(SysvOp::kRmid, 0), at(0)}, 0);
  t.sysv("another user, a removed 0600 segment", "still permission-checked",
         {seg, at(0), ctl(SysvOp::kRmid, 0), other(at(0))}, EACCES);
  t.sysv("attach after the last detach destroyed it", "shm_destroy", {seg, at(0), ctl(SysvOp::kRmid, 0), dt(0), at(0)},
         EINVAL);
  t.sysv("detach", "shmdt(2)", {seg, at(0), dt(0)}, 0);
  t.sysv("detach twice", "shmdt(2) EINVAL: no segment attached there", {seg, at(0), dt(0), dt(0)}, EINVAL);
  t.sysv("detach what was never attached", "shmdt(2) EINVAL", {seg, dt(0)}, EINVAL);
  t.sysv("detach the first of two attachments", "shmdt(2): nattch 1", {seg, at(0), at(0), dt(0)}, 0);
  t.sysv("detach at an address a page inside", "shmdt(2) EINVAL; ksys_shmdt: only mappings starting there",
         {seg, at(0), dt(0, static_cast<unsigned>(page))}, EINVAL);
  t.sysv("detach at an unaligned address", "shmdt(2) EINVAL; ksys_shmdt: addr & ~PAGE_MASK", {seg, at(0), dt(0, 1)},
         EINVAL);
  t.sysv("a refused detach leaves the attachment", "ksys_shmdt",
         {seg, at(0), dt(0, static_cast<unsigned>(page)), dt(0)}, 0);
  t.sysv("a fixed attachment, detached a page inside", "ksys_shmdt",
         {seg, at_fixed(0, 5, 0, SHM_REMAP), dt(0, static_cast<unsigned>(page))}, EINVAL);
  t.sysv("another user attaches while root holds an attachment", "nattch counts every process",
         {with_mode(0644), at(0), other(at(0, SHM_RDONLY))}, 0);
}

void sysv_shmctl(Table& t, std::uint64_t page, uid_t ou) {
  t.area("sysv/shmctl");
  const SysvStep seg = get(IPC_PRIVATE, page, IPC_CREAT | 0600);
  auto with_mode = [&](unsigned mode) { return get(IPC_PRIVATE, page, IPC_CREAT | static_cast<int>(mode)); };
  const SysvStep their = other(get(IPC_PRIVATE, page, IPC_CREAT | 0600));
  t.sysv("IPC_STAT", "shmctl(2) IPC_STAT", {seg, ctl(SysvOp::kStat, 0)}, 0);
  t.sysv("IPC_STAT of an id nobody holds", "shmctl(2) EINVAL; LTP shmctl02", {seg, ctl(SysvOp::kStat, 1)}, EINVAL);
  t.sysv("IPC_STAT by another user, 0600", "shmctl(2) EACCES: IPC_STAT needs read; LTP shmctl02",
         {seg, other(ctl(SysvOp::kStat, 0))}, EACCES);
  t.sysv("IPC_STAT by another user, 0644", "shmctl_stat → ipcperms(S_IRUGO)",
         {with_mode(0644), other(ctl(SysvOp::kStat, 0))}, 0);
  t.sysv("IPC_STAT by another user, write-only 0602", "shmctl_stat", {with_mode(0602), other(ctl(SysvOp::kStat, 0))},
         EACCES);
  t.sysv("IPC_STAT of a removed attached segment", "SHM_DEST, still by id",
         {seg, at(0), ctl(SysvOp::kRmid, 0), ctl(SysvOp::kStat, 0)}, 0);
  t.sysv("IPC_STAT after removal", "shm_destroy", {seg, ctl(SysvOp::kRmid, 0), ctl(SysvOp::kStat, 0)}, EINVAL);
  t.sysv("IPC_SET by root", "shmctl(2) IPC_SET; CAP_SYS_ADMIN", {seg, set(0, 0, 0640)}, 0);
  t.sysv("IPC_SET by another user", "shmctl(2) EPERM; ipcctl_obtain_check; LTP shmctl02",
         {with_mode(0666), other(set(0, ou, 0666))}, EPERM);
  t.sysv("IPC_SET of an id nobody holds", "shmctl(2) EINVAL", {seg, set(1, 0, 0600)}, EINVAL);
  t.sysv("IPC_SET by the new owner", "ipcctl_obtain_check: owner", {seg, set(0, ou, 0600), other(set(0, ou, 0640))}, 0);
  t.sysv("IPC_STAT by the new owner", "ipcperms: owner bits", {seg, set(0, ou, 0600), other(ctl(SysvOp::kStat, 0))}, 0);
  t.sysv("root reads a mode-0 segment", "CAP_IPC_OWNER", {seg, set(0, 0, 0), ctl(SysvOp::kStat, 0)}, 0);
  t.sysv("the creator keeps IPC_SET after giving the segment away", "ipcctl_obtain_check: creator or owner",
         {their, set(0, 0, 0600), other(set(0, 0, 0600))}, 0);
  t.sysv("the creator keeps the owner's bits", "ipcperms: cuid or uid",
         {their, set(0, 0, 0600), other(ctl(SysvOp::kStat, 0))}, 0);
  t.sysv("IPC_SET keeps only the permission bits", "ipc_update_perm: S_IRWXUGO", {seg, set(0, 0, 07777)}, 0);
  t.sysv("IPC_SET to uid (uid_t)-1", "shmctl(2) EINVAL; ipc_update_perm: uid_valid(make_kuid())",
         {seg, set(0, static_cast<uid_t>(-1), 0600)}, EINVAL);
  t.sysv("IPC_SET to an invalid uid by another user", "ipcctl_obtain_check (EPERM) before ipc_update_perm",
         {with_mode(0666), other(set(0, static_cast<uid_t>(-1), 0600))}, EPERM);
  t.sysv("IPC_RMID", "shmctl(2) IPC_RMID", {seg, ctl(SysvOp::kRmid, 0)}, 0);
  t.sysv("IPC_RMID by another user", "shmctl(2) EPERM; LTP shmctl02", {with_mode(0666), other(ctl(SysvOp::kRmid, 0))},
         EPERM);
  t.sysv("IPC_RMID of an id nobody holds", "shmctl(2) EINVAL", {seg, ctl(SysvOp::kRmid, 1)}, EINVAL);
  t.sysv("IPC_RMID twice", "the first destroyed it", {seg, ctl(SysvOp::kRmid, 0), ctl(SysvOp::kRmid, 0)}, EINVAL);
  t.sysv("IPC_RMID twice while attached", "SHM_DEST keeps the id",
         {seg, at(0), ctl(SysvOp::kRmid, 0), ctl(SysvOp::kRmid, 0)}, 0);
  t.sysv("IPC_RMID by the new owner", "ipcctl_obtain_check", {seg, set(0, ou, 0600), other(ctl(SysvOp::kRmid, 0))}, 0);
  t.sysv("IPC_RMID by the creator", "ipcctl_obtain_check", {their, other(ctl(SysvOp::kRmid, 0))}, 0);
  t.sysv("SHM_LOCK by root", "shmctl(2) SHM_LOCK", {seg, ctl(SysvOp::kLock, 0)}, 0);
  t.sysv("SHM_LOCK twice", "shmctl_do_lock: already locked is a no-op",
         {seg, ctl(SysvOp::kLock, 0), ctl(SysvOp::kLock, 0)}, 0);
  t.sysv("SHM_UNLOCK of an unlocked segment", "shmctl_do_lock", {seg, ctl(SysvOp::kUnlock, 0)}, 0);
  t.sysv("SHM_UNLOCK after SHM_LOCK", "shmctl(2)", {seg, ctl(SysvOp::kLock, 0), ctl(SysvOp::kUnlock, 0)}, 0);
  t.sysv("SHM_LOCK of an id nobody holds", "shmctl(2) EINVAL", {seg, ctl(SysvOp::kLock, 1)}, EINVAL);
  t.sysv("SHM_LOCK by another user", "shmctl(2) EPERM: not owner, no CAP_IPC_LOCK",
         {with_mode(0666), other(ctl(SysvOp::kLock, 0))}, EPERM);
  t.sysv("SHM_UNLOCK by another user", "shmctl(2) EPERM",
         {with_mode(0666), ctl(SysvOp::kLock, 0), other(ctl(SysvOp::kUnlock, 0))}, EPERM);
  t.sysv("SHM_LOCK within RLIMIT_MEMLOCK", "mm/mlock.c user_shm_lock", {their, other(ctl(SysvOp::kLock, 0))}, 0);
  t.sysv("SHM_LOCK beyond RLIMIT_MEMLOCK", "shmctl(2) ENOMEM; user_shm_lock",
         {other(get(IPC_PRIVATE, 8 * page, IPC_CREAT | 0600)), other(ctl(SysvOp::kLock, 0))}, ENOMEM);
  t.sysv("RLIMIT_MEMLOCK is charged per user", "user_shm_lock: ucounts",
         {other(get(IPC_PRIVATE, 4 * page, IPC_CREAT | 0600)), their, other(ctl(SysvOp::kLock, 0)),
          other(ctl(SysvOp::kLock, 1))},
         ENOMEM);
  t.sysv("SHM_UNLOCK gives the charge back", "user_shm_unlock",
         {other(get(IPC_PRIVATE, 4 * page, IPC_CREAT | 0600)), their, other(ctl(SysvOp::kLock, 0)),
          other(ctl(SysvOp::kUnlock, 0)), other(ctl(SysvOp::kLock, 1))},
         0);
  t.sysv("destroying a locked segment gives the charge back", "shm_destroy → user_shm_unlock",
         {other(get(IPC_PRIVATE, 4 * page, IPC_CREAT | 0600)), their, other(ctl(SysvOp::kLock, 0)),
          other(ctl(SysvOp::kRmid, 0)), other(ctl(SysvOp::kLock, 1))},
         0);
  t.sysv("SHM_LOCK of a removed attached segment", "shmctl_do_lock finds SHM_DEST segments",
         {seg, at(0), ctl(SysvOp::kRmid, 0), ctl(SysvOp::kLock, 0)}, 0);
  t.sysv("root's SHM_LOCK ignores RLIMIT_MEMLOCK", "CAP_IPC_LOCK",
         {get(IPC_PRIVATE, 16 * page, IPC_CREAT | 0600), ctl(SysvOp::kLock, 0)}, 0);
}

void sysv_info(Table& t, std::uint64_t page, uid_t /*ou*/) {
  t.area("sysv/info");
  const SysvStep seg = get(IPC_PRIVATE, page, IPC_CREAT | 0600);
  t.sysv("IPC_INFO with no segment", "shmctl(2) IPC_INFO: the limits, highest index 0", {ctl(SysvOp::kInfo, 0)}, 0);
  t.sysv("IPC_INFO with segments", "shmctl(2): returns the highest index in use",
         {seg, seg, seg, ctl(SysvOp::kInfo, 0)}, 0);
  t.sysv("IPC_INFO ignores the id", "shmctl(2): shmid is ignored", {ctl(SysvOp::kInfo, 5)}, 0);
  t.sysv("IPC_INFO by another user", "no permission needed", {seg, other(ctl(SysvOp::kInfo, 0))}, 0);
  t.sysv("SHM_INFO counts segments and pages", "shmctl(2) SHM_INFO: used_ids, shm_tot",
         {seg, get(IPC_PRIVATE, 3 * page + 1, IPC_CREAT | 0600), ctl(SysvOp::kShmInfo, 0)}, 0);
  t.sysv("SHM_INFO after a removal", "shm_destroy", {seg, seg, ctl(SysvOp::kRmid, 0), ctl(SysvOp::kShmInfo, 0)}, 0);
  t.sysv("SHM_INFO counts a removed attached segment", "SHM_DEST",
         {seg, at(0), ctl(SysvOp::kRmid, 0), ctl(SysvOp::kShmInfo, 0)}, 0);
  t.sysv("SHM_INFO by another user", "no permission needed", {seg, other(ctl(SysvOp::kShmInfo, 0))}, 0);
  t.sysv("SHM_STAT of an index in use", "shmctl(2) SHM_STAT: index, returns the id", {seg, stat_index(0, false)}, 0);
  t.sysv("SHM_STAT of a free index", "shmctl(2) EINVAL", {seg, stat_index(1, false)}, EINVAL);
  t.sysv("SHM_STAT of index 0, none in use", "shmctl(2) EINVAL", {stat_index(0, false)}, EINVAL);
  t.sysv("SHM_STAT by another user, 0600", "shmctl(2) EACCES", {seg, other(stat_index(0, false))}, EACCES);
  t.sysv("SHM_STAT_ANY by another user, 0600", "shmctl(2) SHM_STAT_ANY (Linux 4.17)", {seg, other(stat_index(0, true))},
         0);
  t.sysv("SHM_STAT by another user, 0644", "ipcperms",
         {get(IPC_PRIVATE, page, IPC_CREAT | 0644), other(stat_index(0, false))}, 0);
  t.sysv("SHM_STAT of a removed index", "shm_destroy frees the index",
         {seg, ctl(SysvOp::kRmid, 0), stat_index(0, false)}, EINVAL);
  t.sysv("SHM_STAT of the second index", "ipc_idr_alloc takes the lowest free index", {seg, seg, stat_index(1, false)},
         0);
  t.sysv("SHM_STAT of a removed attached segment", "SHM_DEST keeps its index",
         {seg, at(0), ctl(SysvOp::kRmid, 0), stat_index(0, false)}, 0);
  t.sysv("SHM_STAT_ANY of a free index", "shmctl(2) EINVAL", {stat_index(0, true)}, EINVAL);
}

// kernel.shm_rmid_forced, written inside the case's sandbox (its IPC namespace's own sysctl).
void sysv_rmid_forced(Table& t, std::uint64_t page, uid_t /*ou*/) {
  t.area("sysv/rmid_forced");
  const std::uint64_t max = 16 * page;  // shmmax
  const key_t k = 0x100;
  const SysvStep seg = get(IPC_PRIVATE, page, IPC_CREAT | 0600);
  auto forced = [](int value) { return SysvStep{.op = SysvOp::kRmidForced, .flags = value}; };
  const SysvStep stat = ctl(SysvOp::kStat, 0);
  const char* may_destroy = "shm_close → shm_may_destroy; proc(5) shm_rmid_forced";
  t.sysv("on: the last detach destroys the segment", may_destroy, {forced(1), seg, at(0), dt(0), stat}, EINVAL);
  t.sysv("on: a detach that leaves an attachment keeps it", may_destroy, {forced(1), seg, at(0), at(0), dt(0), stat},
         0);
  t.sysv("on: an unattached segment lives while its creator does", "exit_shm destroys it at the creator's exit only",
         {forced(1), seg, stat}, 0);
  t.sysv("switched on, a live creator's segments stay", "shm_destroy_orphaned: orphans only", {seg, forced(1), stat},
         0);
  t.sysv("on: a locked segment goes at its last detach too", "shm_may_destroy ignores SHM_LOCKED",
         {forced(1), seg, ctl(SysvOp::kLock, 0), at(0), dt(0), stat}, EINVAL);
  t.sysv("on: a fixed attach onto a taken range destroys the unattached segment",
         "do_shmat counts the attachment before find_vma_intersection; out_nattch → shm_may_destroy",
         {forced(1), seg, at_fixed(0, 1, 0, 0), stat}, EINVAL);
  t.sysv("on: an unaligned attach is refused before it counts", "do_shmat checks the address first",
         {forced(1), seg, at_fixed(0, 1, 1, 0), stat}, 0);
  t.sysv("on: another user's attach and detach destroy it", may_destroy,
         {forced(1), get(IPC_PRIVATE, page, IPC_CREAT | 0666), other(at(0)), stat}, EINVAL);
  t.sysv("on: the destroyed segment's key is free", "shm_destroy → shm_rmid",
         {forced(1), get(k, page, IPC_CREAT | 0600), at(0), dt(0), get(k, page, 0600)}, ENOENT);
  t.sysv("on: the last detach gives SHMALL back", "shm_destroy: shm_tot",
         {forced(1), get(IPC_PRIVATE, max, IPC_CREAT | 0600), get(IPC_PRIVATE, max, IPC_CREAT | 0600), at(0), dt(0),
          get(IPC_PRIVATE, max, IPC_CREAT | 0600)},
         0);
  t.sysv("off again: the last detach keeps it", "shm_may_destroy", {forced(1), forced(0), seg, at(0), dt(0), stat}, 0);
  t.sysv("the sysctl takes 0 or 1 only", "ipc_sysctl.c: proc_dointvec_minmax, 0..1", {forced(2)}, EINVAL);
  t.sysv("a refused value leaves it on", "proc_dointvec_minmax stores nothing on EINVAL",
         {forced(1), forced(2), seg, at(0), dt(0), stat}, EINVAL);
}

// A forked child that inherits the caller's attachments and makes no call; it exits when told.
void sysv_fork(Table& t, std::uint64_t page, uid_t /*ou*/) {
  t.area("sysv/fork");
  const SysvStep seg = get(IPC_PRIVATE, page, IPC_CREAT | 0600);
  const SysvStep fork{.op = SysvOp::kFork};
  const SysvStep exits{.op = SysvOp::kChildExit};
  const SysvStep stat = ctl(SysvOp::kStat, 0);
  auto forced = [](int value) { return SysvStep{.op = SysvOp::kRmidForced, .flags = value}; };
  const char* copy = "fork(2): attachments are inherited; dup_mmap → shm_open";
  const char* close = "exit_mm → shm_close → shm_may_destroy";
  t.sysv("the child's copy counts (nattch 2, shm_lpid the parent)", copy, {seg, at(0), fork, stat}, 0);
  t.sysv("each attachment is copied (nattch 4)", copy, {seg, at(0), at(0), fork, stat}, 0);
  t.sysv("an unattached segment gains nothing", copy, {seg, fork, stat}, 0);
  t.sysv("an attach after the fork is the parent's alone", copy, {seg, fork, at(0), exits, stat}, 0);
  t.sysv("the child's exit drops its copies (shm_lpid the child)", close, {seg, at(0), fork, exits, stat}, 0);
  t.sysv("the parent's detach leaves the child's copy", "shm_close: nattch 1", {seg, at(0), fork, dt(0), stat}, 0);
  t.sysv("a removed segment lives while the child holds it", "do_shm_rmid: SHM_DEST until nattch is 0",
         {seg, at(0), fork, dt(0), ctl(SysvOp::kRmid, 0), stat}, 0);
  t.sysv("a removed segment goes at the exit of its last holder", close,
         {seg, at(0), fork, dt(0), ctl(SysvOp::kRmid, 0), exits, stat}, EINVAL);
  t.sysv("the parent's detach after the child's exit destroys a removed one", "shm_close",
         {seg, at(0), fork, ctl(SysvOp::kRmid, 0), exits, stat, dt(0), stat}, EINVAL);
  t.sysv("shm_rmid_forced: the child's exit as last holder destroys", close,
         {forced(1), seg, at(0), fork, dt(0), exits, stat}, EINVAL);
  t.sysv("shm_rmid_forced: the parent's detach keeps what the child holds", "shm_may_destroy: nattch 1",
         {forced(1), seg, at(0), fork, dt(0), stat}, 0);
  t.sysv("another user attaches and detaches between fork and exit", "do_shmat, shm_close: shm_lprid each time",
         {get(IPC_PRIVATE, page, IPC_CREAT | 0666), at(0), fork, other(at(0)), exits, stat}, 0);
}

void posix_names(Table& t, std::uint64_t /*page*/) {
  t.area("posix/names");
  const int rw = O_CREAT | O_RDWR;
  t.posix("a plain name", "shm_open(3)", {open("/a", rw)}, 0);
  t.posix("a name without the slash", "glibc shm_open: leading slashes stripped", {open("a", rw)}, 0);
  t.posix("two leading slashes name the same object", "glibc __shm_get_name", {open("//a", rw), open("/a", O_RDWR)}, 0);
  t.posix("an empty name", "shm_open(3) EINVAL", {open("", rw)}, EINVAL);
  t.posix("only a slash", "shm_open(3) EINVAL: empty after the slash", {open("/", rw)}, EINVAL);
  t.posix("a slash inside", "shm_open(3) EINVAL", {open("/a/b", rw)}, EINVAL);
  t.posix("NAME_MAX bytes", "shm_open(3); NAME_MAX 255", {open("/" + std::string(255, 'n'), rw)}, 0);
  t.posix("NAME_MAX + 1 bytes", "shm_open(3) ENAMETOOLONG (from the kernel)", {open("/" + std::string(256, 'n'), rw)},
          ENAMETOOLONG);
  t.posix("longer than glibc's buffer", "glibc __shm_get_name EINVAL", {open("/" + std::string(260, 'n'), rw)}, EINVAL);
  t.posix("a NUL ends the name", "shm_open(3)", {open(std::string("/b\0c", 4), rw), open("/b", O_RDONLY)}, 0);
  t.posix("\".\" read-only opens the directory", "open(2) of /dev/shm/.", {open(".", O_RDONLY)}, 0);
  t.posix("\".\" for writing", "open(2) EISDIR, glibc says EINVAL", {open(".", O_RDWR)}, EINVAL);
  t.posix("\"..\" for writing", "open(2) EISDIR, glibc says EINVAL", {open("..", O_RDWR)}, EINVAL);
  t.posix("unlink a name nobody holds", "shm_unlink(3) ENOENT", {unlink("/a")}, ENOENT);
  t.posix("unlink an empty name", "glibc refuses: ENOENT", {unlink("")}, ENOENT);
  t.posix("unlink a name with a slash inside", "glibc refuses: ENOENT", {unlink("/a/b")}, ENOENT);
  t.posix("unlink", "shm_unlink(3)", {open("/a", rw), unlink("/a")}, 0);
  t.posix("open after unlink", "shm_open(3) ENOENT", {open("/a", rw), unlink("/a"), open("/a", O_RDWR)}, ENOENT);
  t.posix("unlink twice", "shm_unlink(3) ENOENT", {open("/a", rw), unlink("/a"), unlink("/a")}, ENOENT);
  t.posix("another user unlinks root's object", "/dev/shm is sticky: EPERM, glibc says EACCES",
          {open("/a", rw, 0666), other(unlink("/a"))}, EACCES);
  t.posix("another user unlinks their own object", "sticky directory: the owner may",
          {other(open("/a", rw, 0600)), other(unlink("/a"))}, 0);
  t.posix("the object outlives its name", "shm_unlink(3)", {open("/a", rw, 0600, 4096), unlink("/a"), pwrite(0, 0, 16)},
          0);
}

void posix_open(Table& t, std::uint64_t page) {
  t.area("posix/shm_open");
  const int rw = O_CREAT | O_RDWR;
  t.posix("O_CREAT | O_EXCL of an existing name", "shm_open(3) EEXIST", {open("/a", rw), open("/a", rw | O_EXCL)},
          EEXIST);
  t.posix("open without O_CREAT, absent", "shm_open(3) ENOENT", {open("/a", O_RDWR)}, ENOENT);
  t.posix("O_CREAT of an existing name keeps it", "open(2)", {open("/a", rw, 0600), open("/a", rw, 0666)}, 0);
  t.posix("the umask applies to the mode", "open(2): mode & ~umask", {open("/a", rw, 0666)}, 0);
  t.posix("another user, rw of 0600", "shm_open(3) EACCES", {open("/a", rw, 0600), other(open("/a", O_RDWR))}, EACCES);
  t.posix("another user, read of 0644", "open(2) permission", {open("/a", rw, 0644), other(open("/a", O_RDONLY))}, 0);
  t.posix("another user, rw of 0644", "open(2) EACCES", {open("/a", rw, 0644), other(open("/a", O_RDWR))}, EACCES);
  t.posix("another user, rw of 0666 (0644 after the umask)", "open(2): the umask applied at creation",
          {open("/a", rw, 0666), other(open("/a", O_RDWR))}, EACCES);
  t.posix("another user creates: they own it", "open(2)", {other(open("/a", rw, 0600))}, 0);
  t.posix("another user's O_CREAT of root's 0600 object", "open(2): an existing file is permission-checked",
          {open("/a", rw, 0600), other(open("/a", rw, 0666))}, EACCES);
  t.posix("O_TRUNC empties", "shm_open(3) O_TRUNC",
          {open("/a", rw, 0600, static_cast<std::int64_t>(page)), open("/a", O_RDWR | O_TRUNC)}, 0);
  t.posix("another user's O_TRUNC needs write permission", "open(2) EACCES",
          {open("/a", rw, 0644, static_cast<std::int64_t>(page)), other(open("/a", O_RDONLY | O_TRUNC))}, EACCES);
  t.posix("O_WRONLY", "shm_open(3) allows only O_RDONLY or O_RDWR; Linux opens it",
          {open("/a", rw), open("/a", O_WRONLY)}, 0);
  t.posix("created with a size", "shm_open + ftruncate", {open("/a", rw, 0600, 3 * static_cast<std::int64_t>(page))},
          0);
}

void posix_size(Table& t, std::uint64_t page) {
  t.area("posix/size");
  const auto p = static_cast<std::int64_t>(page);
  const int rw = O_CREAT | O_RDWR;
  t.posix("ftruncate", "ftruncate(2)", {open("/a", rw), truncate(0, p)}, 0);
  t.posix("ftruncate a read-only descriptor", "ftruncate(2) EINVAL: not open for writing",
          {open("/a", rw), open("/a", O_RDONLY), truncate(1, p)}, EINVAL);
  t.posix("ftruncate to -1", "ftruncate(2) EINVAL", {open("/a", rw), truncate(0, -1)}, EINVAL);
  t.posix("ftruncate smaller", "ftruncate(2)", {open("/a", rw, 0600, 4 * p), truncate(0, p)}, 0);
  t.posix("ftruncate beyond the tmpfs is sparse", "tmpfs(5): blocks on write", {open("/a", rw), truncate(0, 64 * p)},
          0);
  t.posix("fallocate the whole tmpfs", "posix_fallocate(3)", {open("/a", rw), allocate(0, 0, 16 * p)}, 0);
  t.posix("fallocate beyond the tmpfs", "posix_fallocate(3) ENOSPC; shmem_fallocate",
          {open("/a", rw), allocate(0, 0, 17 * p)}, ENOSPC);
  t.posix("pwrite into a full tmpfs", "write(2) ENOSPC",
          {open("/a", rw), allocate(0, 0, 16 * p), open("/b", rw), pwrite(1, 0, 1)}, ENOSPC);
  t.posix("pwrite", "pwrite(2)", {open("/a", rw), pwrite(0, 10, 100)}, 0);
  t.posix("pwrite grows the object", "pwrite(2)", {open("/a", rw), pwrite(0, 3 * page, 10)}, 0);
  t.posix("pwrite on a read-only descriptor", "pwrite(2) EBADF",
          {open("/a", rw), open("/a", O_RDONLY), pwrite(1, 0, 1)}, EBADF);
  t.posix("fchmod by the owner", "fchmod(2)", {open("/a", rw), chmod(0, 0640)}, 0);
  t.posix("fchmod by another user", "fchmod(2) EPERM",
          {open("/a", rw, 0666), open("/a", O_RDONLY), other(chmod(1, 0666))}, EPERM);
  t.posix("fchmod by the other owner", "fchmod(2)", {other(open("/a", rw, 0600)), other(chmod(0, 0644))}, 0);
  t.posix("reopen /proc/self/fd read-write", "proc(5): a new open of the same file",
          {open("/a", rw), reopen(0, O_RDWR)}, 0);
  t.posix("another user reopens rw of 0644", "proc(5): permission checked again",
          {open("/a", rw, 0644), other(reopen(0, O_RDWR))}, EACCES);
  t.posix("another user reopens read of 0644", "proc(5)", {open("/a", rw, 0644), other(reopen(0, O_RDONLY))}, 0);
  t.posix("reopen after fchmod 0400", "the mode now, not at the first open",
          {other(open("/a", rw, 0600)), other(chmod(0, 0400)), other(reopen(0, O_RDWR))}, EACCES);
  t.posix("reopen a closed descriptor", "ENOENT: /proc/self/fd/N is gone",
          {open("/a", rw), close_fd(0), reopen(0, O_RDONLY)}, ENOENT);
}

void posix_mmap(Table& t, std::uint64_t page) {
  t.area("posix/mmap");
  const auto p = static_cast<std::int64_t>(page);
  const int rw = O_CREAT | O_RDWR;
  const PosixStep obj = open("/a", rw, 0600, 2 * p);
  t.posix("map shared read-write", "mmap(2)", {obj, map(0, p, kRw, MAP_SHARED)}, 0);
  t.posix("map shared writable through a read-only descriptor", "mmap(2) EACCES",
          {obj, open("/a", O_RDONLY), map(1, p, kRw, MAP_SHARED)}, EACCES);
  t.posix("map private writable through a read-only descriptor", "mmap(2): copy-on-write needs read only",
          {obj, open("/a", O_RDONLY), map(1, p, kRw, MAP_PRIVATE)}, 0);
  t.posix("map through a write-only descriptor", "mmap(2) EACCES: not open for reading",
          {obj, open("/a", O_WRONLY), map(1, p, PROT_WRITE, MAP_SHARED)}, EACCES);
  t.posix("map an empty object whole", "mmap(2) EINVAL: length 0", {open("/a", rw), map(0, 0, kRw, MAP_SHARED)},
          EINVAL);
  t.posix("map at an unaligned offset", "mmap(2) EINVAL", {obj, map(0, p, kRw, MAP_SHARED, 1)}, EINVAL);
  t.posix("map beyond the end", "mmap(2): allowed, touching it is SIGBUS", {obj, map(0, 4 * p, kRw, MAP_SHARED)}, 0);
  t.posix("map at a page offset", "mmap(2)", {obj, map(0, p, kRw, MAP_SHARED, page)}, 0);
  t.posix("a store is seen through another shared mapping", "mmap(2) MAP_SHARED",
          {obj, map(0, p, kRw, MAP_SHARED), map(0, p, PROT_READ, MAP_SHARED), store(0, 5, 0x42), load(1, 5)}, 0);
  t.posix("a private store is not seen", "mmap(2) MAP_PRIVATE",
          {obj, map(0, p, kRw, MAP_PRIVATE), map(0, p, PROT_READ, MAP_SHARED), store(0, 5, 0x42), load(1, 5)}, 0);
  t.posix("pwrite is seen through a mapping", "mmap(2): one page cache",
          {obj, map(0, p, PROT_READ, MAP_SHARED), pwrite(0, 8, 1, 0x33), load(0, 8)}, 0);
  t.posix("munmap", "munmap(2)", {obj, map(0, p, kRw, MAP_SHARED), unmap(0)}, 0);
  t.posix("a mapping outlives its descriptor", "mmap(2)",
          {obj, map(0, p, kRw, MAP_SHARED), close_fd(0), store(0, 1, 9)}, 0);
  t.posix("a read fault allocates a tmpfs block", "mm/shmem.c shmem_fault",
          {obj, map(0, p, PROT_READ, MAP_SHARED), load(0, 0)}, 0);
}

void memfd_seals(Table& t, std::uint64_t page) {
  t.area("memfd/seals");
  const auto p = static_cast<std::int64_t>(page);
  const PosixStep sealable = memfd("m", MFD_ALLOW_SEALING, 2 * p);
  t.posix("memfd_create", "memfd_create(2)", {memfd("m", 0)}, 0);
  t.posix("an unknown flag", "memfd_create(2) EINVAL", {memfd("m", 0x100)}, EINVAL);
  t.posix("a 249-byte name", "memfd_create(2): 249 bytes at most", {memfd(std::string(249, 'm'), 0)}, 0);
  t.posix("a 250-byte name", "memfd_create(2) EINVAL", {memfd(std::string(250, 'm'), 0)}, EINVAL);
  t.posix("an empty name", "memfd_create(2)", {memfd("", 0)}, 0);
  t.posix("a name with a slash", "memfd_create(2): any bytes", {memfd("a/b", 0)}, 0);
  t.posix("seals without MFD_ALLOW_SEALING", "memfd_create(2): F_SEAL_SEAL is set",
          {memfd("m", 0), seal(0, F_SEAL_GROW)}, EPERM);
  t.posix("F_SEAL_GROW", "fcntl(2) F_ADD_SEALS", {sealable, seal(0, F_SEAL_GROW)}, 0);
  t.posix("growing under F_SEAL_GROW", "fcntl(2) EPERM", {sealable, seal(0, F_SEAL_GROW), truncate(0, 3 * p)}, EPERM);
  t.posix("shrinking under F_SEAL_GROW", "fcntl(2)", {sealable, seal(0, F_SEAL_GROW), truncate(0, p)}, 0);
  t.posix("shrinking under F_SEAL_SHRINK", "fcntl(2) EPERM", {sealable, seal(0, F_SEAL_SHRINK), truncate(0, p)}, EPERM);
  t.posix("growing under F_SEAL_SHRINK", "fcntl(2)", {sealable, seal(0, F_SEAL_SHRINK), truncate(0, 3 * p)}, 0);
  t.posix("fallocate past the end under F_SEAL_GROW", "shmem_fallocate EPERM",
          {sealable, seal(0, F_SEAL_GROW), allocate(0, 0, 4 * p)}, EPERM);
  t.posix("pwrite under F_SEAL_WRITE", "fcntl(2) EPERM", {sealable, seal(0, F_SEAL_WRITE), pwrite(0, 0, 1)}, EPERM);
  t.posix("F_SEAL_WRITE while a shared writable mapping exists", "fcntl(2) EBUSY",
          {sealable, map(0, p, kRw, MAP_SHARED), seal(0, F_SEAL_WRITE)}, EBUSY);
  t.posix("F_SEAL_WRITE after the mapping is gone", "fcntl(2)",
          {sealable, map(0, p, kRw, MAP_SHARED), unmap(0), seal(0, F_SEAL_WRITE)}, 0);
  t.posix("F_SEAL_WRITE with a shared read-only mapping", "mapping_writably_mapped",
          {sealable, map(0, p, PROT_READ, MAP_SHARED), seal(0, F_SEAL_WRITE)}, EBUSY);
  t.posix("F_SEAL_WRITE with a private mapping", "private mappings never write the file",
          {sealable, map(0, p, kRw, MAP_PRIVATE), seal(0, F_SEAL_WRITE)}, 0);
  t.posix("a shared writable map under F_SEAL_WRITE", "mmap(2) EPERM",
          {sealable, seal(0, F_SEAL_WRITE), map(0, p, kRw, MAP_SHARED)}, EPERM);
  t.posix("a private writable map under F_SEAL_WRITE", "mmap(2)",
          {sealable, seal(0, F_SEAL_WRITE), map(0, p, kRw, MAP_PRIVATE)}, 0);
  t.posix("a shared read-only map under F_SEAL_WRITE", "mmap(2)",
          {sealable, seal(0, F_SEAL_WRITE), map(0, p, PROT_READ, MAP_SHARED)}, 0);
  t.posix("pwrite under F_SEAL_FUTURE_WRITE", "fcntl(2) F_SEAL_FUTURE_WRITE (Linux 5.1)",
          {sealable, seal(0, F_SEAL_FUTURE_WRITE), pwrite(0, 0, 1)}, EPERM);
  t.posix("a shared writable map under F_SEAL_FUTURE_WRITE", "mmap(2) EPERM",
          {sealable, seal(0, F_SEAL_FUTURE_WRITE), map(0, p, kRw, MAP_SHARED)}, EPERM);
  t.posix("F_SEAL_FUTURE_WRITE with a writable mapping", "future writes only",
          {sealable, map(0, p, kRw, MAP_SHARED), seal(0, F_SEAL_FUTURE_WRITE)}, 0);
  t.posix("a store through a mapping made before F_SEAL_FUTURE_WRITE", "fcntl(2)",
          {sealable, map(0, p, kRw, MAP_SHARED), seal(0, F_SEAL_FUTURE_WRITE), store(0, 3, 7)}, 0);
  t.posix("a seal after F_SEAL_SEAL", "fcntl(2) EPERM", {sealable, seal(0, F_SEAL_SEAL), seal(0, F_SEAL_GROW)}, EPERM);
  t.posix("an unknown seal", "fcntl(2) EINVAL", {sealable, seal(0, 0x40)}, EINVAL);
  t.posix("F_ADD_SEALS through a read-only descriptor", "fcntl(2) EPERM: needs write",
          {sealable, reopen(0, O_RDONLY), seal(1, F_SEAL_GROW)}, EPERM);
  t.posix("F_ADD_SEALS on a shm_open object", "shmem files start with F_SEAL_SEAL",
          {open("/a", O_CREAT | O_RDWR, 0600, p), seal(0, F_SEAL_GROW)}, EPERM);
  t.posix("seals carry over a reopen", "the seals belong to the file",
          {sealable, seal(0, F_SEAL_GROW), reopen(0, O_RDWR), truncate(1, 4 * p)}, EPERM);
  t.posix("fchmod of a memfd", "fchmod(2)", {memfd("m", 0), chmod(0, 0600)}, 0);
  t.posix("another user reopens a memfd after fchmod 0600", "proc(5): the mode is checked",
          {memfd("m", 0), chmod(0, 0600), other(reopen(0, O_RDWR))}, EACCES);
  t.posix("a memfd's blocks count in no tmpfs limit here", "memfd lives on the internal shm mount",
          {memfd("m", 0, 32 * p), allocate(0, 0, 20 * p)}, 0);
}

}  // namespace

model::Limits sysv_limits(std::uint64_t page_size) {
  return {.shmmax = 16 * page_size, .shmall = 32, .shmmni = 6, .page_size = page_size, .memlock = 4 * page_size};
}

model::PosixLimits posix_limits(std::uint64_t page_size) {
  return {.page_size = page_size, .tmpfs_pages = 16, .umask = 022};
}

bool PinnedCase::needs_other() const {
  return std::any_of(sysv.begin(), sysv.end(), [](const auto& s) { return s.other; }) ||
         std::any_of(posix.begin(), posix.end(), [](const auto& s) { return s.other; });
}

std::vector<PinnedCase> pinned_cases(std::uint64_t page_size, uid_t other_uid) {
  Table t("");
  sysv_shmget(t, page_size, other_uid);
  sysv_shmat(t, page_size, other_uid);
  sysv_shmctl(t, page_size, other_uid);
  sysv_info(t, page_size, other_uid);
  sysv_rmid_forced(t, page_size, other_uid);
  sysv_fork(t, page_size, other_uid);
  posix_names(t, page_size);
  posix_open(t, page_size);
  posix_size(t, page_size);
  posix_mmap(t, page_size);
  memfd_seals(t, page_size);
  return t.take();
}

}  // namespace shmh::conform
