// The System V model against the kernel: a table of sequences, then seeded random sequences, each
// step executed on the real kernel (in the test's private IPC namespace, with small limits set) and
// on the model; every result and every live segment's IPC_STAT must agree. Calls by "another user"
// run in a child that drops to uid 65534 (root only). A disagreement prints the seed and step, and
// is fixed in the model — the kernel is the authority.
#include "core/model/sysv_model.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <vector>

#include "core/model/random_steps.h"
#include "core/model/sysv_differential.h"
#include "core/segment/sysv_segment.h"
#include "core/sys/sys.h"
#include "tests/support/test_support.h"

namespace shmh::model {
namespace {

constexpr std::uint64_t kPage = 4096;
constexpr Limits kLimits{.shmmax = 16 * kPage, .shmall = 32, .shmmni = 6, .page_size = kPage, .memlock = 4 * kPage};

using Op = SysvOp;
using Step = SysvStep;

class SysvModelVsKernel : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test::is_root()) GTEST_SKIP() << "the differential runs calls as root and as uid 65534";
    auto peer = OtherUidPeer::start(test::kOtherUid, test::kOtherGid, kLimits.memlock);
    ASSERT_TRUE(test::Succeeds(peer));
    peer_ = std::move(*peer);
  }
  OtherUidPeer peer_;
  test::ScopedShmLimit shmmax_{"shmmax", kLimits.shmmax};
  test::ScopedShmLimit shmall_{"shmall", kLimits.shmall};
  test::ScopedShmLimit shmmni_{"shmmni", kLimits.shmmni};
};

TEST_F(SysvModelVsKernel, Table) {
  const std::vector<std::vector<Step>> table = {
      // size bounds, then shmall, then shmmni
      {{.op = Op::kGet, .size = 0, .flags = IPC_CREAT | 0600},
       {.op = Op::kGet, .size = kLimits.shmmax + 1, .flags = IPC_CREAT | 0600},
       {.op = Op::kGet, .size = kLimits.shmmax, .flags = IPC_CREAT | 0600},
       {.op = Op::kGet, .size = kLimits.shmmax, .flags = IPC_CREAT | 0600},
       {.op = Op::kGet, .size = 1, .flags = IPC_CREAT | 0600}},
      // keys: ENOENT, EEXIST, larger size EINVAL before EACCES, permission bits only as requested
      {{.op = Op::kGet, .key = 0x100, .size = kPage, .flags = 0600},
       {.op = Op::kGet, .key = 0x100, .size = kPage, .flags = IPC_CREAT | 0640},
       {.op = Op::kGet, .key = 0x100, .size = kPage, .flags = IPC_CREAT | IPC_EXCL | 0600},
       {.op = Op::kGet, .other = true, .key = 0x100, .size = 2 * kPage, .flags = 0600},
       {.op = Op::kGet, .other = true, .key = 0x100, .size = kPage, .flags = 0600},
       {.op = Op::kGet, .other = true, .key = 0x100, .size = kPage, .flags = 0},
       {.op = Op::kAt, .other = true, .target = 0},
       {.op = Op::kStat, .other = true, .target = 0},
       {.op = Op::kSet, .other = true, .target = 0},
       {.op = Op::kRmid, .other = true, .target = 0}},
      // IPC_RMID while attached: SHM_DEST, key released, attach by id still works, gone at last detach
      {{.op = Op::kGet, .key = 0x200, .size = kPage, .flags = IPC_CREAT | 0600},
       {.op = Op::kAt, .target = 0},
       {.op = Op::kRmid, .target = 0},
       {.op = Op::kGet, .key = 0x200, .size = kPage, .flags = 0600},
       {.op = Op::kAt, .target = 0},
       {.op = Op::kDt, .target = 0},
       {.op = Op::kDt, .target = 0},
       {.op = Op::kDt, .target = 1},
       {.op = Op::kStat, .target = 0}},
      // ownership moves with IPC_SET; memlock for an unprivileged owner
      {{.op = Op::kGet, .size = 8 * kPage, .flags = IPC_CREAT | 0600},
       {.op = Op::kSet, .target = 0, .set_uid = test::kOtherUid, .set_mode = 0600},
       {.op = Op::kAt, .other = true, .target = 0},
       {.op = Op::kLock, .other = true, .target = 0},
       {.op = Op::kGet, .size = 2 * kPage, .flags = IPC_CREAT | 0600},
       {.op = Op::kSet, .target = 1, .set_uid = test::kOtherUid, .set_mode = 0400},
       {.op = Op::kLock, .other = true, .target = 1},
       {.op = Op::kAt, .other = true, .flags = SHM_RDONLY, .target = 1},
       {.op = Op::kAt, .other = true, .target = 1},
       {.op = Op::kUnlock, .other = true, .target = 1},
       {.op = Op::kLock, .target = 0},
       {.op = Op::kRmid, .other = true, .target = 0}},
      // fixed addresses: unaligned without SHM_RND, rounded with it, SHM_REMAP without an address,
      // a taken range without SHM_REMAP, detach and attach again at the same place
      {{.op = Op::kGet, .size = 2 * kPage, .flags = IPC_CREAT | 0600},
       {.op = Op::kAt, .target = 0, .slot = 1, .skew = 1},
       {.op = Op::kAt, .flags = SHM_RND | SHM_REMAP, .target = 0, .slot = 1, .skew = 1},
       {.op = Op::kAt, .flags = SHM_REMAP, .target = 0},
       {.op = Op::kAt, .target = 0, .slot = 2},
       {.op = Op::kAt, .flags = SHM_REMAP, .target = 0, .slot = 2},
       {.op = Op::kDt, .target = 0},
       {.op = Op::kAt, .flags = SHM_REMAP | SHM_RDONLY, .target = 0, .slot = 1},
       {.op = Op::kAt, .flags = SHM_REMAP, .target = 5, .slot = 3}},
      // IPC_INFO / SHM_INFO counts and indexes; SHM_STAT needs read permission, SHM_STAT_ANY not
      {{.op = Op::kInfo},
       {.op = Op::kGet, .size = 3 * kPage, .flags = IPC_CREAT | 0600},
       {.op = Op::kGet, .size = 1, .flags = IPC_CREAT | 0600},
       {.op = Op::kShmInfo},
       {.op = Op::kStatIndex, .target = 1},
       {.op = Op::kStatIndex, .other = true, .target = 1},
       {.op = Op::kStatIndex, .other = true, .flags = 1, .target = 1},
       {.op = Op::kStatIndex, .target = 7},
       {.op = Op::kRmid, .target = 1},
       {.op = Op::kInfo},
       {.op = Op::kShmInfo, .other = true},
       {.op = Op::kStatIndex, .target = 1}},
  };
  for (std::size_t t = 0; t < table.size(); ++t) {
    SysvDifferential d(kLimits, &peer_);
    for (std::size_t i = 0; i < table[t].size(); ++i) {
      const std::string mismatch = d.run(table[t][i]);
      ASSERT_TRUE(mismatch.empty()) << "sequence " << t << " step " << i << ": " << mismatch;
    }
  }
}

