// Leftovers in the test's own namespaces (which stand for "outside a sandbox" here): tagged
// objects of dead creators are found and removed; everything else is left alone.
#include "core/cleanup/leftovers.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <sstream>
#include <string>

#include "core/segment/posix_segment.h"
#include "core/segment/sysv_segment.h"
#include "core/segment/tag.h"
#include "core/sys/sys.h"
#include "tests/support/test_support.h"

namespace shmh {
namespace {

using test::Succeeds;

constexpr std::size_t kPage = 4096;

// Ids and names of objects a child created and left behind before exiting.
struct Orphans {
  int tagged_sysv = -1;
  int untagged_sysv = -1;
  std::string tagged_posix;
};

Orphans make_orphans() {
  Orphans out;
  auto pipe = sys::pipe();
  EXPECT_TRUE(Succeeds(pipe));
  const auto exit = test::run_child([&]() -> ChildReport {
    auto t = SysvSegment::create_tagged(2 * kPage);
    auto u = SysvSegment::create({.key = 0x1111, .size = kPage});
    auto p = PosixSegment::create_tagged(3 * kPage);
    if (!t || !u || !p) return "cannot create the orphans";
    t->release();
    u->release();
    p->release();
    const std::string msg = std::to_string(t->id()) + " " + std::to_string(u->id()) + " " + p->name();
    (void)sys::write_all(pipe->write, msg);
    return "";
  });
  EXPECT_TRUE(exit.ok()) << exit.describe();
  sys::close(pipe->write);
  const std::string msg = sys::read_available(pipe->read, 256);
  sys::close(pipe->read);
  std::istringstream in(msg);
  EXPECT_TRUE(in >> out.tagged_sysv >> out.untagged_sysv >> out.tagged_posix) << msg;
  return out;
}

const Leftover* find(const std::vector<Leftover>& all, const std::string& name_part) {
  auto it = std::find_if(all.begin(), all.end(),
                         [&](const Leftover& l) { return l.name.find(name_part) != std::string::npos; });
  return it == all.end() ? nullptr : &*it;
}

TEST(Leftovers, FindsOnlyTaggedObjectsAndJudgesUse) {
  const Orphans orphans = make_orphans();
  auto live_sysv = SysvSegment::create_tagged(kPage);  // creator (us) alive
  auto live_posix = PosixSegment::create_tagged(kPage);
  auto untagged_posix = PosixSegment::create({.name = "/not-ours", .size = kPage});
  auto lookalike = PosixSegment::create({.name = "/shmh.notapid.0123456789abcdef", .size = kPage});
  ASSERT_TRUE(live_sysv && live_posix && untagged_posix && lookalike);

  auto found = find_leftovers();
  ASSERT_TRUE(Succeeds(found));
  EXPECT_EQ(found->size(), 4U);

  const Leftover* dead_sysv = find(*found, " id " + std::to_string(orphans.tagged_sysv));
  ASSERT_NE(dead_sysv, nullptr);
  EXPECT_EQ(dead_sysv->kind, LeftoverKind::kSysv);
  EXPECT_FALSE(dead_sysv->in_use) << dead_sysv->reason;
  EXPECT_EQ(dead_sysv->bytes, 2 * kPage);
  EXPECT_NE(dead_sysv->reason.find("gone"), std::string::npos);

  const Leftover* dead_posix = find(*found, orphans.tagged_posix);
  ASSERT_NE(dead_posix, nullptr);
  EXPECT_EQ(dead_posix->kind, LeftoverKind::kPosix);
  EXPECT_FALSE(dead_posix->in_use) << dead_posix->reason;
  EXPECT_EQ(dead_posix->bytes, 3 * kPage);

  const Leftover* ours_sysv = find(*found, " id " + std::to_string(live_sysv->id()));
  ASSERT_NE(ours_sysv, nullptr);
  EXPECT_TRUE(ours_sysv->in_use);
  EXPECT_NE(ours_sysv->reason.find("running"), std::string::npos);
  const Leftover* ours_posix = find(*found, live_posix->name());
  ASSERT_NE(ours_posix, nullptr);
  EXPECT_TRUE(ours_posix->in_use);

  EXPECT_EQ(find(*found, " id " + std::to_string(orphans.untagged_sysv)), nullptr);
  EXPECT_EQ(find(*found, "not-ours"), nullptr);
  EXPECT_EQ(find(*found, "notapid"), nullptr);
  (void)SysvSegment::adopt(orphans.untagged_sysv, true);  // tidy: removed by the temporary's destructor
}

TEST(Leftovers, AttachedOrphanIsInUse) {
  const Orphans orphans = make_orphans();
  auto map = SysvSegment::adopt(orphans.tagged_sysv, false).attach();
  ASSERT_TRUE(Succeeds(map));
  auto found = find_leftovers();
  ASSERT_TRUE(Succeeds(found));
  const Leftover* l = find(*found, " id " + std::to_string(orphans.tagged_sysv));
  ASSERT_NE(l, nullptr);
  EXPECT_TRUE(l->in_use);
  EXPECT_EQ(l->attached, 1U);
  EXPECT_NE(l->reason.find("attached"), std::string::npos);
  ASSERT_TRUE(Succeeds(map->unmap()));
  for (const auto& x : *find_leftovers()) EXPECT_TRUE(Succeeds(remove_leftover(x))) << x.name;
  (void)SysvSegment::adopt(orphans.untagged_sysv, true);
}

TEST(Leftovers, RemoveTakesExactlyTheLeftovers) {
  const Orphans orphans = make_orphans();
  auto found = find_leftovers();
  ASSERT_TRUE(Succeeds(found));
  ASSERT_EQ(found->size(), 2U);
  for (const auto& l : *found) {
    ASSERT_FALSE(l.in_use);
    EXPECT_TRUE(Succeeds(remove_leftover(l))) << l.name;
  }
  EXPECT_TRUE(test::FailsWith(SysvSegment::adopt(orphans.tagged_sysv, false).stat(), EINVAL));
  struct stat st {};
  EXPECT_NE(::stat(("/dev/shm" + orphans.tagged_posix).c_str(), &st), 0);
  EXPECT_TRUE(Succeeds(SysvSegment::adopt(orphans.untagged_sysv, false).stat())) << "untagged segment untouched";
  auto again = find_leftovers();
  ASSERT_TRUE(Succeeds(again));
  EXPECT_TRUE(again->empty());
  // A stale entry (already removed) is an error, not a silent success.
  EXPECT_FALSE(remove_leftover((*found)[0]).ok());
  (void)SysvSegment::adopt(orphans.untagged_sysv, true);
}

TEST(Leftovers, ThePipeChannelsFifosAreLeftoversToo) {
  // A FIFO under a tagged name whose creator is gone (the pid of a child that has exited).
  pid_t dead = 0;
  auto child = ChildProcess::spawn([] { return std::string{}; });
  ASSERT_TRUE(Succeeds(child));
  dead = child->pid();
  ASSERT_TRUE(Succeeds(child->wait()));
  const std::string name = "/shmh." + std::to_string(dead) + ".0123456789abcdef";
  ASSERT_EQ(::mkfifo(("/dev/shm" + name).c_str(), 0600), 0);
  auto found = find_leftovers();
  ASSERT_TRUE(Succeeds(found));
  const Leftover* fifo = find(*found, name);
  ASSERT_NE(fifo, nullptr);
  EXPECT_FALSE(fifo->in_use) << fifo->reason;
  EXPECT_TRUE(Succeeds(remove_leftover(*fifo)));
  struct stat st {};
  EXPECT_NE(::stat(("/dev/shm" + name).c_str(), &st), 0);
}

TEST(Leftovers, ReusedIdWithAnotherKeyIsNotRemoved) {
  const Orphans orphans = make_orphans();
  auto found = find_leftovers();
  ASSERT_TRUE(Succeeds(found));
  Leftover stale = *find(*found, " id " + std::to_string(orphans.tagged_sysv));
  stale.shmid = orphans.untagged_sysv;  // as if the id now belonged to someone else's segment
  auto r = remove_leftover(stale);
  EXPECT_TRUE(test::FailsWith(r, EINVAL));
  EXPECT_TRUE(Succeeds(SysvSegment::adopt(orphans.untagged_sysv, false).stat()));
  for (const auto& x : *found) (void)remove_leftover(x);
  (void)SysvSegment::adopt(orphans.untagged_sysv, true);
}

}  // namespace
}  // namespace shmh
