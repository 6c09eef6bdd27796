// plugin_ops (fuzz/plugin_ops) against channels it loads by path: each test-only broken channel
// (tests/fuzz/broken_channels/fuzz_broken_ring.c) is a finding of its kind on its reproducer, and
// the reproducers and the plugin_ops corpus pass on correct channels — the same ring without its
// bug, the built-in ring and the two example plugins. Through the replay binary, as `shmharness fuzz
// repro` runs it: a finding traps.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/fuzz/replay_target.h"

namespace {

std::string reproducers() { return std::string(SHMH_SOURCE_DIR) + "/tests/fuzz/plugin_ops_reproducers"; }
std::string corpus() { return std::string(SHMH_SOURCE_DIR) + "/fuzz/plugin_ops/corpus"; }

std::string broken(const std::string& kind) {
  return std::string(SHMH_FUZZ_BROKEN_DIR) + "/libshmh_fuzz_broken_" + kind + ".so";
}

shmh::test::Replayed replay(const std::string& channel, const std::vector<std::string>& inputs) {
  auto r = shmh::test::replay_target(SHMH_REPLAY_BINARY, channel, inputs);
  EXPECT_EQ(r.error, "");
  return r;
}

struct BrokenCase {
  const char* kind;
  const char* says;  // what the finding must name
};

void PrintTo(const BrokenCase& c, std::ostream* os) { *os << c.kind; }

class BrokenChannel : public ::testing::TestWithParam<BrokenCase> {};

TEST_P(BrokenChannel, ItsReproducerIsAFindingThatNamesTheBug) {
  const auto& c = GetParam();
  const shmh::test::Replayed r = replay(broken(c.kind), {reproducers() + "/" + c.kind});
  EXPECT_EQ(r.exit.signal, SIGILL) << r.exit.describe() << "\n" << r.output;
  EXPECT_NE(r.output.find("and the model disagree"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(c.says), std::string::npos) << r.output;
}

INSTANTIATE_TEST_SUITE_P(PluginOps, BrokenChannel,
                         ::testing::Values(BrokenCase{"toobig-drops", "timed out with 1 message(s) queued"},
                                           BrokenCase{"reopen-duplicates", "a second time"},
                                           BrokenCase{"reorders-when-full", "seq 1 before seq 0 of the same writer"}),
                         [](const ::testing::TestParamInfo<BrokenCase>& p) {
                           std::string name = p.param.kind;
                           for (char& ch : name) {
                             if (ch == '-') ch = '_';
                           }
                           return name;
                         });

class CorrectChannel : public ::testing::TestWithParam<std::string> {};

TEST_P(CorrectChannel, PassesEveryReproducerAndTheCorpus) {
  const shmh::test::Replayed r = replay(GetParam(), {reproducers(), corpus()});
  EXPECT_TRUE(r.exit.ok()) << r.exit.describe() << "\n" << r.output;
  EXPECT_NE(r.output.find("replay:"), std::string::npos) << r.output;  // it ran to the end
}

INSTANTIATE_TEST_SUITE_P(PluginOps, CorrectChannel,
                         ::testing::Values(broken("base"), std::string("ring"), std::string(SHMH_SPSC_PLUGIN),
                                           std::string(SHMH_EXAMPLE_PLUGIN)),
                         [](const ::testing::TestParamInfo<std::string>& p) {
                           return "channel" + std::to_string(p.index);
                         });

// Where no environment can be passed (an OSS-Fuzz runner), the file "<binary>.channel" beside the
// binary names the channel, relative to it: the same reproducer is the same finding, and the
// target says which channel it loaded.
TEST(PluginOps, TheChannelFileBesideTheBinaryNamesTheChannel) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(::testing::TempDir()) / ("channel-file." + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path binary = dir / "mine_ops";
  fs::copy_file(SHMH_REPLAY_BINARY, binary, fs::copy_options::overwrite_existing);
  fs::copy_file(broken("toobig-drops"), dir / "libmine.so", fs::copy_options::overwrite_existing);
  std::ofstream(binary.string() + ".channel") << "libmine.so\n";
  const shmh::test::Replayed r = shmh::test::replay_target(binary.string(), "", {reproducers() + "/toobig-drops"});
  fs::remove_all(dir);
  EXPECT_EQ(r.error, "");
  EXPECT_NE(r.output.find("channel fuzz-broken-ring (" + (dir / "libmine.so").string() + ")"), std::string::npos)
      << r.output;
  EXPECT_EQ(r.exit.signal, SIGILL) << r.exit.describe() << "\n" << r.output;
  EXPECT_NE(r.output.find("timed out with 1 message(s) queued"), std::string::npos) << r.output;
}

// A channel that does not load is a clear error at start (exit 2), not a finding.
TEST(PluginOps, AChannelThatDoesNotLoadIsAnErrorNotAFinding) {
  const shmh::test::Replayed r = replay("/nonexistent/libnothing.so", {reproducers() + "/toobig-drops"});
  EXPECT_EQ(r.exit.signal, 0) << r.output;
  EXPECT_EQ(r.exit.code, 2) << r.output;
  EXPECT_NE(r.output.find("plugin_ops:"), std::string::npos) << r.output;
}

}  // namespace
