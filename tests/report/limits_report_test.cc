// Reporter output is checked against golden files (tests/report/golden/): a fixed outcome in, the
// exact text out. After an intended change, regenerate with SHMH_UPDATE_GOLDEN=1 and review the diff.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "report/limits_json.h"
#include "report/limits_text.h"
#include "tests/report/golden.h"

namespace shmh {
namespace {

LimitsOutcome fixed_outcome() {
  LimitsOutcome o;
  LimitsSnapshot& s = o.snapshot;
  s.page_size = 4096;
  s.shmmax = 1 << 20;
  s.shmall = 1024;
  s.shmmni = 8;
  s.sysv_segments_used = 2;
  s.sysv_bytes_used = 13192;
  s.sysv_pages_used = 4;
  s.dev_shm_mounted = true;
  s.dev_shm_fstype = "tmpfs";
  s.dev_shm_options = "rw,nosuid,nodev,size=4096k";
  s.dev_shm_size = 4 << 20;
  s.dev_shm_free = 3 << 20;
  s.memlock_soft = 8 << 20;
  s.memlock_hard = kUnlimited;
  s.hugepages_total = 0;
  s.hugepage_size = 2 << 20;
  s.mem_available = 1ULL << 34;
  s.cgroup_path = "/app.slice";
  s.cgroup_memory_max = 1ULL << 30;
  s.cgroup_memory_current = 1ULL << 28;
  s.container_hints = {"/.dockerenv exists"};
  o.requirements = evaluate(s, {{RequirementItem::kSegments, 7}, {RequirementItem::kPosix, 1 << 20}});
  o.probe = ProbeResult{"a sandbox mirroring the host's headroom", 1 << 20, {{RequirementItem::kPosix, true, "ok"}}};
  o.selftest = std::vector<SelftestLine>{{"shmmax", true, "1 MiB ok, 1 MiB + 1 → EINVAL", "as documented"}};
  o.audit = std::vector<AuditFinding>{{"orphan", "sysv id 3 key 0x00000000", "no process attached"}};
  return o;
}

TEST(LimitsReport, TextMatchesGolden) { test::expect_golden(render_limits_text(fixed_outcome()), "limits.txt"); }

TEST(LimitsReport, JsonMatchesGolden) { test::expect_golden(render_limits_json(fixed_outcome()), "limits.json"); }

TEST(LimitsReport, JsonHasTheDocumentedKeysAndVerdict) {
  const auto j = nlohmann::json::parse(render_limits_json(fixed_outcome()));
  for (const char* key : {"verdict", "limits", "usage", "requirements", "audit", "probe", "selftest"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["verdict"], "fail") << "segments=7 > 6 free and one audit finding";
  EXPECT_EQ(j["requirements"][0]["item"], "segments");
  EXPECT_EQ(j["requirements"][0]["pass"], false);
  EXPECT_EQ(j["requirements"][0]["fix"], "sysctl -w kernel.shmmni=9");
  EXPECT_TRUE(j["limits"]["memlock"]["hard"].is_null()) << "unlimited is null";
}

}  // namespace
}  // namespace shmh
