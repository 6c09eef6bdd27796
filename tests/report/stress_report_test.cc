// The stress reporters against golden files, and the properties CI relies on: the JSON verdict
// agrees with the findings, the documented keys are there, JUnit escapes what a finding carries.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>
#include <string_view>

#include "report/stress_json.h"
#include "report/stress_junit.h"
#include "report/stress_repeat.h"
#include "report/stress_text.h"
#include "stress/peer_board.h"
#include "tests/report/golden.h"

namespace shmh {
namespace {

stress::StressResult fixed_result(bool with_finding) {
  stress::StressResult r;
  r.options.channel = "ring";
  r.options.seed = 1234;
  r.options.duration = std::chrono::milliseconds(2000);
  r.channel_name = "ring";
  r.kernel = "6.1.0-test";
  r.sandbox = "sandbox: privileged";
  r.seconds = 2.01;
  stress::PhaseResult a;
  a.phase.name = "1w1r";
  a.phase.workload = "queue";
  a.phase.msg_min = 24;
  a.phase.msg_max = 1024;
  a.shape = "1w/1r 24..1024 B cap 64";  // what the workload's describe() makes of it
  a.unit = "msg/s";
  a.ran = true;
  a.seconds = 1.1;
  a.active_seconds = 1.0;
  a.counts = {.sent = 1000,
              .received = 1000,
              .lost = 0,
              .duplicated = 0,
              .corrupt = 0,
              .reordered = 0,
              .abandoned = 0,
              .bytes = 64000};
  a.latency = {.samples = 1000, .p50 = 1500, .p99 = 20'000, .p999 = 300'000, .max = 2'000'000};
  stress::PhaseResult b;
  b.phase.name = "kill";
  b.phase.workload = "queue";
  b.phase.writers = 2;
  b.phase.readers = 2;
  b.phase.kill_rate = 20;
  b.shape = "2w/2r 64..64 B cap 64 kill 20/s";  // the perturbations' descriptions follow
  b.fitted = "4 writers → 2";                   // the campaign fitted it to the channel
  b.unit = "msg/s";
  b.ran = true;
  b.seconds = 1.1;
  b.active_seconds = 1.0;
  b.kills = 3;
  b.restarts = 3;
  b.timeline = {{.t_s = 0.1, .operations = 100, .kills = 0, .pauses = 0},
                {.t_s = 0.2, .operations = 250, .kills = 1, .pauses = 0}};
  b.latency_bins = {{.upper_ns = 2047, .count = 400}, {.upper_ns = 4095, .count = 99}};
  b.events = {{.t_s = 0.15, .what = "writer 1 (pid 42) killed inside send of seq 9; restarted as incarnation 1"}};
  b.counts = {.sent = 500,
              .received = 499,
              .lost = with_finding ? 1U : 0U,
              .duplicated = 0,
              .corrupt = 0,
              .reordered = 0,
              .abandoned = 1,
              .bytes = 32000};
  stress::PhaseResult c;
  c.phase.name = "broadcast";
  c.phase.workload = "broadcast";
  c.shape = "1w/1r 64..64 B cap 64";
  c.unit = "msg/s";
  c.skipped = "channel x takes one reader";
  r.phases = {a, b, c};
  r.latency = a.latency;
  if (with_finding) {
    r.findings.push_back({.kind = stress::FindingKind::kLost,
                          .phase = "kill",
                          .detail = "1 message(s) <lost> & \"gone\": writer 0 seq 7",
                          .history = {},
                          .events = {}});
    // The flight recorder's excerpt: a writer's last sends (one of an earlier incarnation), and
    // what a reader copied of that writer's history at its first problem.
    auto sent = [](std::uint64_t seq, std::uint16_t incarnation, std::uint64_t t_ns) {
      return stress::FlightEntry{.op = static_cast<std::uint8_t>(stress::PeerOp::kSend),
                                 .outcome = stress::FlightOutcome::kOk,
                                 .incarnation = incarnation,
                                 .size = 64,
                                 .writer = 0,
                                 .seq = seq,
                                 .t_ns = t_ns};
    };
    r.findings[0].history = {{.peer = "writer 0",
                              .pid = 812,
                              .incarnation = 1,
                              .now = "inside send of seq 9",
                              .last = {sent(5, 0, 0), sent(6, 0, 520'000'000), sent(7, 1, 0), sent(8, 1, 0)},
                              .around = stress::kUnknownSeq},
                             {.peer = "writer 0 when reader 0 saw its first problem",
                              .pid = 0,
                              .incarnation = 0,
                              .now = "",
                              .last = {sent(6, 0, 520'000'000), sent(7, 1, 0)},
                              .around = 7}};
    r.findings[0].events = {{.t_s = 0.51,
                             .what = "writer 0 (pid 811) killed inside send of seq 7; restarted as "
                                     "incarnation 1"}};
  }
  return r;
}

TEST(StressReport, TextMatchesGolden) { test::expect_golden(render_stress_text(fixed_result(true)), "stress.txt"); }

TEST(StressReport, JsonMatchesGolden) { test::expect_golden(render_stress_json(fixed_result(true)), "stress.json"); }

TEST(StressReport, JunitMatchesGolden) { test::expect_golden(render_stress_junit(fixed_result(true)), "stress.xml"); }

TEST(StressReport, JsonVerdictFollowsTheFindings) {
  auto pass = nlohmann::json::parse(render_stress_json(fixed_result(false)));
  EXPECT_EQ(pass["verdict"], "pass");
  EXPECT_TRUE(pass["findings"].empty());
  auto fail = nlohmann::json::parse(render_stress_json(fixed_result(true)));
  EXPECT_EQ(fail["verdict"], "fail");
  EXPECT_EQ(fail["findings"][0]["kind"], "lost");
  EXPECT_EQ(fail["counts"]["sent"], 1500);
  EXPECT_EQ(fail["counts"]["abandoned"], 1);
  EXPECT_EQ(fail["phases"][2]["ran"], false);
  EXPECT_EQ(fail["phases"][2]["skipped"], "channel x takes one reader");
  EXPECT_EQ(fail["phases"][1]["fitted"], "4 writers → 2");
  EXPECT_EQ(fail["phases"][0]["fitted"], "");
  auto interrupted = fixed_result(false);
  interrupted.interrupted = true;
  EXPECT_EQ(nlohmann::json::parse(render_stress_json(interrupted))["verdict"], "interrupted");
  auto error = fixed_result(false);
  error.error = logic_error("channel ring", "failed");
  EXPECT_EQ(nlohmann::json::parse(render_stress_json(error))["verdict"], "error");
  EXPECT_EQ(nlohmann::json::parse(render_stress_json(error))["error"], "channel ring: failed");
}

TEST(StressReport, QuietVerdictIsTheSummarysLastLine) {
  const auto r = fixed_result(true);
  const std::string text = render_stress_text(r);
  const std::string verdict = render_stress_verdict(r);
  ASSERT_GE(text.size(), verdict.size());
  EXPECT_EQ(text.substr(text.size() - verdict.size()), verdict);
  EXPECT_EQ(verdict.rfind("verdict: fail (1 finding(s)); seed 1234", 0), 0U) << verdict;
}

TEST(StressReport, EveryFindingKindHasItsStableName) {
  // The names are the reports' vocabulary: each is unique, and looks itself up.
  std::set<std::string_view> names;
  for (const auto& k : stress::kFindingKinds) {
    EXPECT_TRUE(names.insert(k.name).second) << k.name;
    EXPECT_EQ(stress::finding_kind_named(k.name), k.kind);
    EXPECT_FALSE(k.meaning.empty()) << k.name;
  }
  EXPECT_EQ(stress::to_string(stress::FindingKind::kPeerCrash), "peer-crash");
  EXPECT_EQ(stress::finding_kind_named("no-such-kind"), std::nullopt);
}

TEST(StressReport, ProgressLine) {
  stress::ProgressSnapshot s;
  s.phase = "edges";
  s.phase_index = 2;
  s.phases = 6;
  s.elapsed_s = 12.34;
  s.total_s = 30;
  s.operations = 1'234'567;
  s.kills = 4;
  s.ops_per_s = 850'000;
  EXPECT_EQ(render_stress_progress(s), "[12.3/30.0 s] phase 3/6 edges  1.23 Mops  850.0 kops/s  4 kills  0 findings");
  s.total_s = 86400;  // --messages alone
  s.ops_per_s = 0;
  EXPECT_EQ(render_stress_progress(s).rfind("[12.3 s] phase 3/6", 0), 0U);
}

TEST(StressReport, JunitEscapesFindingText) {
  const std::string xml = render_stress_junit(fixed_result(true));
  EXPECT_EQ(xml.find("<lost>"), std::string::npos);
  EXPECT_NE(xml.find("&lt;lost&gt; &amp; &quot;gone&quot;"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<skipped message=\"channel x takes one reader\"/>"), std::string::npos) << xml;
}

TEST(StressRepeat, TallyCountsRunsPerKindAndPhaseOnce) {
  auto found = fixed_result(true);                   // lost [kill]
  found.findings.push_back(found.findings.front());  // twice in one run: counted once
  auto passed = fixed_result(false);
  passed.options.seed = 99;
  auto again = fixed_result(true);
  again.options.seed = 7;
  const std::vector<stress::StressResult> runs{found, passed, again};
  const auto rows = tally_repeats(runs);
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0].kind, stress::FindingKind::kLost);
  EXPECT_EQ(rows[0].phase, "kill");
  EXPECT_EQ(rows[0].seeds, (std::vector<std::uint64_t>{1234, 7}));
  EXPECT_EQ(repeat_verdict(runs, 3), stress::Verdict::kFail);
  const std::string text = render_repeat_summary(runs, 3);
  EXPECT_NE(text.find("lost [kill] in 2 of 3 run(s) (seeds 1234, 7)"), std::string::npos) << text;
  const auto doc = nlohmann::json::parse(render_repeat_json(runs, 3));
  EXPECT_EQ(doc["schema"], "shmharness-stress-repeat/1");
  EXPECT_EQ(doc["verdict"], "fail");
  EXPECT_EQ(doc["runs_with_findings"], 2);
  EXPECT_EQ(doc["runs"].size(), 3U);
  EXPECT_EQ(doc["runs"][1]["schema"], "shmharness-stress/1") << "each run's own report, nested";
  EXPECT_EQ(doc["tally"][0]["runs"], 2);
}

TEST(StressRepeat, FewerRunsThanPlannedWithoutAFindingIsInterrupted) {
  const std::vector<stress::StressResult> runs{fixed_result(false)};
  EXPECT_EQ(repeat_verdict(runs, 1), stress::Verdict::kPass);
  EXPECT_EQ(repeat_verdict(runs, 4), stress::Verdict::kInterrupted);
  auto failed_to_run = fixed_result(false);
  failed_to_run.error = logic_error("channel x", "failed its preflight");
  EXPECT_EQ(repeat_verdict({fixed_result(false), failed_to_run}, 4), stress::Verdict::kError);
}

}  // namespace
}  // namespace shmh
