#include "core/segment/sysv_segment.h"

#include <cerrno>
#include <string>
#include <utility>

#include "core/segment/tag.h"
#include "core/sys/sys.h"
#include "core/units.h"

namespace shmh {

Result<SysvSegment> SysvSegment::create(const SysvCreateOptions& options) {
  const int flags = IPC_CREAT | (options.exclusive ? IPC_EXCL : 0) | (options.mode & 0777) | options.extra_flags;
  auto id = sys::shmget(options.key, options.size, flags);
  if (!id) {
    return sys_error(
        id.error().err, "shmget",
        "create size " + std::to_string(options.size) + " mode " + format_mode(static_cast<unsigned>(options.mode)));
  }
  return SysvSegment(*id, /*owned=*/true);
}

Result<SysvSegment> SysvSegment::create_tagged(std::size_t size, int mode) {
  // 64 tries: with 65,535 keys in the tagged range, failing every one means the range is full of
  // someone's segments — an EEXIST worth reporting, not retrying forever.
  Result<SysvSegment> last = sys_error(EEXIST, "shmget", "no free key in the tagged range");
  for (int attempt = 0; attempt < 64; ++attempt) {
    last = create({.key = random_tagged_key(), .size = size, .mode = mode, .exclusive = true});
    if (last || last.error().err != EEXIST) return last;
  }
  return last;
}

Result<SysvSegment> SysvSegment::open(key_t key, int requested_mode, std::size_t size) {
  auto id = sys::shmget(key, size, requested_mode & 0777);
  if (!id) return id.error();
  return SysvSegment(*id, /*owned=*/false);
}

SysvSegment::SysvSegment(SysvSegment&& other) noexcept
    : id_(std::exchange(other.id_, -1)), owned_(std::exchange(other.owned_, false)) {}

SysvSegment& SysvSegment::operator=(SysvSegment&& other) noexcept {
  if (this != &other) {
    if (owned_) (void)remove();
    id_ = std::exchange(other.id_, -1);
    owned_ = std::exchange(other.owned_, false);
  }
  return *this;
}

SysvSegment::~SysvSegment() {
  if (owned_) (void)remove();
}

Result<Mapping> SysvSegment::attach(int shmflg, const void* addr) const {
  auto p = sys::shmat(id_, addr, shmflg);
  if (!p) return p.error();
  Mapping mapping(Mapping::Kind::kShmat, *p, 0);
  // The size comes from the kernel after the attach succeeded: shmat needs read permission, and
  // so does IPC_STAT, so this only fails if the id was reused under us.
  auto ds = stat();
  if (!ds) return ds.error();  // `mapping` detaches on return
  (void)mapping.release();
  return Mapping(Mapping::Kind::kShmat, *p, ds->shm_segsz);
}

Result<struct shmid_ds> SysvSegment::stat() const {
  struct shmid_ds ds {};
  auto r = sys::shmctl(id_, IPC_STAT, &ds);
  if (!r) return r.error();
  return ds;
}

Result<void> SysvSegment::set(uid_t uid, gid_t gid, int mode) const {
  // IPC_SET reads only shm_perm.uid, .gid and the low 9 bits of .mode (ipc/shm.c shmctl_down), so
  // no IPC_STAT first: that would need read permission, which IPC_SET does not.
  struct shmid_ds ds {};
  ds.shm_perm.uid = uid;
  ds.shm_perm.gid = gid;
  ds.shm_perm.mode = static_cast<unsigned short>(mode & 0777);
  auto r = sys::shmctl(id_, IPC_SET, &ds);
  if (!r) return r.error();
  return {};
}

Result<void> SysvSegment::lock() const {
  auto r = sys::shmctl(id_, SHM_LOCK, nullptr);
  if (!r) return r.error();
  return {};
}

Result<void> SysvSegment::unlock() const {
  auto r = sys::shmctl(id_, SHM_UNLOCK, nullptr);
  if (!r) return r.error();
  return {};
}

Result<void> SysvSegment::remove() {
  owned_ = false;
  auto r = sys::shmctl(id_, IPC_RMID, nullptr);
  if (!r) return r.error();
  return {};
}

Result<SysvIpcInfo> sysv_ipc_info() {
  SysvIpcInfo info;
  // IPC_INFO fills a struct shminfo through the shmid_ds pointer (shmctl(2)).
  auto r = sys::shmctl(0, IPC_INFO, reinterpret_cast<struct shmid_ds*>(&info.limits));
  if (!r) return r.error();
  info.highest_index = *r;
  return info;
}

Result<SysvShmInfo> sysv_shm_info() {
  SysvShmInfo info;
  auto r = sys::shmctl(0, SHM_INFO, reinterpret_cast<struct shmid_ds*>(&info.usage));
  if (!r) return r.error();
  info.highest_index = *r;
  return info;
}

Result<SysvIndexStat> sysv_stat_index(int index, bool any) {
  SysvIndexStat out;
  auto r = sys::shmctl(index, any ? SHM_STAT_ANY : SHM_STAT, &out.ds);
  if (!r) return r.error();
  out.id = *r;
  return out;
}

}  // namespace shmh