// kernel.shm_rmid_forced in the test's own IPC namespace: segments go at their last detach, and at
// a fixed attach refused after do_shmat counted it; the differential puts the sysctl back.
TEST_F(SysvModelVsKernel, RmidForced) {
  const auto before = sys::read_file("/proc/sys/kernel/shm_rmid_forced");
  ASSERT_TRUE(test::Succeeds(before));
  {
    SysvDifferential d(kLimits, &peer_);
    const std::vector<Step> steps = {
        {.op = Op::kRmidForced, .flags = 1},
        {.op = Op::kGet, .size = kPage, .flags = IPC_CREAT | 0666},
        {.op = Op::kAt, .target = 0},
        {.op = Op::kAt, .target = 0},
        {.op = Op::kDt, .target = 0},
        {.op = Op::kStat, .target = 0},  // one attachment left: alive
        {.op = Op::kDt, .target = 1},
        {.op = Op::kStat, .target = 0},  // gone
        {.op = Op::kGet, .size = kPage, .flags = IPC_CREAT | 0666},
        {.op = Op::kAt, .flags = 0, .target = 1, .slot = 3},  // a taken range: EINVAL, and gone
        {.op = Op::kGet, .size = kPage, .flags = IPC_CREAT | 0666},
        {.op = Op::kAt, .other = true, .target = 2},  // the other user's attach + detach: gone
        {.op = Op::kRmidForced, .flags = 2},          // EINVAL, still on
        {.op = Op::kGet, .size = kPage, .flags = IPC_CREAT | 0600},
        {.op = Op::kAt, .target = 3},
        {.op = Op::kRmidForced, .flags = 0},
        {.op = Op::kDt, .target = 2},
        {.op = Op::kStat, .target = 3},  // off: alive
    };
    for (std::size_t i = 0; i < steps.size(); ++i) {
      ASSERT_EQ(d.run(steps[i]), "") << "step " << i;
      ASSERT_TRUE(d.last().ran) << "step " << i << " was skipped: the sandbox refused the sysctl";
    }
    EXPECT_EQ(d.last().kernel, 0);
    (void)d.run({.op = Op::kRmidForced, .flags = 1});
  }
  EXPECT_EQ(sys::read_file("/proc/sys/kernel/shm_rmid_forced").value(), *before);
}

