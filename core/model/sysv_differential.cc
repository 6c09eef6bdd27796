#include "core/model/sysv_differential.h"

#include <sys/ipc.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <sstream>
#include <utility>

#include "core/sys/sys.h"

namespace shmh::model {
namespace {

struct PeerRequest {
  SysvStep step;
  int kernel_id;
};
struct PeerReply {
  int err;
  int new_id;
};

// The System V call a step makes, on a resolved kernel id. Returns errno (0 on success).
int plain_call(const SysvStep& s, int id, int* new_id, std::vector<Mapping>* keep) {
  switch (s.op) {
    case SysvOp::kGet: {
      auto r = sys::shmget(s.key, s.size, s.flags);
      if (!r) return r.error().err;
      *new_id = *r;
      return 0;
    }
    case SysvOp::kAt: {
      auto p = sys::shmat(id, nullptr, s.flags);
      if (!p) return p.error().err;
      if (keep != nullptr) {
        keep->emplace_back(Mapping::Kind::kShmat, *p, 0);
      } else {
        (void)sys::shmdt(*p);
      }
      return 0;
    }
    case SysvOp::kStat: {
      struct shmid_ds ds {};
      auto r = sys::shmctl(id, IPC_STAT, &ds);
      return r ? 0 : r.error().err;
    }
    case SysvOp::kSet: {
      struct shmid_ds ds {};
      ds.shm_perm.uid = s.set_uid;
      ds.shm_perm.gid = s.set_uid;
      ds.shm_perm.mode = static_cast<unsigned short>(s.set_mode);
      auto r = sys::shmctl(id, IPC_SET, &ds);
      return r ? 0 : r.error().err;
    }
    case SysvOp::kRmid: {
      auto r = sys::shmctl(id, IPC_RMID, nullptr);
      return r ? 0 : r.error().err;
    }
    case SysvOp::kLock:
    case SysvOp::kUnlock: {
      auto r = sys::shmctl(id, s.op == SysvOp::kLock ? SHM_LOCK : SHM_UNLOCK, nullptr);
      return r ? 0 : r.error().err;
    }
    case SysvOp::kDt:
    case SysvOp::kCount:
      break;
  }
  return EINVAL;
}

bool read_exact(int fd, void* buf, std::size_t n) {
  auto* p = static_cast<char*>(buf);
  while (n > 0) {
    const ssize_t r = ::read(fd, p, n);
    if (r <= 0) {
      if (r < 0 && errno == EINTR) continue;
      return false;
    }
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

// An index into `v`, or nullopt when the step names one past the end (an invalid id on purpose).
template <class V>
std::optional<std::size_t> index(const V& v, int target) {
  if (target < 0 || static_cast<std::size_t>(target) >= v.size()) return std::nullopt;
  return static_cast<std::size_t>(target);
}

}  // namespace

std::string describe(const SysvStep& s) {
  static constexpr const char* kNames[] = {"shmget",  "shmat",    "shmdt",    "IPC_STAT",
                                           "IPC_SET", "IPC_RMID", "SHM_LOCK", "SHM_UNLOCK"};
  std::ostringstream o;
  o << kNames[static_cast<int>(s.op) % 8] << (s.other ? " as other uid" : " as root") << " key=0x" << std::hex << s.key
    << std::dec << " size=" << s.size << " flags=0" << std::oct << s.flags << std::dec << " target=" << s.target
    << " set_uid=" << s.set_uid << " set_mode=0" << std::oct << s.set_mode;
  return o.str();
}

Result<OtherUidPeer> OtherUidPeer::start(uid_t uid, gid_t gid, std::uint64_t memlock) {
  auto requests = sys::pipe();
  auto replies = sys::pipe();
  if (!requests || !replies) return sys_error(errno, "pipe2");
  auto child = ChildProcess::spawn([&]() -> ChildReport {
    sys::close(requests->write);
    sys::close(replies->read);
    if (auto r = sys::become_user(uid, gid); !r) return {97, r.error().message()};
    (void)sys::setrlimit(RLIMIT_MEMLOCK, {memlock, memlock});
    PeerRequest req{};
    while (read_exact(requests->read, &req, sizeof req)) {
      PeerReply reply{0, -1};
      reply.err = plain_call(req.step, req.kernel_id, &reply.new_id, nullptr);
      if (!sys::write_all(replies->write, std::string_view(reinterpret_cast<const char*>(&reply), sizeof reply))) break;
    }
    return {};
  });
  sys::close(requests->read);
  sys::close(replies->write);
  if (!child) {
    sys::close(requests->write);
    sys::close(replies->read);
    return child.error();
  }
  OtherUidPeer peer;
  peer.child_ = std::move(*child);
  peer.to_peer_ = requests->write;
  peer.from_peer_ = replies->read;
  peer.uid_ = uid;
  peer.gid_ = gid;
  return peer;
}

OtherUidPeer::OtherUidPeer(OtherUidPeer&& other) noexcept
    : child_(std::move(other.child_)),
      to_peer_(std::exchange(other.to_peer_, -1)),
      from_peer_(std::exchange(other.from_peer_, -1)),
      uid_(other.uid_),
      gid_(other.gid_) {}

OtherUidPeer& OtherUidPeer::operator=(OtherUidPeer&& other) noexcept {
  if (this != &other) {
    if (to_peer_ >= 0) sys::close(to_peer_);
    if (from_peer_ >= 0) sys::close(from_peer_);
    child_ = std::move(other.child_);
    to_peer_ = std::exchange(other.to_peer_, -1);
    from_peer_ = std::exchange(other.from_peer_, -1);
    uid_ = other.uid_;
    gid_ = other.gid_;
  }
  return *this;
}

OtherUidPeer::~OtherUidPeer() {
  // Closing the request pipe ends the peer's loop; the ChildProcess reaps (or kills) it.
  if (to_peer_ >= 0) sys::close(to_peer_);
  if (from_peer_ >= 0) sys::close(from_peer_);
}

int OtherUidPeer::call(const SysvStep& step, int kernel_id, int* new_id) {
  const PeerRequest req{step, kernel_id};
  if (!sys::write_all(to_peer_, std::string_view(reinterpret_cast<const char*>(&req), sizeof req))) return -1;
  PeerReply reply{};
  if (!read_exact(from_peer_, &reply, sizeof reply)) return -1;
  *new_id = reply.new_id;
  return reply.err;
}

SysvDifferential::SysvDifferential(const Limits& limits, OtherUidPeer* other)
    : limits_(limits),
      root_{.uid = 0, .gid = 0, .cap_ipc_owner = true, .cap_sys_admin = true, .cap_ipc_lock = true},
      other_{.uid = other != nullptr ? other->uid() : 65534U, .gid = other != nullptr ? other->gid() : 65534U},
      peer_(other),
      model_(limits) {}

SysvDifferential::~SysvDifferential() {
  attachments_.clear();
  for (int id : kernel_ids_) (void)sys::shmctl(id, IPC_RMID, nullptr);
}

int SysvDifferential::id_of(int target) const {
  const auto i = index(kernel_ids_, target);
  return i ? kernel_ids_[*i] : 0x7ffffff0;
}

long SysvDifferential::handle_of(int target) const {
  const auto i = index(handles_, target);
  return i ? handles_[*i] : 1'000'000;
}

std::string SysvDifferential::run(const SysvStep& s) {
  const int kernel_err = on_kernel(s);
  const Outcome m = on_model(s);
  if (kernel_err != m.err) {
    return describe(s) + ": kernel " + (kernel_err != 0 ? errno_name(kernel_err) : std::string("ok")) + ", model " +
           (m.err != 0 ? errno_name(m.err) : std::string("ok"));
  }
  return compare_all();
}

int SysvDifferential::on_kernel(const SysvStep& s) {
  if (s.other) {
    if (peer_ == nullptr) return -1;
    int new_id = -1;
    const int err = peer_->call(s, id_of(s.target), &new_id);
    if (err == 0 && s.op == SysvOp::kGet) record_id(new_id);
    return err;
  }
  int id = -1;
  const int err = kernel_call(s, &id);
  if (err == 0 && s.op == SysvOp::kGet) record_id(id);
  return err;
}

int SysvDifferential::kernel_call(const SysvStep& s, int* new_id) {
  if (s.op == SysvOp::kDt) {
    const auto i = index(attachments_, s.target);
    if (!i || !attachments_[*i].mapped()) return EINVAL;  // nothing attached at that "address"
    auto r = attachments_[*i].unmap();
    return r ? 0 : r.error().err;
  }
  return plain_call(s, id_of(s.target), new_id, &attachments_);  // root keeps its attachments
}

// A shmget that succeeded may return an id already tracked (an existing key).
void SysvDifferential::record_id(int id) {
  if (std::find(kernel_ids_.begin(), kernel_ids_.end(), id) == kernel_ids_.end()) kernel_ids_.push_back(id);
}

Outcome SysvDifferential::on_model(const SysvStep& s) {
  const Caller& who = s.other ? other_ : root_;
  switch (s.op) {
    case SysvOp::kGet: {
      Outcome o = model_.shmget(s.key, s.size, s.flags, who);
      if (o.ok() && std::find(handles_.begin(), handles_.end(), o.value) == handles_.end()) handles_.push_back(o.value);
      return o;
    }
    case SysvOp::kAt: {
      Outcome o = model_.shmat(handle_of(s.target), s.flags, who);
      if (o.ok() && s.other) return model_.shmdt(o.value);
      if (o.ok()) model_attachments_.push_back(o.value);
      return o;
    }
    case SysvOp::kDt: {
      const auto i = index(model_attachments_, s.target);
      if (!i) return {0, EINVAL};
      return model_.shmdt(model_attachments_[*i]);
    }
    case SysvOp::kStat:
      return model_.ipc_stat(handle_of(s.target), who, nullptr);
    case SysvOp::kSet:
      return model_.ipc_set(handle_of(s.target), s.set_uid, s.set_uid, s.set_mode, who);
    case SysvOp::kRmid:
      return model_.ipc_rmid(handle_of(s.target), who);
    case SysvOp::kLock:
      return model_.shm_lock(handle_of(s.target), true, who);
    case SysvOp::kUnlock:
      return model_.shm_lock(handle_of(s.target), false, who);
    case SysvOp::kCount:
      break;
  }
  return {0, -1};
}

// Every segment the model thinks alive must be alive in the kernel with the same properties.
std::string SysvDifferential::compare_all() const {
  for (std::size_t i = 0; i < handles_.size(); ++i) {
    const auto m = model_.segment(handles_[i]);
    struct shmid_ds ds {};
    const bool alive = sys::shmctl(kernel_ids_[i], IPC_STAT, &ds).ok();
    if (alive != m.has_value()) {
      return "segment " + std::to_string(i) + ": kernel " + (alive ? "alive" : "gone") + ", model " +
             (m ? "alive" : "gone");
    }
    if (!alive) continue;
    std::ostringstream diff;
    if (ds.shm_segsz != m->size) diff << " size " << ds.shm_segsz << "/" << m->size;
    if ((ds.shm_perm.mode & 0777U) != m->mode) diff << " mode " << (ds.shm_perm.mode & 0777U) << "/" << m->mode;
    if (ds.shm_nattch != m->nattch) diff << " nattch " << ds.shm_nattch << "/" << m->nattch;
    if (((ds.shm_perm.mode & SHM_DEST) != 0) != m->dest) diff << " SHM_DEST";
    if (((ds.shm_perm.mode & SHM_LOCKED) != 0) != m->locked) diff << " SHM_LOCKED";
    if (ds.shm_perm.__key != m->key) diff << " key " << ds.shm_perm.__key << "/" << m->key;
    if (ds.shm_perm.uid != m->uid) diff << " uid " << ds.shm_perm.uid << "/" << m->uid;
    if (!diff.str().empty()) return "segment " + std::to_string(i) + " (kernel/model):" + diff.str();
  }
  return "";
}

SysvStep random_sysv_step(std::mt19937_64& rng, const Limits& limits, int targets, uid_t other_uid) {
  const key_t keys[] = {IPC_PRIVATE, 0x100, 0x101};
  const std::uint64_t page = limits.page_size;
  const std::uint64_t sizes[] = {0, 1, page, page + 1, 3 * page, limits.shmmax, limits.shmmax + 1};
  constexpr int kModes[] = {0600, 0640, 0644, 0666, 0400, 0, 0606};
  auto pick = [&](auto n) { return static_cast<std::size_t>(rng() % static_cast<std::uint64_t>(n)); };
  SysvStep s;
  s.op = static_cast<SysvOp>(pick(static_cast<int>(SysvOp::kCount)));
  s.other = pick(4) == 0;
  s.key = keys[pick(3)];
  s.size = sizes[pick(7)];
  s.flags = kModes[pick(7)] | (pick(3) != 0 ? IPC_CREAT : 0) | (pick(4) == 0 ? IPC_EXCL : 0);
  if (s.op == SysvOp::kAt) s.flags = pick(3) == 0 ? SHM_RDONLY : 0;
  if (s.op == SysvOp::kDt) s.other = false;        // attachments belong to this process: only it detaches them
  s.target = static_cast<int>(pick(targets + 1));  // sometimes one past the end
  s.set_uid = pick(2) == 0 ? 0 : other_uid;
  s.set_mode = static_cast<unsigned>(kModes[pick(7)]);
  return s;
}

}  // namespace shmh::model
