// System V segments on the real kernel, inside the test's private IPC namespace. Every operation,
// its success, and each failure the kernel documents that a test can reach.
#include "core/segment/sysv_segment.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

#include "core/sys/sys.h"
#include "tests/support/test_support.h"

namespace shmh {
namespace {

using test::FailsWith;
using test::Succeeds;

constexpr std::size_t kPage = 4096;

TEST(SysvSegment, CreateAttachWriteStatRemove) {
  auto seg = SysvSegment::create({.size = 3 * kPage + 5});
  ASSERT_TRUE(Succeeds(seg));
  auto map = seg->attach();
  ASSERT_TRUE(Succeeds(map));
  EXPECT_EQ(map->size(), 3 * kPage + 5);
  std::memset(map->data(), 0xab, map->size());
  auto ds = seg->stat();
  ASSERT_TRUE(Succeeds(ds));
  EXPECT_EQ(ds->shm_segsz, 3 * kPage + 5);
  EXPECT_EQ(ds->shm_nattch, 1U);
  EXPECT_EQ(ds->shm_perm.mode & 0777, 0600U) << "the default mode is 0600";
  EXPECT_EQ(ds->shm_cpid, ::getpid());
  EXPECT_EQ(ds->shm_perm.__key, IPC_PRIVATE);
  ASSERT_TRUE(Succeeds(map->unmap()));
  EXPECT_EQ(seg->stat()->shm_nattch, 0U);
  const int id = seg->id();
  ASSERT_TRUE(Succeeds(seg->remove()));
  EXPECT_TRUE(FailsWith(SysvSegment::adopt(id, false).stat(), EINVAL)) << "unattached: destroyed at IPC_RMID";
}

TEST(SysvSegment, OwningHandleRemovesOnDestruction) {
  int id = -1;
  {
    auto seg = SysvSegment::create({.size = kPage});
    ASSERT_TRUE(Succeeds(seg));
    id = seg->id();
  }
  EXPECT_TRUE(FailsWith(SysvSegment::adopt(id, false).stat(), EINVAL));
}

TEST(SysvSegment, ReleasedHandleLeavesTheSegment) {
  auto seg = SysvSegment::create({.size = kPage});
  ASSERT_TRUE(Succeeds(seg));
  const int id = seg->id();
  seg->release();
  { SysvSegment moved = std::move(*seg); }
  auto again = SysvSegment::adopt(id, /*owned=*/true);
  EXPECT_TRUE(Succeeds(again.stat()));
}

TEST(SysvSegment, SizeBoundsAreEinval) {
  EXPECT_TRUE(FailsWith(SysvSegment::create({.size = 0}), EINVAL)) << "size < SHMMIN (1)";
  test::ScopedShmLimit shmmax("shmmax", 64 * kPage);
  EXPECT_TRUE(Succeeds(SysvSegment::create({.size = 64 * kPage})));
  EXPECT_TRUE(FailsWith(SysvSegment::create({.size = 64 * kPage + 1}), EINVAL)) << "size > SHMMAX";
}

TEST(SysvSegment, AnErrorNamesTheModeInOctal) {
  auto failed = SysvSegment::create({.size = 0, .mode = 0600});
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.error().message().find("mode 0600"), std::string::npos) << failed.error().message();
  EXPECT_EQ(failed.error().message().find("0384"), std::string::npos) << "0600 in decimal";
}

TEST(SysvSegment, KeysExistOrNot) {
  const key_t key = 0x4242;
  EXPECT_TRUE(FailsWith(SysvSegment::open(key), ENOENT));
  auto seg = SysvSegment::create({.key = key, .size = 2 * kPage});
  ASSERT_TRUE(Succeeds(seg));
  EXPECT_TRUE(FailsWith(SysvSegment::create({.key = key, .size = 2 * kPage}), EEXIST));
  auto same = SysvSegment::create({.key = key, .size = kPage, .exclusive = false});
  ASSERT_TRUE(Succeeds(same));
  EXPECT_EQ(same->id(), seg->id()) << "IPC_CREAT without IPC_EXCL opens the existing key";
  same->release();
  auto opened = SysvSegment::open(key, 0600, 2 * kPage);
  ASSERT_TRUE(Succeeds(opened));
  EXPECT_EQ(opened->id(), seg->id());
  EXPECT_FALSE(opened->owned());
  EXPECT_TRUE(FailsWith(SysvSegment::open(key, 0600, 3 * kPage), EINVAL)) << "larger than the segment";
}

TEST(SysvSegment, TaggedCreateUsesTheTaggedRange) {
  auto seg = SysvSegment::create_tagged(kPage);
  ASSERT_TRUE(Succeeds(seg));
  auto ds = seg->stat();
  ASSERT_TRUE(Succeeds(ds));
  EXPECT_EQ(static_cast<unsigned>(ds->shm_perm.__key) & 0xffff0000U, 0x53480000U);
  EXPECT_EQ(ds->shm_perm.mode & 0777, 0600U);
}

TEST(SysvSegment, ShmmniIsEnospc) {
  test::ScopedShmLimit shmmni("shmmni", 3);
  auto a = SysvSegment::create({.size = kPage});
  auto b = SysvSegment::create({.size = kPage});
  auto c = SysvSegment::create({.size = kPage});
  ASSERT_TRUE(Succeeds(a) && Succeeds(b) && Succeeds(c));
  EXPECT_TRUE(FailsWith(SysvSegment::create({.size = kPage}), ENOSPC));
  ASSERT_TRUE(Succeeds(a->remove()));
  EXPECT_TRUE(Succeeds(SysvSegment::create({.size = kPage}))) << "a freed slot is usable again";
}

TEST(SysvSegment, ShmallIsEnospc) {
  test::ScopedShmLimit shmall("shmall", 16);  // pages
  auto a = SysvSegment::create({.size = 12 * kPage});
  ASSERT_TRUE(Succeeds(a));
  auto b = SysvSegment::create({.size = 4 * kPage});
  EXPECT_TRUE(Succeeds(b)) << "exactly at shmall";
  EXPECT_TRUE(FailsWith(SysvSegment::create({.size = 1}), ENOSPC)) << "one page over shmall";
}

TEST(SysvSegment, RemoveWhileAttachedKeepsItUntilTheLastDetach) {
  const key_t key = 0x5151;
  auto seg = SysvSegment::create({.key = key, .size = kPage});
  ASSERT_TRUE(Succeeds(seg));
  const int id = seg->id();
  auto first = seg->attach();
  ASSERT_TRUE(Succeeds(first));
  std::memcpy(first->data(), "alive", 6);
  ASSERT_TRUE(Succeeds(seg->remove()));

  auto ds = SysvSegment::adopt(id, false).stat();
  ASSERT_TRUE(Succeeds(ds));
  EXPECT_TRUE(ds->shm_perm.mode & SHM_DEST);
  EXPECT_EQ(ds->shm_perm.__key, IPC_PRIVATE) << "the key is released at IPC_RMID";
  EXPECT_TRUE(FailsWith(SysvSegment::open(key), ENOENT));

  // Linux still lets a new attach by id through (shmctl(2) NOTES), and the data is there.
  auto second = SysvSegment::adopt(id, false).attach();
  ASSERT_TRUE(Succeeds(second));
  EXPECT_STREQ(reinterpret_cast<const char*>(second->data()), "alive");
  EXPECT_EQ(SysvSegment::adopt(id, false).stat()->shm_nattch, 2U);
  ASSERT_TRUE(Succeeds(first->unmap()));
  EXPECT_TRUE(Succeeds(SysvSegment::adopt(id, false).stat())) << "one attachment left";
  ASSERT_TRUE(Succeeds(second->unmap()));
  EXPECT_TRUE(FailsWith(SysvSegment::adopt(id, false).stat(), EINVAL)) << "gone after the last detach";
}

TEST(SysvSegment, AttachErrors) {
  EXPECT_TRUE(FailsWith(SysvSegment::adopt(0x7fff0000, false).attach(), EINVAL)) << "no such id";
  auto seg = SysvSegment::create({.size = kPage});
  ASSERT_TRUE(Succeeds(seg));
  auto reserve = sys::mmap(nullptr, 4 * kPage, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_TRUE(Succeeds(reserve));
  auto* base = static_cast<std::byte*>(*reserve);
  EXPECT_TRUE(FailsWith(seg->attach(0, base + 100), EINVAL)) << "unaligned without SHM_RND";
  EXPECT_TRUE(FailsWith(seg->attach(0, base), EINVAL)) << "address in use without SHM_REMAP";
  EXPECT_TRUE(FailsWith(seg->attach(SHM_REMAP, nullptr), EINVAL)) << "SHM_REMAP needs an address";
  ASSERT_TRUE(Succeeds(sys::munmap(base, 4 * kPage)));
}

TEST(SysvSegment, AttachFlags) {
  auto seg = SysvSegment::create({.size = kPage});
  ASSERT_TRUE(Succeeds(seg));
  auto reserve = sys::mmap(nullptr, 4 * kPage, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_TRUE(Succeeds(reserve));
  auto* base = static_cast<std::byte*>(*reserve);

  // SHM_REMAP replaces the reservation at exactly that address.
  auto fixed = seg->attach(SHM_REMAP, base + kPage);
  ASSERT_TRUE(Succeeds(fixed));
  EXPECT_EQ(fixed->data(), base + kPage);
  fixed->data()[0] = std::byte{7};

  // SHM_RND rounds an unaligned address down to SHMLBA (the page size on x86).
  auto rounded = seg->attach(SHM_RND | SHM_REMAP, base + 2 * kPage + 123);
  ASSERT_TRUE(Succeeds(rounded));
  EXPECT_EQ(rounded->data(), base + 2 * kPage);
  EXPECT_EQ(rounded->data()[0], std::byte{7}) << "both attachments see the same page";

  // SHM_EXEC maps it executable: /proc/self/maps shows r-x or rwx for it.
  auto exec = seg->attach(SHM_EXEC);
  ASSERT_TRUE(Succeeds(exec));
  std::ifstream maps("/proc/self/maps");
  std::string line;
  bool found = false;
  char start[32];
  (void)std::snprintf(start, sizeof start, "%lx-", reinterpret_cast<unsigned long>(exec->data()));
  while (std::getline(maps, line)) {
    if (line.rfind(start, 0) == 0) {
      found = true;
      EXPECT_EQ(line.substr(line.find(' ') + 1, 4), "rwxs") << line;
    }
  }
  EXPECT_TRUE(found) << "attachment not in /proc/self/maps";
  EXPECT_EQ(seg->stat()->shm_nattch, 3U);
  ASSERT_TRUE(Succeeds(fixed->unmap()));
  ASSERT_TRUE(Succeeds(rounded->unmap()));
  (void)sys::munmap(base, 4 * kPage);  // what is left of the reservation
}

TEST(SysvSegment, ReadOnlyAttachmentFaultsOnWrite) {
  auto seg = SysvSegment::create({.size = kPage});
  ASSERT_TRUE(Succeeds(seg));
  auto ro = seg->attach(SHM_RDONLY);
  ASSERT_TRUE(Succeeds(ro));
  EXPECT_EQ(static_cast<int>(ro->data()[0]), 0);  // reads work
  const auto exit = test::run_child([&]() -> ChildReport {
    test::die_of_signal_by_default(SIGSEGV);
    volatile std::byte* p = ro->data();
    *p = std::byte{1};
    return "write through SHM_RDONLY did not fault";
  });
  EXPECT_EQ(exit.signal, SIGSEGV) << exit.describe();
}

TEST(SysvSegment, SetChangesModeAndOwner) {
  auto seg = SysvSegment::create({.size = kPage});
  ASSERT_TRUE(Succeeds(seg));
  ASSERT_TRUE(Succeeds(seg->set(0, 0, 0640)));
  auto ds = seg->stat();
  ASSERT_TRUE(Succeeds(ds));
  EXPECT_EQ(ds->shm_perm.mode & 0777, 0640U);
  if (!test::is_root()) GTEST_SKIP() << "changing the owner to another uid needs root";
  ASSERT_TRUE(Succeeds(seg->set(test::kOtherUid, test::kOtherGid, 0600)));
  ds = seg->stat();
  EXPECT_EQ(ds->shm_perm.uid, test::kOtherUid);
  EXPECT_EQ(ds->shm_perm.cuid, 0U) << "the creator does not change";
}

TEST(SysvSegment, OtherUserGetsEaccesAndEperm) {
  if (!test::is_root()) GTEST_SKIP() << "needs root to run a child as another uid";
  const key_t key = 0x6161;
  auto seg = SysvSegment::create({.key = key, .size = kPage, .mode = 0600});
  ASSERT_TRUE(Succeeds(seg));
  const int id = seg->id();
  const auto exit = test::run_as_other_user([&]() -> ChildReport {
    auto other = SysvSegment::adopt(id, false);
    std::string bad;
    bad += test::expect_errno(SysvSegment::open(key, 0600), EACCES, "shmget 0600 by another user");
    bad += test::expect_errno(SysvSegment::open(key, 0400), EACCES, "shmget 0400 by another user");
    // Permissions are checked only for the bits requested: asking for none succeeds.
    if (auto r = SysvSegment::open(key, 0); !r) bad += "shmget 0 by another user: " + r.error().message();
    bad += test::expect_errno(other.attach(), EACCES, "shmat");
    bad += test::expect_errno(other.attach(SHM_RDONLY), EACCES, "shmat SHM_RDONLY");
    bad += test::expect_errno(other.stat(), EACCES, "IPC_STAT");
    bad += test::expect_errno(other.set(test::kOtherUid, test::kOtherGid, 0666), EPERM, "IPC_SET");
    bad += test::expect_errno(other.remove(), EPERM, "IPC_RMID");
    return bad;
  });
  EXPECT_TRUE(exit.ok()) << exit.describe();
  EXPECT_TRUE(Succeeds(seg->stat())) << "the other user removed nothing";

  // Granting read to others lets them attach read-only, not read-write.
  ASSERT_TRUE(Succeeds(seg->set(0, 0, 0604)));
  const auto ro = test::run_as_other_user([&]() -> ChildReport {
    auto other = SysvSegment::adopt(id, false);
    std::string bad;
    if (auto r = other.attach(SHM_RDONLY); !r) bad += "SHM_RDONLY with o+r: " + r.error().message();
    bad += test::expect_errno(other.attach(), EACCES, "read-write shmat with o+r only");
    return bad;
  });
  EXPECT_TRUE(ro.ok()) << ro.describe();
}

TEST(SysvSegment, LockNeedsMemlockOrPrivilege) {
  if (!test::is_root()) GTEST_SKIP() << "needs root to compare privileged and unprivileged callers";
  auto seg = SysvSegment::create({.size = 16 * kPage});
  ASSERT_TRUE(Succeeds(seg));
  ASSERT_TRUE(Succeeds(seg->lock())) << "CAP_IPC_LOCK ignores RLIMIT_MEMLOCK";
  EXPECT_TRUE(seg->stat()->shm_perm.mode & SHM_LOCKED);
  ASSERT_TRUE(Succeeds(seg->unlock()));
  EXPECT_FALSE(seg->stat()->shm_perm.mode & SHM_LOCKED);

  const auto exit = test::run_as_other_user([]() -> ChildReport {
    auto own = SysvSegment::create({.size = 16 * kPage});
    if (!own) return own.error().message();
    std::string bad;
    // Only the soft limit changes: an unprivileged process may not raise its hard limit again.
    auto lim = sys::getrlimit(RLIMIT_MEMLOCK);
    if (!lim) return lim.error().message();
    if (lim->rlim_max < 4 * kPage) return "hard RLIMIT_MEMLOCK below 4 pages: cannot test ENOMEM";
    if (auto r = sys::setrlimit(RLIMIT_MEMLOCK, {0, lim->rlim_max}); !r) return r.error().message();
    bad += test::expect_errno(own->lock(), EPERM, "SHM_LOCK with RLIMIT_MEMLOCK 0");
    if (auto r = sys::setrlimit(RLIMIT_MEMLOCK, {4 * kPage, lim->rlim_max}); !r) return r.error().message();
    bad += test::expect_errno(own->lock(), ENOMEM, "SHM_LOCK of 16 pages with RLIMIT_MEMLOCK of 4");
    return bad;
  });
  EXPECT_TRUE(exit.ok()) << exit.describe();
}

TEST(SysvSegment, IpcInfoReportsTheNamespaceLimits) {
  test::ScopedShmLimit shmmax("shmmax", 123 * kPage);
  test::ScopedShmLimit shmmni("shmmni", 77);
  test::ScopedShmLimit shmall("shmall", 999);
  auto info = sysv_ipc_info();
  ASSERT_TRUE(Succeeds(info));
  EXPECT_EQ(info->limits.shmmax, 123 * kPage);
  EXPECT_EQ(info->limits.shmmni, 77U);
  EXPECT_EQ(info->limits.shmall, 999U);
  EXPECT_EQ(info->limits.shmmin, 1U);
}

TEST(SysvSegment, ShmInfoAndStatIndexSeeOurSegments) {
  auto before = sysv_shm_info();
  ASSERT_TRUE(Succeeds(before));
  EXPECT_EQ(before->usage.used_ids, 0) << "a fresh namespace has no segments";
  auto a = SysvSegment::create({.size = 3 * kPage});
  auto b = SysvSegment::create({.size = kPage});
  ASSERT_TRUE(Succeeds(a) && Succeeds(b));
  auto map = a->attach();
  ASSERT_TRUE(Succeeds(map));
  std::memset(map->data(), 1, 3 * kPage);
  auto info = sysv_shm_info();
  ASSERT_TRUE(Succeeds(info));
  EXPECT_EQ(info->usage.used_ids, 2);
  EXPECT_EQ(info->usage.shm_tot, 4U) << "pages allocated";
  EXPECT_GE(info->usage.shm_rss, 3U) << "touched pages are resident";

  int seen = 0;
  for (int index = 0; index <= info->highest_index; ++index) {
    auto st = sysv_stat_index(index, false);
    if (!st) {
      EXPECT_EQ(st.error().err, EINVAL);
      continue;
    }
    ++seen;
    EXPECT_TRUE(st->id == a->id() || st->id == b->id()) << st->id;
    EXPECT_EQ(st->ds.shm_segsz, st->id == a->id() ? 3 * kPage : kPage);
  }
  EXPECT_EQ(seen, 2);
  EXPECT_TRUE(FailsWith(sysv_stat_index(info->highest_index + 1, false), EINVAL));
}

TEST(SysvSegment, StatAnyIgnoresReadPermission) {
  if (!test::is_root()) GTEST_SKIP() << "needs root to run a child as another uid";
  auto seg = SysvSegment::create({.size = kPage, .mode = 0600});
  ASSERT_TRUE(Succeeds(seg));
  auto info = sysv_shm_info();
  ASSERT_TRUE(Succeeds(info));
  const int index = info->highest_index;
  const int id = seg->id();
  const auto exit = test::run_as_other_user([&]() -> ChildReport {
    std::string bad = test::expect_errno(sysv_stat_index(index, false), EACCES, "SHM_STAT without read permission");
    auto any = sysv_stat_index(index, true);
    if (!any) return bad + "SHM_STAT_ANY: " + any.error().message();
    if (any->id != id) bad += "SHM_STAT_ANY returned id " + std::to_string(any->id);
    return bad;
  });
  EXPECT_TRUE(exit.ok()) << exit.describe();
}

TEST(SysvSegment, ChildProcessSeesTheSameMemory) {
  auto seg = SysvSegment::create({.size = kPage});
  ASSERT_TRUE(Succeeds(seg));
  auto map = seg->attach();
  ASSERT_TRUE(Succeeds(map));
  const int id = seg->id();
  const auto exit = test::run_child([id]() -> ChildReport {
    auto m = SysvSegment::adopt(id, false).attach();
    if (!m) return m.error().message();
    std::memcpy(m->data(), "from the child", 15);
    return "";
  });
  ASSERT_TRUE(exit.ok()) << exit.describe();
  EXPECT_STREQ(reinterpret_cast<const char*>(map->data()), "from the child");
  auto ds = seg->stat();
  EXPECT_EQ(ds->shm_nattch, 1U) << "the child detached at exit";
  EXPECT_NE(ds->shm_lpid, ::getpid()) << "the last shmat/shmdt was the child's";
}

}  // namespace
}  // namespace shmh
