// Which mount holds a path, from /proc/self/mountinfo: what the sandbox needs where the process's
// root is not a mount point (a chroot: Debian's sbuild/pbuilder, mock, many CI build roots), so
// `/` cannot be made private and only the mount it mounts on can.
//
//   auto points = shmh::mount_points(*sys::read_file("/proc/self/mountinfo"));
//   auto holder = shmh::mount_holding("/dev/shm", points);   // "/dev/shm", "/dev", "/" or nullopt
//
// mountinfo lists only the mounts reachable from the process's root (proc(5)): a mount point
// outside a chroot is not there, and then nothing here names the mount that holds the path.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shmh {

// The mount points (field 5, octal escapes such as \040 decoded) of a mountinfo text, in its order;
// lines that do not parse are skipped.
std::vector<std::string> mount_points(std::string_view mountinfo);

// The deepest of `points` that is `path` or one of its ancestors (whole components: "/dev" holds
// "/dev/shm", "/de" does not), or nullopt. `path` is absolute and normalised.
std::optional<std::string> mount_holding(std::string_view path, const std::vector<std::string>& points);

// Whether this process's root is a mount point (false in a chroot into a plain directory; then
// the kernel refuses it user namespaces, and `/` cannot be made private). True when unreadable.
bool root_is_a_mount_point();

}  // namespace shmh
