// The live-counter file: what the runner writes reads back the same, and anything else is refused.
#include "report/stat_file.h"

#include <gtest/gtest.h>

namespace shmh {
namespace {

StatSnapshot sample() {
  StatSnapshot s{.state = "running",
                 .verdict = "",
                 .runner_pid = 4242,
                 .seed = "18446744073709551615",
                 .channel = "channel ring",
                 .progress = {}};
  s.progress.phase = "kill";
  s.progress.phase_index = 4;
  s.progress.phases = 8;
  s.progress.operations = 123456;
  s.progress.kills = 7;
  s.progress.peers = {
      {.peer = "writer 0", .pid = 100, .incarnation = 3, .progress = 60000, .doing = "inside send of seq 9"},
      {.peer = "reader 0", .pid = 101, .incarnation = 0, .progress = 63456, .doing = "inside recv"}};
  return s;
}

TEST(StatFile, RoundTrips) {
  const auto back = parse_stat_file(render_stat_file(sample()));
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->seed, "18446744073709551615");
  EXPECT_EQ(back->progress.phase, "kill");
  EXPECT_EQ(back->progress.kills, 7U);
  ASSERT_EQ(back->progress.peers.size(), 2U);
  EXPECT_EQ(back->progress.peers[0].incarnation, 3U);
  EXPECT_EQ(back->progress.peers[0].doing, "inside send of seq 9");
  const std::string text = render_stat_text(*back, true);
  EXPECT_NE(text.find("running: pid 4242"), std::string::npos) << text;
  EXPECT_NE(text.find("phase 5/8 kill"), std::string::npos) << text;
  EXPECT_NE(render_stat_text(*back, false).find("run gone without ending"), std::string::npos);
}

TEST(StatFile, RefusesWhatIsNotOne) {
  EXPECT_FALSE(parse_stat_file("").ok());
  EXPECT_FALSE(parse_stat_file("[1,2]").ok());
  EXPECT_FALSE(parse_stat_file(R"({"schema":"shmharness-stress/1"})").ok());
  EXPECT_FALSE(parse_stat_file(R"({"schema":5})").ok());  // a schema of the wrong type: refused, not thrown
  std::string text = render_stat_file(sample());
  EXPECT_FALSE(parse_stat_file(text.substr(0, text.size() / 2)).ok());  // half a file
  const auto at = text.find("\"kills\"");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 7, "\"kilts\"");
  const auto missing = parse_stat_file(text);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().detail.find("missing"), std::string::npos) << missing.error().detail;
}

}  // namespace
}  // namespace shmh
