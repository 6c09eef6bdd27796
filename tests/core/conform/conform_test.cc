// The pinned table and `run_conform` on this machine's kernel: every pinned case answers as the
// table says (the kernel and the models), random sequences find no deviation, and the table is
// what the README promises (≥ 150 cases, each with its area and source).
#include "core/conform/conform.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "core/conform/pinned_cases.h"
#include "core/sys/sys.h"
#include "tests/support/test_support.h"

namespace shmh::conform {
namespace {

std::string describe_all(const ConformReport& r) {
  std::string out;
  for (const auto& d : r.deviations) {
    out += d.area + " \"" + d.name + "\" (" + d.source + "): kernel " + d.kernel_answer + ", Linux " + d.linux_answer +
           "; " + d.detail + "\n";
    for (const auto& s : d.steps) out += "    " + s + "\n";
  }
  return out;
}

TEST(PinnedCases, AtLeast150EachWithAreaAndSource) {
  const auto cases = pinned_cases(sys::page_size(), test::kOtherUid);
  EXPECT_GE(cases.size(), 150U);
  std::set<std::string> names;
  for (const auto& c : cases) {
    EXPECT_FALSE(c.area.empty()) << c.name;
    EXPECT_FALSE(c.source.empty()) << c.area << " " << c.name;
    EXPECT_NE(c.sysv.empty(), c.posix.empty()) << c.area << " " << c.name;
    EXPECT_TRUE(names.insert(c.area + "/" + c.name).second) << "two cases named " << c.area << " " << c.name;
  }
}

TEST(Conform, ThisKernelAnswersAsLinux) {
  auto report = run_conform({.sequences = 100, .seed = 1});
  ASSERT_TRUE(test::Succeeds(report));
  EXPECT_TRUE(report->pass()) << describe_all(*report);
  EXPECT_GE(report->pinned, test::is_root() ? 150U : 60U);
  EXPECT_EQ(report->sysv_sequences, 100U);
  EXPECT_EQ(report->posix_sequences, 100U);
  EXPECT_GT(report->steps, 100U * 30);
}

TEST(Conform, AsUserRefusesRoot) {
  auto report = run_conform({.sequences = 0, .other_uid = 0});
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.error().message().find("--as-user"), std::string::npos) << report.error().message();
}

}  // namespace
}  // namespace shmh::conform