// A forked child holds what it inherited: nattch counts its copies, shm_lpid names the parent
// (which ran the copy) and then the child (whose exit detached them); a removed segment, or one
// under shm_rmid_forced, goes when the child was its last holder. Every step must run and agree;
// the kernel's nattch and lpid are also read here directly, so a model and driver that agreed on a
// wrong count could not pass.
TEST_F(SysvModelVsKernel, ForkedChildHoldsItsInheritedAttachments) {
  SysvDifferential d(kLimits, &peer_);
  const std::vector<Step> steps = {
      {.op = Op::kGet, .size = kPage, .flags = IPC_CREAT | 0600},
      {.op = Op::kGet, .size = kPage, .flags = IPC_CREAT | 0600},
      {.op = Op::kAt, .target = 0},
      {.op = Op::kAt, .target = 0},
      {.op = Op::kAt, .target = 1},
      {.op = Op::kFork},  // segment 0: nattch 4, segment 1: 2
      {.op = Op::kDt, .target = 0},
      {.op = Op::kDt, .target = 1},
      {.op = Op::kDt, .target = 2},
      {.op = Op::kRmid, .target = 0},  // only the child holds them now: both alive
      {.op = Op::kStat, .target = 0},
      {.op = Op::kChildExit},  // segment 0 (SHM_DEST) goes; segment 1 stays, nattch 0
      {.op = Op::kStat, .target = 0},
      {.op = Op::kStat, .target = 1},
  };
  for (std::size_t i = 0; i < steps.size(); ++i) {
    ASSERT_EQ(d.run(steps[i]), "") << "step " << i << ": " << describe(steps[i]);
    ASSERT_TRUE(d.last().ran) << "step " << i << " was skipped";
    if (i == 5) {  // after the fork, from the kernel itself (this namespace's indexes 0 and 1)
      const auto first = sysv_stat_index(0, false);
      const auto second = sysv_stat_index(1, false);
      ASSERT_TRUE(test::Succeeds(first));
      ASSERT_TRUE(test::Succeeds(second));
      EXPECT_EQ(first->ds.shm_nattch, 4U);
      EXPECT_EQ(second->ds.shm_nattch, 2U);
      EXPECT_EQ(first->ds.shm_lpid, ::getpid()) << "the parent ran the copy";
    }
    if (i == 11) {
      const auto second = sysv_stat_index(1, false);
      ASSERT_TRUE(test::Succeeds(second));
      EXPECT_EQ(second->ds.shm_nattch, 0U);
      EXPECT_NE(second->ds.shm_lpid, ::getpid()) << "the child's exit detached last";
      EXPECT_NE(second->ds.shm_lpid, 0);
    }
  }
  EXPECT_EQ(d.last().kernel, 0);
  EXPECT_EQ(d.run({.op = Op::kChildExit}), "");
  EXPECT_FALSE(d.last().ran) << "no child left: skipped";
}

TEST_F(SysvModelVsKernel, RandomSequences) {
  for (std::uint64_t seed = 1; seed <= 1000; ++seed) {
    std::mt19937_64 rng(seed);
    SysvDifferential d(kLimits, &peer_);
    int created = 0;
    std::string history;
    for (int i = 0; i < 30; ++i) {
      const Step s = random_sysv_step(rng, kLimits, created + 2, test::kOtherUid);
      history += "  " + std::to_string(i) + ": " + describe(s) + "\n";
      const std::string mismatch = d.run(s);
      ASSERT_TRUE(mismatch.empty()) << "seed " << seed << " step " << i << ": " << mismatch << "\nsteps:\n" << history;
      if (s.op == Op::kGet) ++created;
    }
  }
}

