// `limits` against known limits: the test process runs in its own sandbox (tests/support), so it
// sets shmmni, shmmax, shmall and the /dev/shm size itself, then checks that the report,
// requirements, probe, self-test and audit all agree with what it set.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>

#include "core/cleanup/sysvipc_table.h"
#include "core/limits/audit.h"
#include "core/limits/limits_snapshot.h"
#include "core/limits/probe.h"
#include "core/limits/requirements.h"
#include "core/limits/selftest.h"
#include "core/segment/posix_segment.h"
#include "core/segment/sysv_segment.h"
#include "core/sys/sys.h"
#include "tests/support/test_support.h"

namespace shmh {
namespace {

using test::Succeeds;

constexpr std::uint64_t kMiB = 1 << 20;

class KnownLimits : public ::testing::Test {
 protected:
  test::ScopedShmLimit shmmni_{"shmmni", 8};
  test::ScopedShmLimit shmmax_{"shmmax", kMiB};
  test::ScopedShmLimit shmall_{"shmall", 1024};
  test::ScopedDevShmSize dev_shm_{4 * kMiB};
  Result<SysvSegment> a_ = SysvSegment::create({.size = 8192});
  Result<SysvSegment> b_ = SysvSegment::create({.size = 5000});

  LimitsSnapshot snapshot() {
    auto s = read_limits();
    EXPECT_TRUE(Succeeds(s));
    return *s;
  }
  std::vector<Requirement> reqs(const char* text) {
    auto r = parse_requirements(text);
    EXPECT_TRUE(Succeeds(r));
    return *r;
  }
};

TEST_F(KnownLimits, ReportShowsWhatWasSet) {
  const auto s = snapshot();
  EXPECT_EQ(s.shmmni, 8U);
  EXPECT_EQ(s.shmmax, kMiB);
  EXPECT_EQ(s.shmall, 1024U);
  EXPECT_EQ(s.sysv_segments_used, 2U);
  EXPECT_EQ(s.sysv_bytes_used, 13192U);
  EXPECT_EQ(s.sysv_pages_used, 4U) << "8192 → 2 pages, 5000 → 2 pages";
  EXPECT_EQ(s.dev_shm_size, 4 * kMiB);
  EXPECT_TRUE(s.dev_shm_mounted);
  EXPECT_EQ(s.dev_shm_fstype, "tmpfs");
  EXPECT_NE(s.dev_shm_options.find("size=4096k"), std::string::npos) << s.dev_shm_options;
  // The mount's and the superblock's options both say "rw": the report says it once.
  EXPECT_EQ(s.dev_shm_options.rfind("rw,", 0), 0U) << s.dev_shm_options;
  EXPECT_EQ(s.dev_shm_options.find(",rw,"), std::string::npos) << s.dev_shm_options;
  EXPECT_FALSE(s.dev_shm_options.ends_with(",rw")) << s.dev_shm_options;
  EXPECT_GT(s.mem_available, 0U);
}

TEST_F(KnownLimits, RequirementsAgree) {
  const auto s = snapshot();
  auto r = evaluate(s, reqs("segments=6,segment-size=1M,total=4080KiB,posix=4M"));
  for (const auto& x : r) EXPECT_TRUE(x.pass) << to_string(x.requirement.item) << ": " << x.reason;
  auto over = evaluate(s, reqs("segments=7,segment-size=1025KiB,total=4084KiB,posix=5M"));
  for (const auto& x : over) EXPECT_FALSE(x.pass) << to_string(x.requirement.item);
  EXPECT_EQ(over[0].fix, "sysctl -w kernel.shmmni=9");
  EXPECT_EQ(over[1].fix, "sysctl -w kernel.shmmax=1049600");
  EXPECT_EQ(over[2].fix, "sysctl -w kernel.shmall=1025");
  EXPECT_NE(over[3].fix.find("remount,size=5242880"), std::string::npos) << over[3].fix;
}

TEST_F(KnownLimits, ProbeAgreesAndLeavesNothing) {
  const auto s = snapshot();
  auto ok = run_probe(s, reqs("segments=6,segment-size=1M,total=3M,posix=3M"), {});
  ASSERT_TRUE(Succeeds(ok));
  EXPECT_NE(ok->where.find("sandbox"), std::string::npos) << ok->where;
  for (const auto& i : ok->items) EXPECT_TRUE(i.pass) << to_string(i.item) << ": " << i.detail;

  auto over = run_probe(s, reqs("segments=7,segment-size=2M,posix=5M"), {});
  ASSERT_TRUE(Succeeds(over));
  ASSERT_EQ(over->items.size(), 3U);
  EXPECT_FALSE(over->items[0].pass);
  EXPECT_NE(over->items[0].detail.find("segment 7 of 7: shmget: ENOSPC"), std::string::npos) << over->items[0].detail;
  EXPECT_FALSE(over->items[1].pass);
  EXPECT_NE(over->items[1].detail.find("EINVAL"), std::string::npos) << over->items[1].detail;
  EXPECT_FALSE(over->items[2].pass);
  EXPECT_NE(over->items[2].detail.find("ENOSPC"), std::string::npos) << over->items[2].detail;

  auto rows = read_sysvipc_shm();
  ASSERT_TRUE(Succeeds(rows));
  EXPECT_EQ(rows->size(), 2U) << "the probe left segments behind";
}

TEST_F(KnownLimits, ProbeRefusesWhatItMustNotTouch) {
  auto s = snapshot();
  auto big = run_probe(s, reqs("posix=3M"), {.max_bytes = kMiB});
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.error().message().find("--max-bytes"), std::string::npos) << big.error().message();
  s.mem_available = kMiB;
  auto mem = run_probe(s, reqs("posix=3M"), {});
  ASSERT_FALSE(mem.ok());
  EXPECT_NE(mem.error().message().find("--force"), std::string::npos) << mem.error().message();
}

TEST(Selftest, TheKernelEnforcesEveryLimitAtItsBoundary) {
  auto lines = run_selftest();
  ASSERT_TRUE(Succeeds(lines));
  ASSERT_EQ(lines->size(), 5U);
  for (const auto& l : *lines) EXPECT_TRUE(l.pass) << l.limit << ": " << l.observed;
}

TEST(Audit, FindsWorldAccessibleOrphanedAndRemovedButAttached) {
  auto open = SysvSegment::create({.key = 0x0666, .size = 4096, .mode = 0666});
  auto fine = SysvSegment::create({.size = 4096, .mode = 0600});
  ASSERT_TRUE(Succeeds(open) && Succeeds(fine));
  auto fine_map = fine->attach();  // attached and 0600: nothing to report
  int orphan_id = -1;
  auto pipe = sys::pipe();
  ASSERT_TRUE(Succeeds(pipe));
  const auto exit = test::run_child([&]() -> ChildReport {
    auto s = SysvSegment::create({.size = 4096});
    if (!s) return s.error().message();
    s->release();  // the creator dies; nobody is attached
    (void)sys::write_all(pipe->write, std::to_string(s->id()));
    return "";
  });
  ASSERT_TRUE(exit.ok());
  sys::close(pipe->write);
  orphan_id = std::stoi(sys::read_available(pipe->read, 32));
  sys::close(pipe->read);
  auto dest = SysvSegment::create({.size = 4096});
  ASSERT_TRUE(Succeeds(dest));
  auto dest_map = dest->attach();
  ASSERT_TRUE(Succeeds(dest_map));
  ASSERT_TRUE(Succeeds(dest->remove()));
  const mode_t old = ::umask(0);
  auto posix = PosixSegment::create({.name = "/world", .size = 4096, .mode = 0666});
  ::umask(old);
  ASSERT_TRUE(Succeeds(posix));

  auto findings = run_audit();
  ASSERT_TRUE(Succeeds(findings));
  auto has = [&](const std::string& kind, const std::string& object_part) {
    for (const auto& f : *findings) {
      if (f.kind == kind && f.object.find(object_part) != std::string::npos) return true;
    }
    return false;
  };
  EXPECT_TRUE(has("world-accessible", "key 0x00000666"));
  EXPECT_TRUE(has("orphan", "id " + std::to_string(orphan_id) + " "));
  EXPECT_TRUE(has("removed-but-attached", "id " + std::to_string(dest->id()) + " "));
  EXPECT_TRUE(has("world-accessible", "posix /world"));
  EXPECT_FALSE(has("world-accessible", "id " + std::to_string(fine->id()) + " "));
  EXPECT_FALSE(has("orphan", "id " + std::to_string(fine->id()) + " "));
  EXPECT_EQ(findings->size(), 4U);
  (void)SysvSegment::adopt(orphan_id, true);
}

}  // namespace
}  // namespace shmh
