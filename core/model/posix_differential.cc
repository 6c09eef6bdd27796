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
#include "core/sys/sys.h"

namespace shmh::model {
namespace {

constexpr const char* kDevShm = "/dev/shm";
constexpr std::uint64_t kComparedBytes = 24 * 4096;  // per object: covers every offset the steps reach

std::string errno_or_ok(int err) { return err == 0 ? std::string("ok") : errno_name(err); }

std::string printable(const std::string& name) {
  std::string out;
  for (char c : name.substr(0, 24)) {
    if (c >= 0x20 && c < 0x7f && c != '"') {
      out += c;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
      out += buf;
    }
  }
  if (name.size() > 24) out += "...(" + std::to_string(name.size()) + " bytes)";
  return out;
}

template <class V>
std::optional<std::size_t> index(const V& v, int target) {
  if (target < 0 || static_cast<std::size_t>(target) >= v.size()) return std::nullopt;
  return static_cast<std::size_t>(target);
}

}  // namespace

std::string describe(const PosixStep& s) {
  static constexpr const char* kNames[] = {"shm_open",  "shm_unlink",  "memfd_create", "close",
                                           "ftruncate", "F_ADD_SEALS", "pwrite",       "mmap",
                                           "munmap",    "store",       "load"};
  std::ostringstream o;
  o << kNames[static_cast<int>(s.op) % 11] << (s.other ? " as other uid" : " as self");
  switch (s.op) {
    case PosixOp::kOpen:
    case PosixOp::kUnlink:
    case PosixOp::kMemfd:
      o << " name=\"" << printable(s.name) << "\" flags=0" << std::oct << s.flags << " mode=0" << s.mode << std::dec;
      break;
    case PosixOp::kMmap:
      o << " fd#" << s.target << " length=" << s.length << " offset=" << s.offset << " prot=" << s.prot << " flags=0x"
        << std::hex << s.flags << std::dec;
      break;
    case PosixOp::kStore:
    case PosixOp::kLoad:
    case PosixOp::kMunmap:
      o << " map#" << s.target << " at=" << s.offset << " byte=" << static_cast<int>(s.byte);
      break;
    default:
      o << " fd#" << s.target << " length=" << s.length << " offset=" << s.offset << " seals/flags=0x" << std::hex
        << s.flags << std::dec;
      break;
  }
  return o.str();
}

PosixDifferential::PosixDifferential(const PosixLimits& limits, uid_t other_uid, gid_t other_gid)
    : limits_(limits), model_(limits) {
  const bool root = ::geteuid() == 0;
  root_ = PosixCaller{.uid = ::geteuid(), .gid = ::getegid(), .groups = {}, .privileged = root};
  other_ = PosixCaller{.uid = other_uid, .gid = other_gid, .groups = sys::supplementary_groups(), .privileged = false};
  root_.groups = other_.groups;
  if (auto used = sys::fs_used_bytes(kDevShm)) baseline_used_ = *used;
}

PosixDifferential::~PosixDifferential() {
  maps_.clear();
  for (int fd : kernel_fds_) {
    if (fd >= 0) sys::close(fd);
  }
  for (const std::string& name : created_) (void)sys::shm_unlink(name);
}

int PosixDifferential::fd_at(int target) const {
  const auto i = index(kernel_fds_, target);
  return i ? kernel_fds_[*i] : -1;
}

long PosixDifferential::model_fd_at(int target) const {
  const auto i = index(model_fds_, target);
  return i ? model_fds_[*i] : -1;
}

std::string PosixDifferential::run(const PosixStep& s) {
  const bool map_op = s.op == PosixOp::kMunmap || s.op == PosixOp::kStore || s.op == PosixOp::kLoad;
  if (map_op) {  // only live mappings are touched: a stale address could be anyone's memory now
    const auto i = index(maps_, s.target);
    if (!i || !maps_[*i].mapped()) return "";
    const long m = model_maps_[*i];
    if (s.op == PosixOp::kStore && model_.store_faults(m, s.offset)) return "";
    if (s.op == PosixOp::kLoad && model_.load_faults(m, s.offset)) return "";
  }
  long kernel_value = 0;
  const int kernel_err = on_kernel(s, &kernel_value);
  const Outcome m = on_model(s);
  if (kernel_err != m.err) {
    return describe(s) + ": kernel " + errno_or_ok(kernel_err) + ", model " + errno_or_ok(m.err);
  }
  if (m.ok() && (s.op == PosixOp::kPwrite || s.op == PosixOp::kLoad) && kernel_value != m.value) {
    return describe(s) + ": kernel returned " + std::to_string(kernel_value) + ", model " + std::to_string(m.value);
  }
  const bool fd_op = !map_op && s.op != PosixOp::kUnlink;
  return compare_all(
      fd_op ? (s.op == PosixOp::kOpen || s.op == PosixOp::kMemfd ? static_cast<int>(kernel_fds_.size()) - 1 : s.target)
            : -1);
}

int PosixDifferential::on_kernel(const PosixStep& s, long* value) {
  if (s.other) sys::set_fs_ids(other_.uid, other_.gid);
  int err = 0;
  switch (s.op) {
    case PosixOp::kOpen: {
      auto fd = sys::shm_open(s.name, s.flags, s.mode);
      err = fd ? 0 : fd.error().err;
      if (fd) {
        kernel_fds_.push_back(*fd);
        if ((s.flags & O_CREAT) != 0) created_.push_back(s.name);
      }
      break;
    }
    case PosixOp::kUnlink: {
      auto r = sys::shm_unlink(s.name);
      err = r ? 0 : r.error().err;
      break;
    }
    case PosixOp::kMemfd: {
      auto fd = sys::memfd_create(s.name, static_cast<unsigned>(s.flags));
      err = fd ? 0 : fd.error().err;
      if (fd) kernel_fds_.push_back(*fd);
      break;
    }
    case PosixOp::kClose: {
      const auto i = index(kernel_fds_, s.target);
      if (!i || kernel_fds_[*i] < 0) {
        err = EBADF;
      } else {
        sys::close(std::exchange(kernel_fds_[*i], -1));
      }
      break;
    }
    case PosixOp::kTruncate: {
      auto r = sys::ftruncate(fd_at(s.target), s.length);
      err = r ? 0 : r.error().err;
      break;
    }
    case PosixOp::kSeal: {
      auto r = sys::add_seals(fd_at(s.target), s.flags);
      err = r ? 0 : r.error().err;
      break;
    }
    case PosixOp::kPwrite: {
      const std::string bytes(static_cast<std::size_t>(s.length), static_cast<char>(s.byte));
      auto r = sys::pwrite(fd_at(s.target), bytes.data(), bytes.size(), static_cast<off_t>(s.offset));
      err = r ? 0 : r.error().err;
      if (r) *value = static_cast<long>(*r);
      break;
    }
    case PosixOp::kMmap: {
      auto p = sys::mmap(nullptr, static_cast<std::size_t>(s.length), s.prot, s.flags, fd_at(s.target),
                         static_cast<off_t>(s.offset));
      err = p ? 0 : p.error().err;
      if (p) maps_.emplace_back(Mapping::Kind::kMmap, *p, static_cast<std::size_t>(s.length));
      break;
    }
    case PosixOp::kMunmap: {
      auto r = maps_[static_cast<std::size_t>(s.target)].unmap();
      err = r ? 0 : r.error().err;
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
    case PosixOp::kMemfd: {
      Outcome o = s.op == PosixOp::kOpen ? model_.shm_open(s.name, s.flags, s.mode, who)
                                         : model_.memfd_create(s.name, static_cast<unsigned>(s.flags), who);
      if (o.ok()) model_fds_.push_back(o.value);
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
      Outcome o = model_.mmap(fd, static_cast<std::uint64_t>(s.length), s.offset, s.prot, s.flags);
      if (o.ok()) model_maps_.push_back(o.value);
      return o;
    }
    case PosixOp::kMunmap:
      return model_.munmap(model_maps_[static_cast<std::size_t>(s.target)]);
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
  const int fd = kernel_fds_[i];
  const auto m = model_.state(model_fds_[i]);
  if ((fd >= 0) != m.has_value()) return "fd#" + std::to_string(i) + ": open on one side only";
  if (fd < 0) return "";
  auto st = sys::fstat(fd);
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
  if (auto seals = sys::get_seals(fd); !seals || static_cast<unsigned>(*seals) != m->seals) {
    diff << " seals " << (seals ? std::to_string(*seals) : seals.error().message()) << "/" << m->seals;
  }
  if (contents && model_.readable(model_fds_[i])) {
    std::string bytes(std::min<std::uint64_t>(m->size, kComparedBytes), '\0');
    auto n = sys::pread(fd, bytes.data(), bytes.size(), 0);
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

PosixStep random_posix_step(std::mt19937_64& rng, const PosixLimits& limits, int fds, int maps) {
  static const std::string kNames[] = {"/a",
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
  constexpr int kOflags[] = {
      O_RDONLY,           O_RDWR,           O_WRONLY,           O_CREAT | O_RDWR,  O_CREAT | O_EXCL | O_RDWR,
      O_CREAT | O_RDONLY, O_TRUNC | O_RDWR, O_TRUNC | O_RDONLY, O_CREAT | O_WRONLY};
  constexpr unsigned kModes[] = {0600, 0640, 0644, 0666, 0400, 0, 0606, 0777};
  constexpr unsigned kMemfdFlags[] = {0,
                                      MFD_CLOEXEC,
                                      MFD_ALLOW_SEALING,
                                      kMfdNoexecSeal,
                                      kMfdExec,
                                      kMfdExec | kMfdNoexecSeal,
                                      MFD_ALLOW_SEALING | kMfdExec,
                                      0x100};
  constexpr int kSeals[] = {F_SEAL_SEAL,
                            F_SEAL_SHRINK,
                            F_SEAL_GROW,
                            F_SEAL_WRITE,
                            F_SEAL_FUTURE_WRITE,
                            static_cast<int>(kSealExec),
                            F_SEAL_SHRINK | F_SEAL_GROW,
                            0x40};
  const std::uint64_t page = limits.page_size;
  auto pick = [&](auto n) { return static_cast<std::size_t>(rng() % static_cast<std::uint64_t>(n)); };
  PosixStep s;
  s.op = static_cast<PosixOp>(pick(static_cast<int>(PosixOp::kCount)));
  s.other = pick(4) == 0;
  s.name = kNames[pick(std::size(kNames))];
  s.mode = kModes[pick(std::size(kModes))];
  s.target = static_cast<int>(pick((s.op >= PosixOp::kMunmap ? maps : fds) + 1));
  const std::int64_t lengths[] = {0,
                                  1,
                                  static_cast<std::int64_t>(page),
                                  static_cast<std::int64_t>(3 * page + 5),
                                  static_cast<std::int64_t>(8 * page),
                                  -1};
  switch (s.op) {
    case PosixOp::kOpen:
      s.flags = kOflags[pick(std::size(kOflags))];
      break;
    case PosixOp::kMemfd:
      s.flags = static_cast<int>(kMemfdFlags[pick(std::size(kMemfdFlags))]);
      break;
    case PosixOp::kSeal:
      s.flags = kSeals[pick(std::size(kSeals))];
      break;
    case PosixOp::kTruncate:
      s.length = lengths[pick(std::size(lengths))];
      break;
    case PosixOp::kPwrite:
      s.offset = pick(10 * page);
      s.length = static_cast<std::int64_t>(1 + pick(std::min<std::uint64_t>(64, page - s.offset % page)));
      s.byte = static_cast<std::uint8_t>(pick(4));
      break;
    case PosixOp::kMmap:
      s.length = std::max<std::int64_t>(0, lengths[pick(std::size(lengths))]);
      s.offset = pick(4) == 0 ? 1 : pick(3) * page;
      s.prot = pick(3) == 0 ? PROT_READ : (pick(6) == 0 ? PROT_NONE : PROT_READ | PROT_WRITE);
      s.flags = pick(2) == 0 ? MAP_SHARED : MAP_PRIVATE;
      break;
    default:
      s.offset = pick(9 * page);
      s.byte = static_cast<std::uint8_t>(1 + pick(255));
      break;
  }
  return s;
}

}  // namespace shmh::model