// The model alone (no root): what shm_rmid_forced changes, and the sysctl's range.
TEST(SysvModel, RmidForcedDestroysWhenTheCountDropsToZero) {
  SysvModel m(kLimits);
  const Caller root{.uid = 0, .gid = 0, .cap_ipc_owner = true, .cap_sys_admin = true, .cap_ipc_lock = true};
  EXPECT_EQ(m.set_rmid_forced(2).err, EINVAL);
  EXPECT_FALSE(m.rmid_forced());
  const long kept = m.shmget(IPC_PRIVATE, kPage, IPC_CREAT | 0600, root).value;
  const long a = m.shmat(kept, 0, root).value;
  ASSERT_EQ(m.shmdt(a).err, 0);
  EXPECT_TRUE(m.segment(kept).has_value()) << "off: the last detach keeps a segment";
  ASSERT_EQ(m.set_rmid_forced(1).err, 0);
  EXPECT_TRUE(m.segment(kept).has_value()) << "switched on: a live creator's segment stays";
  const long b = m.shmat(kept, 0, root).value;
  const long c = m.shmat(kept, 0, root).value;
  ASSERT_EQ(m.shmdt(b).err, 0);
  EXPECT_TRUE(m.segment(kept).has_value()) << "an attachment is left";
  ASSERT_EQ(m.shmdt(c).err, 0);
  EXPECT_FALSE(m.segment(kept).has_value()) << "on: the last detach destroys";
  const long taken = m.shmget(IPC_PRIVATE, kPage, IPC_CREAT | 0600, root).value;
  EXPECT_EQ(m.shmat(taken, 0, root, 0x10000000, /*occupied=*/true).err, EINVAL);
  EXPECT_FALSE(m.segment(taken).has_value()) << "a counted, refused attach destroys";
  const long unaligned = m.shmget(IPC_PRIVATE, kPage, IPC_CREAT | 0600, root).value;
  EXPECT_EQ(m.shmat(unaligned, 0, root, 0x10000001, /*occupied=*/true).err, EINVAL);
  EXPECT_TRUE(m.segment(unaligned).has_value()) << "an unaligned address is refused before the count";
  EXPECT_EQ(m.pages_in_use(), 1U);
}

TEST(SysvModel, AForkedChildCountsItsCopiesAndDropsThemAtExit) {
  SysvModel m(kLimits);
  const Caller parent{.uid = 0, .gid = 0, .cap_ipc_owner = true, .cap_sys_admin = true, .pid = 100};
  const Caller other{.uid = 1000, .gid = 1000, .pid = 200};
  const long seg = m.shmget(IPC_PRIVATE, kPage, IPC_CREAT | 0666, parent).value;
  EXPECT_EQ(m.segment(seg)->cpid, 100);
  EXPECT_EQ(m.segment(seg)->lpid, 0) << "no attach yet";
  const long a = m.shmat(seg, 0, parent).value;
  const long o = m.shmat(seg, 0, other).value;  // another process's attachment: not inherited
  EXPECT_EQ(m.segment(seg)->lpid, 200);
  ASSERT_EQ(m.fork_child(100, 101).err, 0);
  EXPECT_EQ(m.fork_child(100, 101).err, EEXIST);
  EXPECT_EQ(m.segment(seg)->nattch, 3U) << "the parent's one attachment, copied once";
  EXPECT_EQ(m.segment(seg)->lpid, 100) << "the parent ran the copy";
  ASSERT_EQ(m.shmdt(o).err, 0);
  EXPECT_EQ(m.segment(seg)->lpid, 200);
  ASSERT_EQ(m.shmdt(a).err, 0);
  ASSERT_EQ(m.ipc_rmid(seg, parent).err, 0);
  ASSERT_TRUE(m.segment(seg).has_value()) << "the child still holds it";
  ASSERT_EQ(m.child_exits(101).err, 0);
  EXPECT_FALSE(m.segment(seg).has_value()) << "SHM_DEST, and the child was the last holder";
  EXPECT_EQ(m.child_exits(101).err, EINVAL) << "exited already";
  // Under shm_rmid_forced the child's exit destroys without IPC_RMID; a child forked before the
  // attach holds nothing.
  ASSERT_EQ(m.set_rmid_forced(1).err, 0);
  const long forced = m.shmget(IPC_PRIVATE, kPage, IPC_CREAT | 0600, parent).value;
  ASSERT_EQ(m.fork_child(100, 102).err, 0);
  const long b = m.shmat(forced, 0, parent).value;
  ASSERT_EQ(m.fork_child(100, 103).err, 0);
  ASSERT_EQ(m.child_exits(102).err, 0);
  EXPECT_EQ(m.segment(forced)->nattch, 2U);
  ASSERT_EQ(m.shmdt(b).err, 0);
  ASSERT_TRUE(m.segment(forced).has_value());
  ASSERT_EQ(m.child_exits(103).err, 0);
  EXPECT_FALSE(m.segment(forced).has_value());
}

}  // namespace
}  // namespace shmh::model
