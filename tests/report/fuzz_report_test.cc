// The `fuzz list` and `fuzz coverage` reporters: every target on its line with what the library
// found, the layout named, and the gated coverage area marked exactly when it is below the gate.
#include <gtest/gtest.h>

#include "report/fuzz_text.h"

namespace shmh {
namespace {

TEST(FuzzReport, ListShowsEachTargetAndWhereThePiecesAre) {
  fuzz::FuzzLayout layout = fuzz::prefix_layout("/opt/shmh");
  const std::vector<fuzz::TargetStatus> targets = {
      {.target = {"sysv_api", "System V sequences"}, .corpus = 606, .regressions = 2, .built = true},
      {.target = {"posix_api", "POSIX sequences"}, .corpus = 7, .regressions = 0, .built = false}};
  const std::string text = render_fuzz_list(targets, layout);
  EXPECT_NE(text.find("sysv_api           606           2     yes  System V sequences"), std::string::npos) << text;
  EXPECT_NE(text.find("posix_api            7           0      no  POSIX sequences"), std::string::npos) << text;
  EXPECT_NE(text.find("installed prefix /opt/shmh"), std::string::npos) << text;
  EXPECT_NE(text.find("/opt/shmh/libexec/shmharness/fuzz"), std::string::npos) << text;
}

TEST(FuzzReport, CoverageMarksOnlyTheGatedAreaBelowTheGate) {
  fuzz::CoverageReport r;
  r.areas = {{.prefix = "core/model/", .lines = 100, .covered = 50},
             {.prefix = fuzz::kGatedArea, .lines = 100, .covered = 89}};
  r.html = "cov/html/index.html";
  r.lcov = "cov/lcov.info";
  EXPECT_TRUE(r.below(90));
  EXPECT_FALSE(r.below(89)) << "89 of 100 is not below 89%";
  const std::string text = render_fuzz_coverage(r, 4, 90);
  EXPECT_NE(text.find("4 target(s)"), std::string::npos) << text;
  const auto model = text.find("core/model/");
  const auto gated = text.find(fuzz::kGatedArea);
  ASSERT_NE(model, std::string::npos);
  ASSERT_NE(gated, std::string::npos);
  EXPECT_EQ(text.find("below --fail-under"), text.find("below --fail-under", gated)) << "only the gated area: " << text;
  EXPECT_NE(text.find("below --fail-under", gated), std::string::npos) << text;
  EXPECT_EQ(render_fuzz_coverage(r, 4, 50).find("below"), std::string::npos);
}

}  // namespace
}  // namespace shmh
