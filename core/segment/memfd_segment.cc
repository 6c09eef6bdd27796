#include "core/segment/memfd_segment.h"

#include <fcntl.h>

#include <string>

#include "core/sys/sys.h"

namespace shmh {

Result<MemfdSegment> MemfdSegment::create(const MemfdCreateOptions& options) {
  auto fd = sys::memfd_create(options.name, options.flags);
  if (!fd) return fd.error();
  MemfdSegment seg(*fd);
  // memfd_create makes the inode 0777 (0666 with MFD_NOEXEC_SEAL), whatever the umask; our default
  // is 0600 like every other backend, so /proc/<pid>/fd/<n> does not hand the memory to others.
  if (options.mode) {
    if (auto r = seg.chmod(*options.mode & 07777); !r) return r.error();
  }
  if (options.size != 0) {
    if (auto r = seg.truncate(options.size); !r) return r.error();
  }
  return seg;
}

Result<MemfdSegment> MemfdSegment::open_peer(pid_t pid, int fd, int oflag) {
  const std::string path = "/proc/" + std::to_string(pid) + "/fd/" + std::to_string(fd);
  auto nfd = sys::open(path, oflag);
  if (!nfd) return nfd.error();
  return MemfdSegment(*nfd);
}

Result<void> MemfdSegment::remove() {
  close();
  return {};
}

}  // namespace shmh
