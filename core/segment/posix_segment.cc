#include "core/segment/posix_segment.h"

#include <cerrno>
#include <utility>

#include "core/segment/tag.h"
#include "core/sys/sys.h"

namespace shmh {

Result<PosixSegment> PosixSegment::create(const PosixCreateOptions& options) {
  const int oflag =
      O_CREAT | (options.access & O_ACCMODE) | (options.exclusive ? O_EXCL : 0) | (options.truncate ? O_TRUNC : 0);
  auto fd = sys::shm_open(options.name, oflag, options.mode);
  if (!fd) return fd.error();
  PosixSegment seg(*fd, options.name, /*owned=*/true);
  if (options.size != 0) {
    if (auto r = seg.truncate(options.size); !r) return r.error();  // `seg` unlinks on return
  }
  return seg;
}

Result<PosixSegment> PosixSegment::create_tagged(std::size_t size, mode_t mode) {
  // The name carries 64 random bits: EEXIST here means a collision, which one retry settles.
  Result<PosixSegment> last = sys_error(EEXIST, "shm_open", "no free tagged name");
  for (int attempt = 0; attempt < 4; ++attempt) {
    last = create({.name = tagged_posix_name(), .size = size, .mode = mode, .exclusive = true});
    if (last || last.error().err != EEXIST) return last;
  }
  return last;
}

Result<PosixSegment> PosixSegment::open(const std::string& name, int oflag) {
  auto fd = sys::shm_open(name, oflag & ~(O_CREAT | O_EXCL), 0);
  if (!fd) return fd.error();
  return PosixSegment(*fd, name, /*owned=*/false);
}

// Moving the FdObject base moves only the descriptor; the derived members are still intact.
PosixSegment::PosixSegment(PosixSegment&& other) noexcept
    : FdObject(std::move(other)),
      name_(std::move(other.name_)),                 // NOLINT(bugprone-use-after-move)
      owned_(std::exchange(other.owned_, false)) {}  // NOLINT(bugprone-use-after-move): only the base moved

PosixSegment& PosixSegment::operator=(PosixSegment&& other) noexcept {
  if (this != &other) {
    if (owned_) (void)remove();
    FdObject::operator=(std::move(other));
    name_ = std::move(other.name_);  // NOLINT(bugprone-use-after-move): only the base moved
    owned_ = std::exchange(other.owned_, false);
  }
  return *this;
}

PosixSegment::~PosixSegment() {
  if (owned_) (void)remove();
}

Result<void> PosixSegment::remove() {
  owned_ = false;
  return unlink(name_);
}

Result<void> PosixSegment::unlink(const std::string& name) { return sys::shm_unlink(name); }

}  // namespace shmh
