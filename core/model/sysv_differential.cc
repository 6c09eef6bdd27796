#include "core/model/sysv_differential.h"

#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <iterator>
#include <optional>
#include <sstream>
#include <utility>

#include "core/sandbox/sandbox.h"
#include "core/segment/sysv_segment.h"
#include "core/segment/tag.h"
#include "core/sys/proc_number.h"
#include "core/sys/sys.h"
#include "core/units.h"

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

template <class T>
int err_of(const Result<T>& r) {
  return r ? 0 : r.error().err;
}

// The System V call a step makes, on a resolved kernel id, through the core's SysvSegment (not
// owning: the differential removes what it made). Returns errno (0 on success).
int plain_call(const SysvStep& s, int id, int* new_id, std::vector<Mapping>* keep, std::uint64_t addr = 0) {
  const SysvSegment seg = SysvSegment::adopt(id, /*owned=*/false);
  switch (s.op) {
    case SysvOp::kGet: {
      auto made = (s.flags & IPC_CREAT) != 0
                      ? SysvSegment::create({.key = s.key,
                                             .size = static_cast<std::size_t>(s.size),
                                             .mode = s.flags & 0777,
                                             .exclusive = (s.flags & IPC_EXCL) != 0})
                      : SysvSegment::open(s.key, s.flags & 0777, static_cast<std::size_t>(s.size));
      if (!made) return made.error().err;
      made->release();
      *new_id = made->id();
      return 0;
    }
    case SysvOp::kAt: {
      auto m = seg.attach(s.flags, reinterpret_cast<const void*>(addr));  // NOLINT(performance-no-int-to-ptr)
      if (m && keep != nullptr) keep->push_back(std::move(*m));
      return err_of(m);  // the peer's attachment detaches here
    }
    case SysvOp::kStat:
      return err_of(seg.stat());
    case SysvOp::kSet:
      return err_of(seg.set(s.set_uid, s.set_uid, static_cast<int>(s.set_mode)));
    case SysvOp::kRmid: {
      SysvSegment removed = SysvSegment::adopt(id, false);
      return err_of(removed.remove());
    }
    case SysvOp::kLock:
      return err_of(seg.lock());
    case SysvOp::kUnlock:
      return err_of(seg.unlock());
    case SysvOp::kGetTagged: {
      auto made = SysvSegment::create_tagged(static_cast<std::size_t>(s.size), static_cast<int>(s.set_mode));
      if (!made) return made.error().err;
      made->release();
      *new_id = made->id();
      return 0;
    }
    case SysvOp::kInfo:
      return err_of(sysv_ipc_info());
    case SysvOp::kShmInfo:
      return err_of(sysv_shm_info());
    case SysvOp::kStatIndex:
      return err_of(sysv_stat_index(id, s.flags == 1));  // `id` carries the index for this op
    case SysvOp::kDt:
    case SysvOp::kRmidForced:  // made by the differential itself (run_rmid_forced...), never by the peer
    case SysvOp::kFork:
    case SysvOp::kChildExit:
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

// The ranges of ids the calling process's user namespace maps (/proc/self/uid_map: "inside
// outside count" per line); unreadable = the initial namespace's.
IdMap read_id_map(const char* path) {
  IdMap map;
  auto text = sys::read_file(path);
  if (!text) return map;
  std::istringstream lines(*text);
  std::uint64_t inside = 0;
  std::uint64_t outside = 0;
  std::uint64_t count = 0;
  while (lines >> inside >> outside >> count) {
    map.ranges.emplace_back(static_cast<std::uint32_t>(inside), static_cast<std::uint32_t>(count));
  }
  return map;
}

constexpr const char* kRmidForcedPath = "/proc/sys/kernel/shm_rmid_forced";

std::optional<long> read_rmid_forced() {
  auto value = sys::read_u64(kRmidForcedPath);
  return value ? std::optional<long>(static_cast<long>(*value)) : std::nullopt;
}

// "shmat as root ...: kernel ok, model EACCES".
std::string disagreement(const SysvStep& s, int kernel_err, int model_err) {
  auto name = [](int err) { return err != 0 ? errno_name(err) : std::string("ok"); };
  return describe(s) + ": kernel " + name(kernel_err) + ", model " + name(model_err);
}

}  // namespace

std::string describe(const SysvStep& s) {
  static constexpr const char* kNames[] = {"shmget",   "shmat",         "shmdt",           "IPC_STAT", "IPC_SET",
                                           "IPC_RMID", "SHM_LOCK",      "SHM_UNLOCK",      "IPC_INFO", "SHM_INFO",
                                           "SHM_STAT", "create_tagged", "shm_rmid_forced", "fork",     "child exit"};
  static_assert(std::size(kNames) == static_cast<std::size_t>(SysvOp::kCount));
  std::ostringstream o;
  if (s.op == SysvOp::kRmidForced) {
    o << "write " << s.flags << " to kernel.shm_rmid_forced";
    return o.str();
  }
  if (s.op == SysvOp::kFork) return "fork a child that inherits every attachment";
  if (s.op == SysvOp::kChildExit) return "the forked child exits";
  o << kNames[static_cast<std::size_t>(s.op) % std::size(kNames)] << (s.other ? " as other uid" : " as root")
    << " key=0x" << std::hex << s.key << std::dec << " size=" << s.size << " flags=0" << std::oct << s.flags << std::dec
    << " target=" << s.target << " set_uid=" << s.set_uid << " set_mode=0" << std::oct << s.set_mode << std::dec;
  if (s.slot >= 0) o << " addr=slot" << s.slot << "+" << s.skew;
  if (s.op == SysvOp::kDt && s.skew != 0) o << " addr=start+" << s.skew;
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
      root_{.uid = 0, .gid = 0, .cap_ipc_owner = true, .cap_sys_admin = true, .cap_ipc_lock = true, .pid = ::getpid()},
      other_{.uid = other != nullptr ? other->uid() : 65534U,
             .gid = other != nullptr ? other->gid() : 65534U,
             .pid = other != nullptr ? other->pid() : 0},
      peer_(other),
      model_(limits) {
  root_.uids = other_.uids = read_id_map("/proc/self/uid_map");
  root_.gids = other_.gids = read_id_map("/proc/self/gid_map");
  slot_size_ = std::min<std::uint64_t>((limits.shmmax + limits.page_size - 1) / limits.page_size * limits.page_size,
                                       std::uint64_t{64} << 20);
  slot_size_ = std::max(slot_size_, limits.page_size);
  const std::size_t bytes = kSlots * slot_size_;
  if (auto p = sys::mmap(nullptr, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)) {
    reserve_ = Mapping(Mapping::Kind::kMmap, *p, bytes);
  }
  // Read once per process: a differential is made per fuzz input.
  static const bool extended = [] {
    auto cmdline = sys::read_file("/proc/cmdline");
    return cmdline && cmdline->find("ipcmni_extend") != std::string::npos;
  }();
  if (extended) mni_ = 1 << 24;
  if (auto forced = read_rmid_forced()) (void)model_.set_rmid_forced(*forced);
}

SysvDifferential::~SysvDifferential() {
  (void)end_child();
  attachments_.clear();  // before reserve_ goes: some of them live inside it
  for (int id : kernel_ids_) (void)SysvSegment::adopt(id, /*owned=*/true);  // removes it
  // The next differential in this namespace (the next fuzz input) starts where this one did.
  if (rmid_forced_before_) (void)sys::write_file(kRmidForcedPath, std::to_string(*rmid_forced_before_));
}

// kernel.shm_rmid_forced: written only inside a sandbox (this IPC namespace is ours alone); a
// write the namespace refuses (EACCES, EPERM, EROFS: not its owner) is skipped, not compared.
std::string SysvDifferential::run_rmid_forced(const SysvStep& s) {
  if (s.other || !inside_sandbox()) return "";
  const long before = model_.rmid_forced() ? 1 : 0;
  auto written = sys::write_file(kRmidForcedPath, std::to_string(s.flags));
  const int kernel_err = written ? 0 : written.error().err;
  if (kernel_err == EACCES || kernel_err == EPERM || kernel_err == EROFS || kernel_err == ENOENT) return "";
  if (!rmid_forced_before_) rmid_forced_before_ = before;
  const Outcome m = model_.set_rmid_forced(s.flags);
  last_ = {.ran = true, .kernel = kernel_err, .model = m.err};
  if (kernel_err != m.err) {
    return disagreement(s, kernel_err, m.err);
  }
  if (const auto now = read_rmid_forced(); now && *now != (model_.rmid_forced() ? 1 : 0)) {
    return describe(s) + ": the sysctl reads " + std::to_string(*now) + " afterwards, the model says " +
           (model_.rmid_forced() ? "1" : "0");
  }
  return compare_all();
}

// A child forked with every attachment of this process (dup_mmap counts each one again), waiting
// on a pipe until run_child_exit closes it. Its body makes no call: what it holds is what it got.
std::string SysvDifferential::run_fork(const SysvStep& s) {
  if (s.other || child_.running()) return "";  // one child at a time
  auto release = sys::pipe();
  if (!release) return "";  // EMFILE: the machine's limit, not a semantic (skipped)
  auto child = ChildProcess::spawn([fds = *release]() -> ChildReport {
    sys::close(fds.write);
    char c = 0;
    for (;;) {  // until EOF: the differential closed its end
      const ssize_t n = ::read(fds.read, &c, 1);
      if (n == 0 || (n < 0 && errno != EINTR)) break;
    }
    return {};
  });
  sys::close(release->read);
  if (!child) {
    sys::close(release->write);
    return "";  // EAGAIN/ENOMEM: the machine's limit, not a semantic (skipped)
  }
  child_ = std::move(*child);
  child_release_ = release->write;
  const Outcome m = model_.fork_child(root_.pid, child_.pid());
  last_ = {.ran = true, .kernel = 0, .model = m.err};
  if (!m.ok()) return disagreement(s, 0, m.err);
  return compare_all();
}

std::string SysvDifferential::run_child_exit(const SysvStep& s) {
  if (s.other || !child_.running()) return "";
  const pid_t pid = child_.pid();
  if (!end_child()) return describe(s) + ": the child did not exit as told";
  const Outcome m = model_.child_exits(pid);
  last_ = {.ran = true, .kernel = 0, .model = m.err};
  if (!m.ok()) return disagreement(s, 0, m.err);
  return compare_all();
}

bool SysvDifferential::end_child() {
  if (!child_.running()) return true;
  sys::close(child_release_);
  child_release_ = -1;
  auto ended = child_.wait();
  return ended && ended->ok();
}

int SysvDifferential::id_of(int target) const {
  const auto i = index(kernel_ids_, target);
  return i ? kernel_ids_[*i] : 0x7ffffff0;
}

long SysvDifferential::handle_of(int target) const {
  const auto i = index(handles_, target);
  return i ? handles_[*i] : 1'000'000;
}

std::uint64_t SysvDifferential::address_of(const SysvStep& s) const {
  if (s.op != SysvOp::kAt || s.slot < 0 || s.other || !reserve_.mapped()) return 0;
  return reinterpret_cast<std::uintptr_t>(reserve_.data()) + static_cast<std::uint64_t>(s.slot % kSlots) * slot_size_ +
         s.skew;
}

// SHM_REMAP over one of our own attachments would cut it in two (the model keeps whole ones).
bool SysvDifferential::remaps_own_attachment(const SysvStep& s) const {
  if ((s.flags & SHM_REMAP) == 0) return false;
  const auto where = model_.shmat_address(address_of(s), s.flags);
  if (!where || *where == 0) return false;
  for (const Mapping& a : attachments_) {
    const auto start = reinterpret_cast<std::uintptr_t>(a.data());
    if (a.mapped() && *where < start + a.size() && start < *where + slot_size_) return true;
  }
  return false;
}

std::vector<int> SysvDifferential::live_indexes() const {
  std::vector<int> out;
  for (std::size_t i = 0; i < handles_.size(); ++i) {
    if (model_.segment(handles_[i])) out.push_back(kernel_ids_[i] % mni_);
  }
  return out;
}

// What IPC_INFO and SHM_INFO return: the highest index in use, 0 when none is.
int SysvDifferential::highest_index() const {
  const std::vector<int> live = live_indexes();
  return live.empty() ? 0 : *std::max_element(live.begin(), live.end());
}

int SysvDifferential::index_for(int target) const {
  const std::vector<int> live = live_indexes();
  const auto i = index(kernel_ids_, target);
  if (i && model_.segment(handles_[*i])) return kernel_ids_[*i] % mni_;
  int free = 0;
  while (std::find(live.begin(), live.end(), free) != live.end()) ++free;
  return free;
}

std::string SysvDifferential::run(const SysvStep& s) {
  last_ = {};
  if (s.op == SysvOp::kRmidForced) return run_rmid_forced(s);
  if (s.op == SysvOp::kFork) return run_fork(s);
  if (s.op == SysvOp::kChildExit) return run_child_exit(s);
  if (s.op == SysvOp::kAt && remaps_own_attachment(s)) return "";  // not modelled: skipped
  const std::size_t attached_before = attachments_.size();
  const int kernel_err = on_kernel(s);
  const Outcome m = on_model(s);
  last_ = {.ran = true, .kernel = kernel_err, .model = m.err};
  if (kernel_err != m.err) {
    return disagreement(s, kernel_err, m.err);
  }
  if (kernel_err == 0 && !s.other) {
    const Mapping* attached = attachments_.size() > attached_before ? &attachments_.back() : nullptr;
    if (std::string d = check_values(s, attached); !d.empty()) return describe(s) + ": " + d;
  }
  return compare_all();
}

// The values of root's successful calls that the model can predict beyond the errno.
std::string SysvDifferential::check_values(const SysvStep& s, const Mapping* attached) {
  std::ostringstream diff;
  switch (s.op) {
    case SysvOp::kAt: {
      const auto want = model_.shmat_address(address_of(s), s.flags);
      const auto got = attached != nullptr ? reinterpret_cast<std::uintptr_t>(attached->data()) : 0;
      if (want && *want != 0 && got != *want) diff << "attached at 0x" << std::hex << got << ", model 0x" << *want;
      break;
    }
    case SysvOp::kGetTagged:
      if (!is_tagged_key(tagged_key_)) diff << " key 0x" << std::hex << tagged_key_ << " is not in the tagged range";
      break;
    case SysvOp::kInfo: {
      auto info = sysv_ipc_info();
      if (!info) return info.error().message();
      if (info->limits.shmmax != limits_.shmmax) diff << " shmmax " << info->limits.shmmax << "/" << limits_.shmmax;
      if (info->limits.shmmni != limits_.shmmni) diff << " shmmni " << info->limits.shmmni << "/" << limits_.shmmni;
      if (info->limits.shmall != limits_.shmall) diff << " shmall " << info->limits.shmall << "/" << limits_.shmall;
      if (info->limits.shmmin != 1) diff << " shmmin " << info->limits.shmmin << "/1";
      if (const int highest = highest_index(); info->highest_index != highest) {
        diff << " highest index " << info->highest_index << "/" << highest;
      }
      break;
    }
    case SysvOp::kShmInfo: {
      auto info = sysv_shm_info();
      if (!info) return info.error().message();
      if (static_cast<std::uint64_t>(info->usage.used_ids) != model_.segments_in_use()) {
        diff << " used_ids " << info->usage.used_ids << "/" << model_.segments_in_use();
      }
      if (info->usage.shm_tot != model_.pages_in_use())
        diff << " shm_tot " << info->usage.shm_tot << "/" << model_.pages_in_use();
      if (const int highest = highest_index(); info->highest_index != highest) {
        diff << " highest index " << info->highest_index << "/" << highest;
      }
      break;
    }
    case SysvOp::kStatIndex: {
      const int idx = index_for(s.target);
      auto st = sysv_stat_index(idx, s.flags == 1);
      if (!st) return st.error().message();
      const auto i = index(kernel_ids_, s.target);
      if (!i || st->id != kernel_ids_[*i]) diff << " index " << idx << " holds id " << st->id;
      break;
    }
    default:
      break;
  }
  if (diff.str().empty()) return "";
  return "(kernel/model)" + diff.str();
}

int SysvDifferential::on_kernel(const SysvStep& s) {
  if (s.other) {
    if (peer_ == nullptr) return -1;
    int new_id = -1;
    const int err = peer_->call(s, s.op == SysvOp::kStatIndex ? index_for(s.target) : id_of(s.target), &new_id);
    if (err == 0 && (s.op == SysvOp::kGet || s.op == SysvOp::kGetTagged)) record_id(new_id);
    return err;
  }
  int id = -1;
  const int err = kernel_call(s, &id);
  if (err == 0 && (s.op == SysvOp::kGet || s.op == SysvOp::kGetTagged)) record_id(id);
  if (s.op == SysvOp::kGetTagged) {
    // The model is asked about the key the kernel chose, or about a tagged key nobody holds.
    auto st = SysvSegment::adopt(id, false).stat();
    tagged_key_ = err == 0 && st ? st->shm_perm.__key : static_cast<key_t>(0x5348ffff);
    while (err != 0 && model_.key_in_use(tagged_key_)) --tagged_key_;
  }
  return err;
}

// shmdt's address past the attachment's start: `skew` kept inside the attachment (past its end
// may be the start of another one), 0 when the step names no live attachment.
std::uint64_t SysvDifferential::detach_offset(const SysvStep& s) const {
  const auto i = index(attachments_, s.target);
  if (!i || !attachments_[*i].mapped()) return 0;
  const std::uint64_t length =
      (attachments_[*i].size() + limits_.page_size - 1) / limits_.page_size * limits_.page_size;
  return s.skew % length;
}

int SysvDifferential::kernel_call(const SysvStep& s, int* new_id) {
  if (s.op == SysvOp::kDt) {
    const auto i = index(attachments_, s.target);
    if (!i || !attachments_[*i].mapped()) return EINVAL;  // nothing attached at that "address"
    if (const std::uint64_t offset = detach_offset(s); offset != 0) {
      // An address inside the attachment: Linux refuses it. Should a kernel detach anyway, the
      // attachment is forgotten (not detached twice) and the model's EINVAL reports it.
      auto r = sys::shmdt(attachments_[*i].data() + offset);
      if (r) attachments_[*i].release();
      return r ? 0 : r.error().err;
    }
    void* const addr = attachments_[*i].data();
    const std::size_t length =
        (attachments_[*i].size() + limits_.page_size - 1) / limits_.page_size * limits_.page_size;
    auto r = attachments_[*i].unmap();
    // Inside the reserve, fill the hole again at once, so nothing else is mapped where a later
    // SHM_REMAP may land.
    const auto base = reinterpret_cast<std::uintptr_t>(reserve_.data());
    const auto at = reinterpret_cast<std::uintptr_t>(addr);
    if (r && reserve_.mapped() && at >= base && at < base + reserve_.size()) {
      (void)sys::mmap(addr, length, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
    }
    return r ? 0 : r.error().err;
  }
  const int target = s.op == SysvOp::kStatIndex ? index_for(s.target) : id_of(s.target);
  return plain_call(s, target, new_id, &attachments_, address_of(s));  // root keeps its attachments
}

// A shmget that succeeded may return an id already tracked (an existing key).
void SysvDifferential::record_id(int id) {
  if (std::find(kernel_ids_.begin(), kernel_ids_.end(), id) == kernel_ids_.end()) kernel_ids_.push_back(id);
}

Outcome SysvDifferential::on_model(const SysvStep& s) {
  const Caller& who = s.other ? other_ : root_;
  switch (s.op) {
    case SysvOp::kGet:
    case SysvOp::kGetTagged: {
      Outcome o = s.op == SysvOp::kGet ? model_.shmget(s.key, s.size, s.flags, who)
                                       : model_.shmget(tagged_key_, s.size,
                                                       IPC_CREAT | IPC_EXCL | static_cast<int>(s.set_mode & 0777), who);
      if (o.ok() && std::find(handles_.begin(), handles_.end(), o.value) == handles_.end()) handles_.push_back(o.value);
      return o;
    }
    case SysvOp::kAt: {
      // Every address in the reserve is occupied: by the reserve itself or an attachment.
      Outcome o = model_.shmat(handle_of(s.target), s.flags, who, address_of(s), /*occupied=*/true);
      if (o.ok() && s.other) return model_.shmdt(o.value);
      if (o.ok()) model_attachments_.push_back(o.value);
      return o;
    }
    case SysvOp::kDt: {
      const auto i = index(model_attachments_, s.target);
      if (!i) return {0, EINVAL};
      return model_.shmdt(model_attachments_[*i], detach_offset(s));
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
    case SysvOp::kInfo:
    case SysvOp::kShmInfo:
      return {0, 0};  // anyone may ask; the values are checked in check_values
    case SysvOp::kStatIndex: {
      const auto i = index(kernel_ids_, s.target);
      const bool at_index = i && model_.segment(handles_[*i]).has_value();
      return model_.shm_stat(at_index ? handles_[*i] : -1, s.flags == 1, who, nullptr);
    }
    case SysvOp::kRmidForced:  // run_rmid_forced, run_fork, run_child_exit
    case SysvOp::kFork:
    case SysvOp::kChildExit:
    case SysvOp::kCount:
      break;
  }
  return {0, -1};
}

// Every segment the model thinks alive must be alive in the kernel with the same properties.
std::string SysvDifferential::compare_all() const {
  for (std::size_t i = 0; i < handles_.size(); ++i) {
    const auto m = model_.segment(handles_[i]);
    const auto stat = SysvSegment::adopt(kernel_ids_[i], false).stat();
    const bool alive = stat.ok();
    if (alive != m.has_value()) {
      return "segment " + std::to_string(i) + ": kernel " + (alive ? "alive" : "gone") + ", model " +
             (m ? "alive" : "gone");
    }
    if (!alive) continue;
    const struct shmid_ds& ds = *stat;
    std::ostringstream diff;
    if (ds.shm_segsz != m->size) diff << " size " << ds.shm_segsz << "/" << m->size;
    if ((ds.shm_perm.mode & 0777U) != m->mode)
      diff << " mode " << format_mode(ds.shm_perm.mode & 0777U) << "/" << format_mode(m->mode);
    if (ds.shm_nattch != m->nattch) diff << " nattch " << ds.shm_nattch << "/" << m->nattch;
    if (((ds.shm_perm.mode & SHM_DEST) != 0) != m->dest) diff << " SHM_DEST";
    if (((ds.shm_perm.mode & SHM_LOCKED) != 0) != m->locked) diff << " SHM_LOCKED";
    if (ds.shm_perm.__key != m->key) diff << " key " << ds.shm_perm.__key << "/" << m->key;
    if (ds.shm_perm.uid != m->uid) diff << " uid " << ds.shm_perm.uid << "/" << m->uid;
    if (ds.shm_cpid != m->cpid) diff << " cpid " << ds.shm_cpid << "/" << m->cpid;
    if (ds.shm_lpid != m->lpid) diff << " lpid " << ds.shm_lpid << "/" << m->lpid;
    if (!diff.str().empty()) return "segment " + std::to_string(i) + " (kernel/model):" + diff.str();
  }
  return "";
}

}  // namespace shmh::model
