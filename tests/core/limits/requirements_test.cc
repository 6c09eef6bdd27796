#include "core/limits/requirements.h"

#include <gtest/gtest.h>

#include <string>

#include "core/limits/sysctl_fix.h"

namespace shmh {
namespace {

TEST(ParseRequirements, AllItems) {
  auto r = parse_requirements("segments=16,segment-size=64MiB, total = 512M ,posix=1G,locked=0,hugepages=4");
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_EQ(r->size(), 6U);
  EXPECT_EQ((*r)[0].item, RequirementItem::kSegments);
  EXPECT_EQ((*r)[0].value, 16U);
  EXPECT_EQ((*r)[1].value, 64ULL << 20);
  EXPECT_EQ((*r)[2].value, 512ULL << 20);
  EXPECT_EQ((*r)[3].value, 1ULL << 30);
  EXPECT_EQ((*r)[4].value, 0U);
  EXPECT_EQ((*r)[5].value, 4U);
}

struct BadCase {
  const char* text;
  const char* words;  // the message must point at the bad item
};

class ParseRequirementsBad : public ::testing::TestWithParam<BadCase> {};

TEST_P(ParseRequirementsBad, PointsAtTheItem) {
  auto r = parse_requirements(GetParam().text);
  ASSERT_FALSE(r.ok()) << GetParam().text;
  EXPECT_EQ(r.error().err, 0);
  EXPECT_NE(r.error().message().find(GetParam().words), std::string::npos) << r.error().message();
}

INSTANTIATE_TEST_SUITE_P(Table, ParseRequirementsBad,
                         ::testing::Values(BadCase{"segmnts=3", "unknown key 'segmnts' (known: segments, segment-size"},
                                           BadCase{"segments=3,posix=lots", "item 2 posix: 'lots' is not a size"},
                                           BadCase{"segment-size=99999P", "item 1 segment-size"},
                                           BadCase{"segment-size=2000T", "is absurd"},
                                           BadCase{"segments=100000000", "is absurd"},
                                           BadCase{"segments=-1", "'-1' is not a count"},
                                           BadCase{"segments=0", "must be at least 1"},
                                           BadCase{"segments=1,segments=2", "'segments' is given twice"},
                                           BadCase{"segments=1,,posix=1M", "item 2 is empty"},
                                           BadCase{"", "item 1 is empty"}, BadCase{"segments", "expected key=value"}));

TEST(ParseProfile, CommentsBlankLinesAndLineNumbers) {
  auto ok = parse_profile("# app\n\nsegments = 4   # four\nposix=1M\n");
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(ok->size(), 2U);
  auto bad = parse_profile("segments = 4\n# fine\nsegmnts = 3\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("line 3: unknown key 'segmnts'"), std::string::npos) << bad.error().message();
  EXPECT_FALSE(parse_profile("# nothing\n\n").ok()) << "an empty profile is a mistake";
}

LimitsSnapshot machine() {
  LimitsSnapshot s;
  s.page_size = 4096;
  s.shmmax = 1 << 20;
  s.shmall = 1024;
  s.shmmni = 8;
  s.sysv_segments_used = 3;
  s.sysv_pages_used = 24;
  s.dev_shm_mounted = true;
  s.dev_shm_fstype = "tmpfs";
  s.dev_shm_size = 64 << 20;
  s.dev_shm_free = 60 << 20;
  s.memlock_soft = 64 << 10;
  s.memlock_hard = 64 << 10;
  s.hugepages_total = 4;
  s.hugepages_free = 2;
  s.hugepage_size = 2 << 20;
  return s;
}

RequirementResult check(const LimitsSnapshot& s, RequirementItem item, std::uint64_t value) {
  return evaluate(s, {{item, value}}).front();
}

TEST(Evaluate, EachItemAtItsBoundaryWithTheFix) {
  const auto s = machine();
  EXPECT_TRUE(check(s, RequirementItem::kSegments, 5).pass);
  auto seg = check(s, RequirementItem::kSegments, 6);
  EXPECT_FALSE(seg.pass);
  EXPECT_EQ(seg.available, 5U);
  EXPECT_EQ(seg.fix, "sysctl -w kernel.shmmni=9");

  EXPECT_TRUE(check(s, RequirementItem::kSegmentSize, 1 << 20).pass);
  auto size = check(s, RequirementItem::kSegmentSize, (1 << 20) + 1);
  EXPECT_FALSE(size.pass);
  EXPECT_EQ(size.fix, "sysctl -w kernel.shmmax=1048577");

  EXPECT_TRUE(check(s, RequirementItem::kTotal, std::uint64_t{1000} * 4096).pass);
  auto total = check(s, RequirementItem::kTotal, std::uint64_t{1001} * 4096);
  EXPECT_FALSE(total.pass);
  EXPECT_EQ(total.fix, "sysctl -w kernel.shmall=1025");

  EXPECT_TRUE(check(s, RequirementItem::kPosix, 60 << 20).pass);
  auto posix = check(s, RequirementItem::kPosix, 100 << 20);
  EXPECT_FALSE(posix.pass);
  EXPECT_NE(posix.fix.find("mount -o remount,size=109051904 /dev/shm"), std::string::npos) << posix.fix;
  EXPECT_NE(posix.fix.find("--shm-size"), std::string::npos);

  auto locked = check(s, RequirementItem::kLocked, 1 << 20);
  EXPECT_FALSE(locked.pass);
  EXPECT_NE(locked.fix.find("1024 KiB"), std::string::npos) << locked.fix;
  auto capable = s;
  capable.cap_ipc_lock = true;
  EXPECT_TRUE(check(capable, RequirementItem::kLocked, 1 << 30).pass) << "CAP_IPC_LOCK ignores the rlimit";

  EXPECT_TRUE(check(s, RequirementItem::kHugepages, 2).pass);
  auto huge = check(s, RequirementItem::kHugepages, 3);
  EXPECT_EQ(huge.fix, "sysctl -w vm.nr_hugepages=5");
}

TEST(Evaluate, CgroupMemoryLimitsBytes) {
  auto s = machine();
  s.cgroup_path = "/app";
  s.cgroup_memory_max = 40 << 20;
  s.cgroup_memory_current = 30 << 20;
  auto posix = check(s, RequirementItem::kPosix, 20 << 20);
  EXPECT_FALSE(posix.pass) << "only 10 MiB left under memory.max although /dev/shm has 60 MiB free";
  EXPECT_EQ(posix.available, 10U << 20);
  EXPECT_NE(posix.fix.find("memory.max of cgroup /app"), std::string::npos) << posix.fix;
  EXPECT_TRUE(check(s, RequirementItem::kPosix, 10 << 20).pass);
}

TEST(Evaluate, NoDevShm) {
  auto s = machine();
  s.dev_shm_mounted = false;
  s.dev_shm_size = 0;
  s.dev_shm_free = 0;
  auto r = check(s, RequirementItem::kPosix, 1 << 20);
  EXPECT_FALSE(r.pass);
  EXPECT_NE(r.fix.find("mount -t tmpfs"), std::string::npos);
}

// The drop-in raises each sysctl to the largest value any unmet requirement needs, never writes
// one that is already high enough, and lists the other steps once each as comments.
TEST(SysctlFix, RaisesNeverLowersAndListsTheRestByHand) {
  LimitsSnapshot s = machine();  // shmmax 1 MiB, shmall 1024 pages (24 used), shmmni 8 (3 used)
  const auto results = evaluate(s, {{RequirementItem::kSegments, 100},         // shmmni → 103
                                    {RequirementItem::kSegmentSize, 2 << 20},  // shmmax → 2 MiB; 512 pages < 1024
                                    {RequirementItem::kTotal, 8 << 20},        // shmall → 24 + 2048
                                    {RequirementItem::kPosix, 1ULL << 30},     // /dev/shm: by hand
                                    {RequirementItem::kLocked, 1 << 20},       // memlock: by hand
                                    {RequirementItem::kHugepages, 1}});        // met: nothing
  const SysctlFix fix = plan_sysctl_fix(s, results);
  auto value_of = [&fix](const std::string& key) -> std::int64_t {
    for (const auto& set : fix.settings) {
      if (set.key == key) return static_cast<std::int64_t>(set.value);
    }
    return -1;
  };
  EXPECT_EQ(value_of("kernel.shmmni"), 103);
  EXPECT_EQ(value_of("kernel.shmmax"), 2 << 20);
  EXPECT_EQ(value_of("kernel.shmall"), 24 + 2048);  // the larger of what segment-size and total need
  EXPECT_EQ(value_of("vm.nr_hugepages"), -1);
  EXPECT_EQ(fix.settings.size(), 3U);
  ASSERT_EQ(fix.by_hand.size(), 2U);
  EXPECT_NE(fix.by_hand[0].find("/dev/shm"), std::string::npos) << fix.by_hand[0];
  EXPECT_NE(fix.by_hand[1].find("memlock"), std::string::npos) << fix.by_hand[1];

  const std::string text = render_sysctl_dropin(fix, "segments=100");
  EXPECT_NE(text.find("\nkernel.shmmni = 103\n"), std::string::npos) << text;
  EXPECT_NE(text.find("#   mount -o remount"), std::string::npos) << text;

  // A machine already above what is needed gets no line for it, however the requirement failed.
  s.shmall = 1'000'000;
  const auto higher = plan_sysctl_fix(s, evaluate(s, {{RequirementItem::kSegmentSize, 2 << 20}}));
  ASSERT_EQ(higher.settings.size(), 1U);
  EXPECT_EQ(higher.settings[0].key, "kernel.shmmax");
  EXPECT_NE(render_sysctl_dropin(plan_sysctl_fix(s, {}), "").find("No sysctl to raise"), std::string::npos);
}

TEST(SysctlFix, MoreSegmentsThanIpcMniSaysWhatElseItNeeds) {
  const LimitsSnapshot s = machine();
  const SysctlFix fix = plan_sysctl_fix(s, evaluate(s, {{RequirementItem::kSegments, 40000}}));
  ASSERT_EQ(fix.settings.size(), 1U);
  ASSERT_EQ(fix.by_hand.size(), 1U);
  EXPECT_NE(fix.by_hand[0].find("ipcmni_extend"), std::string::npos) << fix.by_hand[0];
}

}  // namespace
}  // namespace shmh
