// POSIX shared-memory objects on the real kernel, in the test's private /dev/shm tmpfs.
#include "core/segment/posix_segment.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "core/segment/tag.h"
#include "core/sys/sys.h"
#include "tests/support/test_support.h"

namespace shmh {
namespace {

using test::FailsWith;
using test::Succeeds;

constexpr std::size_t kPage = 4096;

bool exists_in_dev_shm(const std::string& name) {
  struct stat st {};
  return ::stat(("/dev/shm" + name).c_str(), &st) == 0;
}

TEST(PosixSegment, CreateMapWriteStatRemove) {
  auto seg = PosixSegment::create({.name = "/shmh-test-a", .size = 2 * kPage + 3});
  ASSERT_TRUE(Succeeds(seg));
  EXPECT_TRUE(exists_in_dev_shm("/shmh-test-a"));
  auto st = seg->stat();
  ASSERT_TRUE(Succeeds(st));
  EXPECT_EQ(st->st_size, static_cast<off_t>(2 * kPage + 3));
  EXPECT_EQ(st->st_mode & 0777, 0600U) << "default mode 0600 (umask 022 does not widen it)";
  auto map = seg->map();
  ASSERT_TRUE(Succeeds(map));
  EXPECT_EQ(map->size(), 2 * kPage + 3);
  std::memcpy(map->data(), "posix", 6);
  auto peer = PosixSegment::open("/shmh-test-a");
  ASSERT_TRUE(Succeeds(peer));
  auto peer_map = peer->map();
  ASSERT_TRUE(Succeeds(peer_map));
  EXPECT_STREQ(reinterpret_cast<const char*>(peer_map->data()), "posix");
  ASSERT_TRUE(Succeeds(seg->remove()));
  EXPECT_FALSE(exists_in_dev_shm("/shmh-test-a"));
  EXPECT_STREQ(reinterpret_cast<const char*>(peer_map->data()), "posix") << "memory lives while mapped";
  EXPECT_TRUE(FailsWith(PosixSegment::open("/shmh-test-a"), ENOENT));
  EXPECT_TRUE(FailsWith(seg->remove(), ENOENT)) << "second unlink";
}

TEST(PosixSegment, OwningHandleUnlinksOnDestruction) {
  {
    auto seg = PosixSegment::create({.name = "/shmh-test-owned", .size = kPage});
    ASSERT_TRUE(Succeeds(seg));
  }
  EXPECT_FALSE(exists_in_dev_shm("/shmh-test-owned"));
  {
    auto seg = PosixSegment::create({.name = "/shmh-test-kept", .size = kPage});
    ASSERT_TRUE(Succeeds(seg));
    seg->release();
  }
  EXPECT_TRUE(exists_in_dev_shm("/shmh-test-kept"));
  EXPECT_TRUE(Succeeds(sys::shm_unlink("/shmh-test-kept")));
}

TEST(PosixSegment, ExistsOrNot) {
  EXPECT_TRUE(FailsWith(PosixSegment::open("/shmh-absent"), ENOENT));
  auto seg = PosixSegment::create({.name = "/shmh-test-b", .size = kPage});
  ASSERT_TRUE(Succeeds(seg));
  EXPECT_TRUE(FailsWith(PosixSegment::create({.name = "/shmh-test-b", .size = kPage}), EEXIST));
  auto again = PosixSegment::create({.name = "/shmh-test-b", .size = 0, .exclusive = false});
  ASSERT_TRUE(Succeeds(again));
  again->release();
  EXPECT_EQ(*again->size(), kPage) << "opening without a size keeps the object's";
}

TEST(PosixSegment, NamesAreChecked) {
  // glibc rejects names with an inner slash and names that are only slashes (EINVAL), and longer
  // than NAME_MAX (ENAMETOOLONG); it strips leading slashes.
  EXPECT_TRUE(FailsWith(PosixSegment::create({.name = "/a/b", .size = kPage}), EINVAL));
  EXPECT_TRUE(FailsWith(PosixSegment::create({.name = "/", .size = kPage}), EINVAL));
  EXPECT_TRUE(FailsWith(PosixSegment::create({.name = "", .size = kPage}), EINVAL));
  EXPECT_TRUE(FailsWith(PosixSegment::create({.name = "/" + std::string(256, 'n'), .size = kPage}), ENAMETOOLONG));
  auto max = PosixSegment::create({.name = "/" + std::string(255, 'n'), .size = kPage});
  EXPECT_TRUE(Succeeds(max)) << "NAME_MAX itself is allowed";
  auto slashes = PosixSegment::create({.name = "///shmh-test-slashes", .size = kPage});
  ASSERT_TRUE(Succeeds(slashes));
  EXPECT_TRUE(exists_in_dev_shm("/shmh-test-slashes"));
  EXPECT_TRUE(Succeeds(PosixSegment::open("shmh-test-slashes")));
}

TEST(PosixSegment, UmaskAppliesUnlikeSystemV) {
  const mode_t old = ::umask(027);
  auto seg = PosixSegment::create({.name = "/shmh-test-umask", .size = kPage, .mode = 0666});
  ::umask(old);
  ASSERT_TRUE(Succeeds(seg));
  EXPECT_EQ(seg->stat()->st_mode & 0777, 0640U);
}

TEST(PosixSegment, ReadOnlyDescriptorLimitsWhatItCanDo) {
  auto seg = PosixSegment::create({.name = "/shmh-test-ro", .size = kPage});
  ASSERT_TRUE(Succeeds(seg));
  auto ro = PosixSegment::open("/shmh-test-ro", O_RDONLY);
  ASSERT_TRUE(Succeeds(ro));
  EXPECT_TRUE(FailsWith(ro->map(), EACCES)) << "PROT_WRITE + MAP_SHARED on O_RDONLY";
  EXPECT_TRUE(Succeeds(ro->map({.prot = PROT_READ})));
  EXPECT_TRUE(FailsWith(ro->truncate(2 * kPage), EINVAL)) << "ftruncate on a read-only descriptor";
}

TEST(PosixSegment, MapErrors) {
  auto seg = PosixSegment::create({.name = "/shmh-test-maperr", .size = 0});
  ASSERT_TRUE(Succeeds(seg));
  EXPECT_TRUE(FailsWith(seg->map(), EINVAL)) << "length 0 (empty object)";
  ASSERT_TRUE(Succeeds(seg->truncate(2 * kPage)));
  EXPECT_TRUE(FailsWith(seg->map({.length = kPage, .offset = 100}), EINVAL)) << "unaligned offset";
  auto second = seg->map({.length = kPage, .offset = kPage});
  ASSERT_TRUE(Succeeds(second));
  auto whole = seg->map();
  ASSERT_TRUE(Succeeds(whole));
  whole->data()[kPage] = std::byte{9};
  EXPECT_EQ(second->data()[0], std::byte{9}) << "offset mappings alias the same page";
}

TEST(PosixSegment, PrivateMappingSharesNothing) {
  auto seg = PosixSegment::create({.name = "/shmh-test-private", .size = kPage});
  ASSERT_TRUE(Succeeds(seg));
  auto shared = seg->map();
  auto priv = seg->map({.flags = MAP_PRIVATE});
  ASSERT_TRUE(Succeeds(shared) && Succeeds(priv));
  priv->data()[0] = std::byte{1};
  EXPECT_EQ(shared->data()[0], std::byte{0}) << "a MAP_PRIVATE write is a private copy";
}

TEST(PosixSegment, TouchingBeyondTheEndIsSigbus) {
  auto seg = PosixSegment::create({.name = "/shmh-test-sigbus", .size = kPage});
  ASSERT_TRUE(Succeeds(seg));
  auto map = seg->map({.length = 2 * kPage});  // mmap allows a length past the end
  ASSERT_TRUE(Succeeds(map));
  map->data()[kPage - 1] = std::byte{1};  // the last byte of the object is fine
  const auto exit = test::run_child([&]() -> ChildReport {
    test::die_of_signal_by_default(SIGBUS);
    volatile std::byte* p = map->data() + kPage;
    *p = std::byte{1};
    return "touching past the object's end did not raise SIGBUS";
  });
  EXPECT_EQ(exit.signal, SIGBUS) << exit.describe();
}

TEST(PosixSegment, FullDevShmIsEnospcOrSigbus) {
  test::ScopedDevShmSize small(16 * kPage);
  auto seg = PosixSegment::create({.name = "/shmh-test-full", .size = 64 * kPage});
  ASSERT_TRUE(Succeeds(seg)) << "ftruncate reserves nothing, so it succeeds past the tmpfs size";
  EXPECT_TRUE(FailsWith(seg->allocate(0, 64 * kPage), ENOSPC));
  EXPECT_TRUE(Succeeds(seg->allocate(0, 8 * kPage)));
  auto map = seg->map();
  ASSERT_TRUE(Succeeds(map));
  const auto exit = test::run_child([&]() -> ChildReport {
    test::die_of_signal_by_default(SIGBUS);
    for (std::size_t off = 0; off < map->size(); off += kPage) {
      volatile std::byte* p = map->data() + off;
      *p = std::byte{1};
    }
    return "touched 64 pages of a 16-page tmpfs without SIGBUS";
  });
  EXPECT_EQ(exit.signal, SIGBUS) << exit.describe();
}

TEST(PosixSegment, OtherUserGetsEacces) {
  if (!test::is_root()) GTEST_SKIP() << "needs root to run a child as another uid";
  auto seg = PosixSegment::create({.name = "/shmh-test-perm", .size = kPage, .mode = 0600});
  ASSERT_TRUE(Succeeds(seg));
  const auto exit = test::run_as_other_user([]() -> ChildReport {
    std::string bad = test::expect_errno(PosixSegment::open("/shmh-test-perm"), EACCES, "shm_open O_RDWR");
    bad += test::expect_errno(PosixSegment::open("/shmh-test-perm", O_RDONLY), EACCES, "shm_open O_RDONLY");
    // /dev/shm is sticky (mode 1777): only the owner may unlink. The kernel says EPERM; glibc's
    // shm_unlink turns that into EACCES, which is what POSIX specifies.
    bad += test::expect_errno(sys::shm_unlink("/shmh-test-perm"), EACCES, "shm_unlink by another user");
    return bad;
  });
  EXPECT_TRUE(exit.ok()) << exit.describe();
  EXPECT_TRUE(exists_in_dev_shm("/shmh-test-perm"));
}

TEST(PosixSegment, TaggedNamesAreFoundLater) {
  auto seg = PosixSegment::create_tagged(kPage);
  ASSERT_TRUE(Succeeds(seg));
  EXPECT_EQ(tagged_name_creator(seg->name()), ::getpid());
  EXPECT_TRUE(exists_in_dev_shm(seg->name()));
  EXPECT_EQ(seg->stat()->st_mode & 0777, 0600U);
}

TEST(PosixSegment, ChildProcessSeesTheSameMemory) {
  auto seg = PosixSegment::create({.name = "/shmh-test-child", .size = kPage});
  ASSERT_TRUE(Succeeds(seg));
  auto map = seg->map();
  ASSERT_TRUE(Succeeds(map));
  const auto exit = test::run_child([]() -> ChildReport {
    auto s = PosixSegment::open("/shmh-test-child");
    if (!s) return s.error().message();
    auto m = s->map();
    if (!m) return m.error().message();
    std::memcpy(m->data(), "from the child", 15);
    return "";
  });
  ASSERT_TRUE(exit.ok()) << exit.describe();
  EXPECT_STREQ(reinterpret_cast<const char*>(map->data()), "from the child");
}

}  // namespace
}  // namespace shmh
