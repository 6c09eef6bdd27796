// memfd segments and their seals on the real kernel.
#include "core/segment/memfd_segment.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "tests/support/test_support.h"

namespace shmh {
namespace {

using test::FailsWith;
using test::Succeeds;

constexpr std::size_t kPage = 4096;

TEST(MemfdSegment, CreateMapWriteStat) {
  auto seg = MemfdSegment::create({.name = "shmh-test", .size = 3 * kPage});
  ASSERT_TRUE(Succeeds(seg));
  auto st = seg->stat();
  ASSERT_TRUE(Succeeds(st));
  EXPECT_EQ(st->st_size, static_cast<off_t>(3 * kPage));
  EXPECT_EQ(st->st_mode & 0777, 0600U);
  auto a = seg->map();
  auto b = seg->map();
  ASSERT_TRUE(Succeeds(a) && Succeeds(b));
  std::memcpy(a->data() + kPage, "memfd", 6);
  EXPECT_STREQ(reinterpret_cast<const char*>(b->data() + kPage), "memfd");
  EXPECT_TRUE(Succeeds(seg->remove()));
  EXPECT_FALSE(seg->valid());
  EXPECT_STREQ(reinterpret_cast<const char*>(a->data() + kPage), "memfd") << "memory lives while mapped";
}

TEST(MemfdSegment, CreateErrors) {
  EXPECT_TRUE(FailsWith(MemfdSegment::create({.name = std::string(250, 'n')}), EINVAL)) << "name > 249 bytes";
  EXPECT_TRUE(Succeeds(MemfdSegment::create({.name = std::string(249, 'n')})));
  EXPECT_TRUE(FailsWith(MemfdSegment::create({.name = "x", .flags = 0x4000'0000U}), EINVAL)) << "unknown flag";
}

TEST(MemfdSegment, SealsRestrictSize) {
  auto seg = MemfdSegment::create({.size = 2 * kPage});
  ASSERT_TRUE(Succeeds(seg));
  EXPECT_EQ(*seg->seals(), 0);
  ASSERT_TRUE(Succeeds(seg->add_seals(F_SEAL_SHRINK)));
  EXPECT_TRUE(FailsWith(seg->truncate(kPage), EPERM)) << "F_SEAL_SHRINK";
  EXPECT_TRUE(Succeeds(seg->truncate(4 * kPage)));
  ASSERT_TRUE(Succeeds(seg->add_seals(F_SEAL_GROW)));
  EXPECT_TRUE(FailsWith(seg->truncate(8 * kPage), EPERM)) << "F_SEAL_GROW";
  EXPECT_TRUE(FailsWith(seg->allocate(0, 8 * kPage), EPERM)) << "fallocate past the end under F_SEAL_GROW";
  ASSERT_TRUE(Succeeds(seg->add_seals(F_SEAL_SEAL)));
  EXPECT_TRUE(FailsWith(seg->add_seals(F_SEAL_WRITE), EPERM)) << "F_SEAL_SEAL";
  EXPECT_EQ(*seg->seals(), F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
}

TEST(MemfdSegment, WriteSealNeedsNoWritableMapping) {
  auto seg = MemfdSegment::create({.size = kPage});
  ASSERT_TRUE(Succeeds(seg));
  auto writable = seg->map();
  ASSERT_TRUE(Succeeds(writable));
  EXPECT_TRUE(FailsWith(seg->add_seals(F_SEAL_WRITE), EBUSY)) << "a writable shared mapping exists";
  ASSERT_TRUE(Succeeds(writable->unmap()));
  ASSERT_TRUE(Succeeds(seg->add_seals(F_SEAL_WRITE)));
  EXPECT_TRUE(FailsWith(seg->map(), EPERM)) << "no new writable shared mapping after F_SEAL_WRITE";
  EXPECT_TRUE(Succeeds(seg->map({.prot = PROT_READ})));
}

TEST(MemfdSegment, NoSealingWithoutAllowSealing) {
  auto seg = MemfdSegment::create({.size = kPage, .flags = MFD_CLOEXEC});
  ASSERT_TRUE(Succeeds(seg));
  EXPECT_TRUE(FailsWith(seg->add_seals(F_SEAL_GROW), EPERM));
  EXPECT_EQ(*seg->seals(), F_SEAL_SEAL) << "a memfd without MFD_ALLOW_SEALING is born sealed";
}

TEST(MemfdSegment, AnotherProcessOpensItThroughProc) {
  auto seg = MemfdSegment::create({.size = kPage});
  ASSERT_TRUE(Succeeds(seg));
  auto map = seg->map();
  ASSERT_TRUE(Succeeds(map));
  const pid_t parent = ::getpid();
  const int fd = seg->fd();
  const auto exit = test::run_child([parent, fd]() -> ChildReport {
    auto peer = MemfdSegment::open_peer(parent, fd);
    if (!peer) return peer.error().message();
    auto m = peer->map();
    if (!m) return m.error().message();
    std::memcpy(m->data(), "via /proc", 10);
    return "";
  });
  ASSERT_TRUE(exit.ok()) << exit.describe();
  EXPECT_STREQ(reinterpret_cast<const char*>(map->data()), "via /proc");
  EXPECT_TRUE(FailsWith(MemfdSegment::open_peer(parent, 9999), ENOENT));
}

TEST(MemfdSegment, OtherUserCannotOpenIt) {
  if (!test::is_root()) GTEST_SKIP() << "needs root to run a child as another uid";
  auto seg = MemfdSegment::create({.size = kPage});
  ASSERT_TRUE(Succeeds(seg));
  const pid_t parent = ::getpid();
  const int fd = seg->fd();
  const auto exit = test::run_as_other_user([parent, fd]() -> ChildReport {
    return test::expect_errno(MemfdSegment::open_peer(parent, fd), EACCES, "open /proc/<root pid>/fd as nobody");
  });
  EXPECT_TRUE(exit.ok()) << exit.describe();
}

}  // namespace
}  // namespace shmh
