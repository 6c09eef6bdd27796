#include "core/model/posix_differential.h"

#include <fcntl.h>
#include <linux/memfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <sstream>
#include <utility>

#include "core/segment/mapping.h"
#include "core/segment/memfd_segment.h"
#include "core/segment/posix_segment.h"
#include "core/segment/tag.h"
#include "core/sys/sys.h"

namespace shmh::model {
namespace {

constexpr const char* kDevShm = "/dev/shm";
constexpr std::uint64_t kComparedBytes = std::uint64_t{24} * 4096;  // per object: covers every offset the steps reach
constexpr std::uint64_t kMaxWholeMap = 1 << 20;                     // whole-object maps of larger objects are skipped

std::string errno_or_ok(int err) { return err == 0 ? std::string("ok") : errno_name(err); }

// The name as a C string would print it, cut at 24 bytes, other bytes as \xNN.
std::string printable(const std::string& name) {
  std::string out;
  for (char c : name.substr(0, 24)) {
    char buf[8];
    std::snprintf(buf, sizeof buf, (c >= 0x20 && c < 0x7f && c != '"') ? "%c" : "\\x%02x",
                  static_cast<unsigned char>(c));
    out += buf;
  }
  return name.size() > 24 ? out + "...(" + std::to_string(name.size()) + " bytes)" : out;
}

template <class V>
std::optional<std::size_t> index(const V& v, int target) {
  if (target < 0 || static_cast<std::size_t>(target) >= v.size()) return std::nullopt;
  return static_cast<std::size_t>(target);
}

}  // namespace

const std::vector<std::string>& edge_names() {
  static const std::vector<std::string> names = {"/a",
                                                 "/b",
                                                 "a",
                                                 "//a",
                                                 "",
                                                 "/",
                                                 "/a/b",
                                                 ".",
                                                 "..",
                                                 "/" + std::string(255, 'n'),
                                                 "/" + std::string(256, 'n'),
                                                 "/" + std::string(260, 'n'),
                                                 std::string(250, 'm')};
  return names;
}

std::string describe(const PosixStep& s) {
  static constexpr const char* kNames[] = {
      "shm_open", "shm_unlink", "memfd_create", "close",           "ftruncate", "F_ADD_SEALS",   "pwrite", "mmap",
      "munmap",   "store",      "load",         "posix_fallocate", "fchmod",    "create_tagged", "reopen"};
  std::ostringstream o;
  o << kNames[static_cast<int>(s.op) % 15] << (s.other ? " as other uid" : " as self") << " #" << s.target << " name=\""
    << printable(s.name) << "\" flags=0x" << std::hex << s.flags << " mode=0" << std::oct << s.mode << std::dec
    << (s.with_mode ? "(set)" : "") << " length=" << s.length << " offset=" << s.offset << " prot=" << s.prot
    << " byte=" << static_cast<int>(s.byte);
  return o.str();
}

namespace {

// The limits as this kernel's version has them: the memfd exec flags and seal exist from 6.3.
PosixLimits with_running_kernel(PosixLimits limits) {
  static const bool memfd_exec = [] {
    auto release = sys::read_file("/proc/sys/kernel/osrelease");
    if (!release) return true;
    std::istringstream in(*release);
    unsigned major = 0;
    unsigned minor = 0;
    char dot = 0;
    if (!(in >> major >> dot >> minor)) return true;
    return major > 6 || (major == 6 && minor >= 3);
  }();
  limits.memfd_exec = memfd_exec;
  return limits;
}

}  // namespace

PosixDifferential::PosixDifferential(const PosixLimits& limits, uid_t other_uid, gid_t other_gid)
    : limits_(with_running_kernel(limits)), model_(limits_) {
  const bool root = ::geteuid() == 0;
  root_ = PosixCaller{.uid = ::geteuid(), .gid = ::getegid(), .groups = {}, .privileged = root};
  other_ = PosixCaller{.uid = other_uid, .gid = other_gid, .groups = sys::supplementary_groups(), .privileged = false};
  root_.groups = other_.groups;
  if (auto used = sys::fs_used_bytes(kDevShm)) baseline_used_ = *used;
}

PosixDifferential::~PosixDifferential() {
  maps_.clear();
  kernel_fds_.clear();
  for (const std::string& name : created_) (void)PosixSegment::unlink(name);
}

const FdObject& PosixDifferential::fd_at(int target) const {
  static const FdObject closed;  // fd -1: EBADF
  const auto i = index(kernel_fds_, target);
  return i ? kernel_fds_[*i] : closed;
}

long PosixDifferential::model_fd_at(int target) const {
  const auto i = index(model_fds_, target);
  return i ? model_fds_[*i] : -1;
}

std::string PosixDifferential::run(const PosixStep& s) {
  last_ = {};
  const bool map_op = s.op == PosixOp::kMunmap || s.op == PosixOp::kStore || s.op == PosixOp::kLoad;
  if (map_op) {  // only live mappings are touched: a stale address could be anyone's memory now
    const auto i = index(maps_, s.target);
    if (!i || !maps_[*i].mapped()) return "";
    const long m = model_maps_[*i];
    if (s.op == PosixOp::kStore && model_.store_faults(m, s.offset)) return "";
    if (s.op == PosixOp::kLoad && model_.load_faults(m, s.offset)) return "";
  }
  // fchmod of "." or ".." would change the host's /dev (the mount namespace shares it): never. A
  // directory's size (for a whole-object map) is the filesystem's business: not modelled.
  if ((s.op == PosixOp::kChmod || (s.op == PosixOp::kMmap && s.length == 0)) &&
      model_.is_directory(model_fd_at(s.target))) {
    return "";
  }
  // Mapping a whole object of any size meets the address space and overcommit limits (ENOMEM),
  // which the model does not cover (found by posix_api: a 2^62-byte object).
  if (s.op == PosixOp::kMmap && s.length == 0 && model_.size_of(model_fd_at(s.target)) > kMaxWholeMap) return "";
  long kernel_value = 0;
  const std::size_t created_before = created_.size();
  const int kernel_err = on_kernel(s, &kernel_value);
  // A tagged create picks its own name: the model is asked about the same one (or, when the kernel
  // refused, about a name nobody holds).
  tagged_name_ = s.op == PosixOp::kOpenTagged && created_.size() > created_before ? created_.back() : "/shmh.unused";
  const Outcome m = on_model(s);
  last_ = {.ran = true, .kernel = kernel_err, .model = m.err};
  if (kernel_err != m.err) {
    return describe(s) + ": kernel " + errno_or_ok(kernel_err) + ", model " + errno_or_ok(m.err);
  }
  if (m.ok() && (s.op == PosixOp::kPwrite || s.op == PosixOp::kLoad) && kernel_value != m.value) {
    return describe(s) + ": kernel returned " + std::to_string(kernel_value) + ", model " + std::to_string(m.value);
  }
  const bool fd_op = !map_op && s.op != PosixOp::kUnlink;
  const bool opens =
      s.op == PosixOp::kOpen || s.op == PosixOp::kMemfd || s.op == PosixOp::kOpenTagged || s.op == PosixOp::kReopen;
  if (s.op == PosixOp::kOpenTagged && kernel_err == 0 && tagged_name_creator(tagged_name_) != ::getpid()) {
    return describe(s) + ": the tagged name " + tagged_name_ + " does not name its creator";
  }
  return compare_all(fd_op ? (opens ? static_cast<int>(kernel_fds_.size()) - 1 : s.target) : -1);
}

namespace {

template <class T>
int err_of(const Result<T>& r) {
  return r ? 0 : r.error().err;
}

}  // namespace

int PosixDifferential::on_kernel(const PosixStep& s, long* value) {
  if (s.other) sys::set_fs_ids(other_.uid, other_.gid);
  int err = 0;
  switch (s.op) {
    case PosixOp::kOpen:
    case PosixOp::kOpenTagged: {
      // O_CREAT goes through create() (owning the name: released, the destructor unlinks it).
      const bool create = (s.flags & O_CREAT) != 0;
      Result<PosixSegment> seg = sys_error(EINVAL, "shm_open");
      if (s.op == PosixOp::kOpenTagged) {
        seg = PosixSegment::create_tagged(static_cast<std::size_t>(s.length), static_cast<mode_t>(s.mode));
      } else if (create) {
        seg = PosixSegment::create({.name = s.name,
                                    .size = static_cast<std::size_t>(s.length),
                                    .mode = static_cast<mode_t>(s.mode),
                                    .exclusive = (s.flags & O_EXCL) != 0,
                                    .access = s.flags & O_ACCMODE,
                                    .truncate = (s.flags & O_TRUNC) != 0});
      } else {
        seg = PosixSegment::open(s.name, s.flags);
      }
      err = err_of(seg);
      if (seg) {
        if (create || s.op == PosixOp::kOpenTagged) created_.push_back(seg->name());
        seg->release();
        kernel_fds_.push_back(static_cast<FdObject&&>(*seg));
      }
      break;
    }
    case PosixOp::kUnlink:
      err = err_of(PosixSegment::unlink(s.name));
      break;
    case PosixOp::kMemfd: {
      auto seg = MemfdSegment::create({.name = s.name,
                                       .size = static_cast<std::size_t>(s.length),
                                       .flags = static_cast<unsigned>(s.flags),
                                       .mode = s.with_mode ? std::optional<mode_t>(s.mode) : std::nullopt});
      err = err_of(seg);
      if (seg) kernel_fds_.push_back(static_cast<FdObject&&>(*seg));
      break;
    }
    case PosixOp::kClose: {
      const auto i = index(kernel_fds_, s.target);
      if (!i || !kernel_fds_[*i].valid()) {
        err = EBADF;
      } else {
        kernel_fds_[*i] = FdObject();
      }
      break;
    }
    case PosixOp::kTruncate:
      err = err_of(fd_at(s.target).truncate(static_cast<std::size_t>(s.length)));  // -1 stays -1 as off_t
      break;
    case PosixOp::kSeal:
      err = err_of(fd_at(s.target).add_seals(s.flags));
      break;
    case PosixOp::kPwrite: {
      const std::vector<std::byte> bytes(static_cast<std::size_t>(s.length), static_cast<std::byte>(s.byte));
      auto r = fd_at(s.target).write_at(s.offset, bytes);
      err = err_of(r);
      if (r) *value = static_cast<long>(*r);
      break;
    }
    case PosixOp::kMmap: {
      auto m = fd_at(s.target).map({.length = static_cast<std::size_t>(s.length),
                                    .offset = static_cast<off_t>(s.offset),
                                    .prot = s.prot,
                                    .flags = s.flags});
      err = err_of(m);
      if (m) maps_.push_back(std::move(*m));
      break;
    }
    case PosixOp::kMunmap:
      err = err_of(maps_[static_cast<std::size_t>(s.target)].unmap());
      break;
    case PosixOp::kFallocate:
      err = err_of(fd_at(s.target).allocate(s.offset, static_cast<std::size_t>(s.length)));
      break;
    case PosixOp::kChmod:
      err = err_of(fd_at(s.target).chmod(static_cast<mode_t>(s.mode)));
      break;
    case PosixOp::kReopen: {
      auto seg = MemfdSegment::open_peer(::getpid(), fd_at(s.target).fd(), s.flags);
      err = err_of(seg);
      if (seg) kernel_fds_.push_back(static_cast<FdObject&&>(*seg));
      break;
    }
    case PosixOp::kStore:
      *reinterpret_cast<volatile std::uint8_t*>(maps_[static_cast<std::size_t>(s.target)].data() + s.offset) = s.byte;
      break;
    case PosixOp::kLoad:
      *value = *reinterpret_cast<volatile std::uint8_t*>(maps_[static_cast<std::size_t>(s.target)].data() + s.offset);
      break;
    case PosixOp::kCount:
      err = -1;
      break;
  }
  if (s.other) sys::set_fs_ids(root_.uid, root_.gid);
  return err;
}

Outcome PosixDifferential::on_model(const PosixStep& s) {
  const PosixCaller& who = s.other ? other_ : root_;
  const long fd = model_fd_at(s.target);
  switch (s.op) {
    case PosixOp::kOpen:
    case PosixOp::kMemfd:
    case PosixOp::kOpenTagged: {
      // create() and MemfdSegment::create: the call, then fchmod and ftruncate; a failure of either
      // closes the descriptor (and create() removes the name it owns) and is the answer.
      const std::string name = s.op == PosixOp::kOpenTagged ? tagged_name_ : s.name;
      const int oflag = s.op == PosixOp::kOpenTagged ? O_CREAT | O_EXCL | O_RDWR : s.flags;
      Outcome o = s.op == PosixOp::kMemfd ? model_.memfd_create(name, static_cast<unsigned>(s.flags), who)
                                          : model_.shm_open(name, oflag, s.mode, who);
      if (!o.ok()) return o;
      Outcome then{};
      if (s.op == PosixOp::kMemfd && s.with_mode) then = model_.fchmod(o.value, s.mode, who);
      const bool sized = s.length != 0 && (s.op != PosixOp::kOpen || (s.flags & O_CREAT) != 0);
      if (then.ok() && sized) then = model_.ftruncate(o.value, s.length);
      if (!then.ok()) {
        (void)model_.close(o.value);
        if (s.op != PosixOp::kMemfd) (void)model_.shm_unlink(name, who);
        return then;
      }
      model_fds_.push_back(o.value);
      return o;
    }
    case PosixOp::kUnlink:
      return model_.shm_unlink(s.name, who);
    case PosixOp::kClose:
      return model_.close(fd);
    case PosixOp::kTruncate:
      return model_.ftruncate(fd, s.length);
    case PosixOp::kSeal:
      return model_.add_seals(fd, static_cast<unsigned>(s.flags));
    case PosixOp::kPwrite:
      return model_.pwrite(fd, s.offset, static_cast<std::size_t>(s.length), s.byte);
    case PosixOp::kMmap: {
      // Length 0 maps the whole object (its size now); an empty one is mmap's EINVAL.
      const std::uint64_t length = s.length != 0 ? static_cast<std::uint64_t>(s.length) : model_.size_of(fd);
      if (s.length == 0 && !model_.state(fd)) return {0, EBADF};  // the fstat comes first
      Outcome o = model_.mmap(fd, length, s.offset, s.prot, s.flags);
      if (o.ok()) model_maps_.push_back(o.value);
      return o;
    }
    case PosixOp::kMunmap:
      return model_.munmap(model_maps_[static_cast<std::size_t>(s.target)]);
    case PosixOp::kFallocate:
      return model_.fallocate(fd, s.offset, static_cast<std::uint64_t>(s.length));
    case PosixOp::kChmod:
      return model_.fchmod(fd, s.mode, who);
    case PosixOp::kReopen: {
      Outcome o = model_.reopen(fd, s.flags, who);
      if (o.ok()) model_fds_.push_back(o.value);
      return o;
    }
    case PosixOp::kStore:
      model_.store(model_maps_[static_cast<std::size_t>(s.target)], s.offset, s.byte);
      return {};
    case PosixOp::kLoad:
      return {model_.load(model_maps_[static_cast<std::size_t>(s.target)], s.offset), 0};
    case PosixOp::kCount:
      break;
  }
  return {0, -1};
}

std::string PosixDifferential::compare_fd(std::size_t i, bool contents) const {
  const FdObject& fd = kernel_fds_[i];
  const auto m = model_.state(model_fds_[i]);
  if (fd.valid() != m.has_value()) return "fd#" + std::to_string(i) + ": open on one side only";
  if (!fd.valid()) return "";
  auto st = fd.stat();
  if (!st) return "fd#" + std::to_string(i) + ": " + st.error().message();
  if (S_ISDIR(st->st_mode) != m->directory) return "fd#" + std::to_string(i) + ": directory on one side only";
  if (m->directory) return "";
  std::ostringstream diff;
  const auto pages = static_cast<std::uint64_t>(st->st_blocks) * 512 / limits_.page_size;
  if (static_cast<std::uint64_t>(st->st_size) != m->size) diff << " size " << st->st_size << "/" << m->size;
  if ((st->st_mode & 07777U) != m->mode)
    diff << std::oct << " mode 0" << (st->st_mode & 07777U) << "/0" << m->mode << std::dec;
  if (st->st_uid != m->uid) diff << " uid " << st->st_uid << "/" << m->uid;
  if (st->st_gid != m->gid) diff << " gid " << st->st_gid << "/" << m->gid;
  if (st->st_nlink != m->nlink) diff << " nlink " << st->st_nlink << "/" << m->nlink;
  if (pages != m->pages) diff << " pages " << pages << "/" << m->pages;
  if (auto seals = fd.seals(); !seals || static_cast<unsigned>(*seals) != m->seals) {
    diff << " seals " << (seals ? std::to_string(*seals) : seals.error().message()) << "/" << m->seals;
  }
  if (contents && model_.readable(model_fds_[i])) {
    std::string bytes(std::min<std::uint64_t>(m->size, kComparedBytes), '\0');
    auto n = fd.read_at(0, std::as_writable_bytes(std::span(bytes)));
    if (!n || *n != bytes.size()) {
      diff << " pread " << (n ? std::to_string(*n) + " bytes" : n.error().message());
    } else if (const std::string want = model_.file_bytes(model_fds_[i], bytes.size()); bytes != want) {
      const auto at =
          static_cast<std::size_t>(std::mismatch(bytes.begin(), bytes.end(), want.begin()).first - bytes.begin());
      diff << " byte " << at << " " << static_cast<int>(static_cast<std::uint8_t>(bytes[at])) << "/"
           << static_cast<int>(static_cast<std::uint8_t>(want[at]));
    }
  }
  if (diff.str().empty()) return "";
  return "fd#" + std::to_string(i) + " (kernel/model):" + diff.str();
}

std::string PosixDifferential::compare_all(int touched_fd) const {
  for (std::size_t i = 0; i < kernel_fds_.size(); ++i) {
    if (std::string d = compare_fd(i, static_cast<int>(i) == touched_fd); !d.empty()) return d;
  }
  if (auto used = sys::fs_used_bytes(kDevShm); used) {
    const std::uint64_t kernel_pages = (*used - baseline_used_) / limits_.page_size;
    if (kernel_pages != model_.tmpfs_pages_used()) {
      return "tmpfs pages in use (kernel/model): " + std::to_string(kernel_pages) + "/" +
             std::to_string(model_.tmpfs_pages_used());
    }
  }
  return "";
}

std::string PosixDifferential::compare_contents() const {
  for (std::size_t i = 0; i < kernel_fds_.size(); ++i) {
    if (std::string d = compare_fd(i, true); !d.empty()) return d;
  }
  return "";
}

}  // namespace shmh::model
