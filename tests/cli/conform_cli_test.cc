// `shmharness conform` as a user runs it: a pass on this kernel (as root with another user, and
// its JSON), clear errors, and — built against a model with one planted deviation per area of the
// pinned table — exit 1 with the deviating area, the kernel's answer, Linux's, and the calls.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "tests/support/test_support.h"

namespace shmh {
namespace {

test::ProgramRun conform(const std::vector<std::string>& args) {
  std::vector<std::string> all{"conform"};
  all.insert(all.end(), args.begin(), args.end());
  return test::run_program(SHMH_CLI_PATH, all);
}

TEST(ConformCli, ThisMachineAnswersAsLinux) {
  const auto r = conform({"--sequences", "50", "--seed", "3"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("verdict: PASS"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("sysv/shmget"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("50 System V + 50 POSIX/memfd sequences from seed 3"), std::string::npos) << r.out;
}

TEST(ConformCli, JsonReport) {
  const auto r = conform({"--sequences", "5", "--json", "-"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["schema"], "shmharness-conform/1");
  EXPECT_EQ(doc["verdict"], "pass");
  EXPECT_GE(doc["pinned"]["cases"].get<int>(), test::is_root() ? 150 : 60);
  EXPECT_EQ(doc["sequences"]["sysv"], 5);
  EXPECT_EQ(doc["sequences"]["posix"], 5);
  EXPECT_TRUE(doc["deviations"].empty());
  if (test::is_root()) {
    EXPECT_EQ(doc["other_user"]["uid"], 65534);
  }
}

TEST(ConformCli, AsAnotherUser) {
  if (!test::is_root()) GTEST_SKIP() << "--as-user needs root";
  const auto r = conform({"--sequences", "20", "--as-user", "1000", "-q"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("verdict: PASS"), std::string::npos) << r.out;
}

TEST(ConformCli, AsRootIsRefused) {
  const auto r = conform({"--as-user", "0"});
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_EQ(r.err, "shmharness conform: --as-user: must name a user other than root\n");
}

class PlantedDeviation : public ::testing::TestWithParam<std::string> {};

// Each binary's model is wrong in one area; conform must say so, in that area, with the calls.
TEST_P(PlantedDeviation, ConformFailsInThatArea) {
  if (!test::is_root()) GTEST_SKIP() << "several planted deviations need another user's calls (root)";
  std::string area = GetParam();
  const auto r =
      test::run_program(std::string(SHMH_PLANTED_DIR) + "/conform_planted_" + area, {"conform", "--sequences", "50"});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  area[area.find('_')] = '/';
  EXPECT_NE(r.out.find("DEVIATION " + area + " \""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("this kernel: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("   1. "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("verdict: FAIL"), std::string::npos) << r.out;
}

INSTANTIATE_TEST_SUITE_P(Areas, PlantedDeviation,
                         ::testing::Values("sysv_shmget", "sysv_shmat", "sysv_shmctl", "sysv_info", "sysv_rmid_forced",
                                           "sysv_fork", "posix_names", "posix_shm_open", "posix_size", "posix_mmap",
                                           "memfd_seals"));

}  // namespace
}  // namespace shmh
