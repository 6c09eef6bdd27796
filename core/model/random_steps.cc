#include "core/model/random_steps.h"

#include <fcntl.h>
#include <linux/memfd.h>
#include <sys/mman.h>
#include <sys/shm.h>

#include <algorithm>
#include <array>
#include <iterator>
#include <string>

namespace shmh::model {

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
  if (s.op == SysvOp::kAt) {
    s.flags = (pick(3) == 0 ? SHM_RDONLY : 0) | (pick(4) == 0 ? SHM_RND : 0) | (pick(4) == 0 ? SHM_REMAP : 0);
    s.slot = pick(3) == 0 ? static_cast<int>(pick(SysvDifferential::kSlots)) : -1;
    s.skew = pick(3) == 0 ? static_cast<unsigned>(1 + pick(page - 1)) : 0;
  }
  if (s.op == SysvOp::kStatIndex) s.flags = static_cast<int>(pick(2));
  if (s.op == SysvOp::kGetTagged) s.other = false;
  if (s.op == SysvOp::kDt) {
    s.other = false;  // attachments belong to this process: only it detaches them
    // Sometimes an address inside the attachment: a page in, or unaligned.
    s.skew = pick(4) == 0 ? static_cast<unsigned>(pick(2) == 0 ? page : 1 + pick(page - 1)) : 0;
  }
  if (s.op == SysvOp::kRmidForced) {
    s.other = false;                            // root's sysctl
    s.flags = std::array{0, 1, 1, 2}[pick(4)];  // mostly on; 2 is out of range (EINVAL)
  }
  if (s.op == SysvOp::kFork || s.op == SysvOp::kChildExit) s.other = false;  // this process's child
  s.target = static_cast<int>(pick(targets + 1));                            // sometimes one past the end
  s.set_uid = pick(2) == 0 ? 0 : other_uid;
  s.set_mode = static_cast<unsigned>(kModes[pick(7)]);
  return s;
}

PosixStep random_posix_step(std::mt19937_64& rng, const PosixLimits& limits, int fds, int maps) {
  const auto& names = edge_names();
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
  s.name = names[pick(names.size())];
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
    case PosixOp::kOpenTagged:
      s.flags = kOflags[pick(std::size(kOflags))];
      s.length = pick(3) == 0 ? std::max<std::int64_t>(0, lengths[pick(std::size(lengths))]) : 0;
      break;
    case PosixOp::kMemfd:
      s.flags = static_cast<int>(kMemfdFlags[pick(std::size(kMemfdFlags))]);
      s.length = pick(3) == 0 ? std::max<std::int64_t>(0, lengths[pick(std::size(lengths))]) : 0;
      s.with_mode = pick(2) == 0;
      break;
    case PosixOp::kFallocate:
      s.offset = pick(4) == 0 ? pick(12 * page) : 0;
      s.length = static_cast<std::int64_t>(pick(4 * page));
      break;
    case PosixOp::kChmod:
      break;
    case PosixOp::kReopen:
      s.flags = kOflags[pick(std::size(kOflags))] & (O_ACCMODE | O_TRUNC);
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
