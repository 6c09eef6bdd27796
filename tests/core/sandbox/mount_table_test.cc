#include "core/sandbox/mount_table.h"

#include <gtest/gtest.h>

namespace shmh {
namespace {

TEST(MountTable, ReadsMountPointsWithTheirEscapesDecoded) {
  const char* info =
      "21 1 0:20 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n"
      "22 21 0:5 / /dev rw,nosuid shared:2 - devtmpfs udev rw\n"
      "23 22 0:21 / /dev/shm rw,nosuid,nodev shared:3 - tmpfs tmpfs rw\n"
      "40 21 0:30 / /mnt/with\\040space rw - tmpfs none rw\n"
      "garbage\n"
      "41 21 0:31 / relative rw - tmpfs none rw\n";
  EXPECT_EQ(mount_points(info), (std::vector<std::string>{"/", "/dev", "/dev/shm", "/mnt/with space"}));
}

TEST(MountTable, TheDeepestAncestorByWholeComponentsHoldsAPath) {
  EXPECT_EQ(mount_holding("/dev/shm", {"/", "/dev", "/dev/shm"}), "/dev/shm");
  EXPECT_EQ(mount_holding("/dev/shm", {"/usr", "/dev", "/proc"}), "/dev");
  EXPECT_EQ(mount_holding("/dev/shm", {"/"}), "/");
  // A chroot whose /dev is a plain directory: only mounts beside it are visible.
  EXPECT_EQ(mount_holding("/dev/shm", {"/usr", "/de", "/dev/shmx", "/proc"}), std::nullopt);
  EXPECT_EQ(mount_holding("/dev/shm", {}), std::nullopt);
}

}  // namespace
}  // namespace shmh
