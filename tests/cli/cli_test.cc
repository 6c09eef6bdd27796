// The shmharness binary as a user runs it: exit codes, one-line errors, verdicts, and clean.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/cleanup/leftovers.h"
#include "core/cleanup/sysvipc_table.h"
#include "core/segment/posix_segment.h"
#include "core/segment/sysv_segment.h"
#include "core/sys/sys.h"
#include "report/stat_file.h"
#include "tests/support/test_support.h"

namespace shmh {
namespace {

using CliRun = test::ProgramRun;

// Runs shmharness with `args`, capturing both streams.
CliRun shmharness(const std::vector<std::string>& args) { return test::run_program(SHMH_CLI_PATH, args); }

std::size_t lines(const std::string& s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')); }

class BadArguments : public ::testing::TestWithParam<std::vector<std::string>> {};

TEST_P(BadArguments, ExitTwoWithOneLine) {
  const CliRun r = shmharness(GetParam());
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_EQ(lines(r.err), 1U) << r.err;
  EXPECT_EQ(r.err.rfind("shmharness", 0), 0U) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

INSTANTIATE_TEST_SUITE_P(
    Cli, BadArguments,
    ::testing::Values(
        std::vector<std::string>{"limits", "--fix-file", "/tmp/shmh-never.conf"},
        std::vector<std::string>{"stress", "--repeat", "2", "--html", "/tmp/shmh-never.html"},
        std::vector<std::string>{}, std::vector<std::string>{"frobnicate"}, std::vector<std::string>{"--bogus"},
        std::vector<std::string>{"smoke", "--size", "0"}, std::vector<std::string>{"smoke", "--size", "lots"},
        std::vector<std::string>{"smoke", "--size", "99999999999T"},
        std::vector<std::string>{"smoke", "--backend", "shmem"}, std::vector<std::string>{"smoke", "--seed", "minus"},
        std::vector<std::string>{"smoke", "extra"}, std::vector<std::string>{"clean", "--bogus"},
        std::vector<std::string>{"smoke", "clean"}, std::vector<std::string>{"limits", "--require", "segmnts=3"},
        std::vector<std::string>{"limits", "--require", "segment-size=99999P"},
        std::vector<std::string>{"limits", "--require", "segments=1,segments=2"},
        std::vector<std::string>{"limits", "--profile", "/no/such/profile"},
        std::vector<std::string>{"limits", "--probe"},
        std::vector<std::string>{"limits", "--require", "posix=1M", "--max-bytes", "x"},
        std::vector<std::string>{"limits", "--require", "posix=4M", "--probe", "--max-bytes", "1M"},
        std::vector<std::string>{"conform", "--sequences", "-1"},
        std::vector<std::string>{"conform", "--as-user", "bob"}, std::vector<std::string>{"conform", "--as-user", "0"},
        std::vector<std::string>{"conform", "extra"}, std::vector<std::string>{"fuzz"},
        std::vector<std::string>{"fuzz", "run", "no_such_target"},
        std::vector<std::string>{"fuzz", "run", "--time", "0"},
        std::vector<std::string>{"fuzz", "run", "--time", "ten"},
        std::vector<std::string>{"fuzz", "run", "--jobs", "0"},
        std::vector<std::string>{"fuzz", "run", "sysv_api", "--fuzzers", "/no/such/dir"},
        std::vector<std::string>{"fuzz", "repro", "sysv_api"},
        std::vector<std::string>{"fuzz", "repro", "sysv_api", "/no/such/input"},
        std::vector<std::string>{"fuzz", "repro", "nope", "/etc/hostname"}, std::vector<std::string>{"fuzz", "channel"},
        std::vector<std::string>{"fuzz", "channel", "/no/such/lib.so"},
        std::vector<std::string>{"fuzz", "channel", "rnig"},
        std::vector<std::string>{"fuzz", "repro", "plugin_ops", "/etc/hostname", "--channel", "/no/such/lib.so"},
        std::vector<std::string>{"fuzz", "repro", "plugin_ops", "/no/such/dir"},
        std::vector<std::string>{"stress", "--writers", "0"}, std::vector<std::string>{"stress", "--readers", "65"},
        std::vector<std::string>{"stress", "--capacity", "0"}, std::vector<std::string>{"stress", "--msg-size", "0:0"},
        std::vector<std::string>{"stress", "--msg-size", "lots"},
        std::vector<std::string>{"stress", "--msg-size", "100:50"},
        std::vector<std::string>{"stress", "--msg-size", "64:4G"},
        std::vector<std::string>{"stress", "--workload", "nope"},
        std::vector<std::string>{"stress", "--backend", "shmem"},
        std::vector<std::string>{"stress", "--duration", "forever"}, std::vector<std::string>{"stress", "--kill", "-1"},
        std::vector<std::string>{"stress", "--threads", "--kill", "5"},
        std::vector<std::string>{"stress", "--messages", "0"}, std::vector<std::string>{"stress", "--channel", "rnig"},
        std::vector<std::string>{"stress", "--channel", "/no/such/libchannel.so"},
        std::vector<std::string>{"stress", "--channel", "/etc/hostname"},
        // Bad inputs that once ran anyway (issue 11): NaN and infinite rates, a System V workload
        // asked for another backend, readers for a workload without any, a workload's option
        // without its workload, a segment size that is not whole MiB, a segment beyond memory.
        std::vector<std::string>{"stress", "--kill", "nan"}, std::vector<std::string>{"stress", "--kill", "inf"},
        std::vector<std::string>{"stress", "--workload", "churn", "--backend", "posix"},
        std::vector<std::string>{"stress", "--workload", "churn", "--readers", "2"},
        std::vector<std::string>{"stress", "--segment-size", "4MiB"},
        std::vector<std::string>{"stress", "--workload", "queue", "--segment-size", "4MiB"},
        std::vector<std::string>{"stress", "--workload", "churn", "--segment-size", "3k"},
        std::vector<std::string>{"smoke", "--size", "1T"}, std::vector<std::string>{"stress", "--pause", "nan"},
        std::vector<std::string>{"stress", "--pause", "-2"},
        std::vector<std::string>{"stress", "--threads", "--pause", "5"},
        std::vector<std::string>{"fuzz", "list", "--prefix", "/no/such/prefix"},
        // Issue 12: kills and --no-kill together; tiny messages where they cannot be checked.
        std::vector<std::string>{"stress", "--kill", "5", "--no-kill"}));

// Known only once the channel's flags are: tiny messages need one writer per FIFO channel. The run
// has begun (its header is out) when it is refused — still exit 2, one line saying what to do.
TEST(StressCli, TinyMessagesWhereTheyCannotBeCheckedAreRefused) {
  const CliRun r = shmharness({"stress", "--msg-size", "0:64", "--writers", "2"});
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_EQ(lines(r.err), 1U) << r.err;
  EXPECT_NE(r.err.find("--msg-size 8:MAX"), std::string::npos) << r.err;
}

TEST(Cli, SmokeBeyondMemoryIsRefusedNotAFailedCheck) {
  // 1 TiB cannot be held here: refused before anything runs (like limits --probe), with the way out.
  const CliRun r = shmharness({"smoke", "--size", "1T", "--backend", "memfd"});
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("MemAvailable"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--force"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("FAIL"), std::string::npos) << "nothing was shared wrongly: " << r.out;
}

TEST(Cli, ChurnTakesItsOwnOption) {
  const CliRun r =
      shmharness({"stress", "--workload", "churn", "--segment-size", "2MiB", "--duration", "300ms", "--json", "-"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("\"segment_size_mib\": 2"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("2 MiB segments"), std::string::npos) << "the text (on stderr with --json -):\n" << r.err;
}

TEST(Cli, FuzzListNamesEveryTargetOfTheOneList) {
  const CliRun r = shmharness({"fuzz", "list"});
  ASSERT_EQ(r.code, 0) << r.err;
  std::ifstream list(std::string(SHMH_SOURCE_DIR) + "/fuzz/targets.tsv");
  std::size_t targets = 0;
  for (std::string line; std::getline(list, line);) {
    if (line.empty() || line[0] == '#') continue;
    const std::string name = line.substr(0, line.find('\t'));
    ++targets;
    EXPECT_NE(r.out.find(name), std::string::npos) << name << " missing from:\n" << r.out;
  }
  EXPECT_GE(targets, 4U) << "fuzz/targets.tsv lists the targets";
}

// The reproducer of a fixed bug (a one-slot ring overwrote an unread message) passes now.
TEST(Cli, FuzzReproOfAFixedRegressionPasses) {
  const std::string input = std::string(SHMH_SOURCE_DIR) + "/fuzz/channel_ops/regressions/capacity-1-overwrite";
  const std::string out = ::testing::TempDir() + "/fuzz-repro";
  const CliRun r = shmharness({"fuzz", "repro", "channel_ops", input, "--out", out});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("passes"), std::string::npos) << r.out;
}

// Inputs run through a channel named on the command line: each that reproduces a finding is named.
TEST(Cli, FuzzReproOnAChannelNamesTheInputsThatReproduce) {
  const std::string reproducers = std::string(SHMH_SOURCE_DIR) + "/tests/fuzz/plugin_ops_reproducers";
  const std::string out = ::testing::TempDir() + "/fuzz-repro-channel";
  // --fuzzers: this build's directory, which holds replay binaries only, so the replay binary built
  // like the channels runs them (a fuzz preset's ASan libFuzzer binary cannot load a TSan plugin).
  const std::string here = SHMH_REPLAY_DIR;
  const CliRun bad = shmharness({"fuzz", "repro", "plugin_ops", reproducers, "--channel",
                                 std::string(SHMH_FUZZ_BROKEN_DIR) + "/libshmh_fuzz_broken_toobig-drops.so", "--out",
                                 out, "--fuzzers", here});
  EXPECT_EQ(bad.code, 1) << bad.out << bad.err;
  EXPECT_NE(bad.out.find("toobig-drops reproduces"), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("3 input(s), 1 reproduce a finding"), std::string::npos) << bad.out;
  const CliRun good =
      shmharness({"fuzz", "repro", "plugin_ops", reproducers, "--with-corpus", "--channel",
                  std::string(SHMH_FUZZ_BROKEN_DIR) + "/libshmh_fuzz_broken_base.so", "--out", out, "--fuzzers", here});
  EXPECT_EQ(good.code, 0) << good.out << good.err;
  EXPECT_NE(good.out.find(", 0 reproduce a finding"), std::string::npos) << good.out;
}

TEST(Cli, VersionAndHelp) {
  const CliRun v = shmharness({"--version"});
  EXPECT_EQ(v.code, 0);
  EXPECT_EQ(v.out.rfind("shmharness ", 0), 0U) << v.out;
  const CliRun h = shmharness({"--help"});
  EXPECT_EQ(h.code, 0);
  for (const char* word : {"smoke", "clean", "Exit codes"}) EXPECT_NE(h.out.find(word), std::string::npos) << word;
  const CliRun sh = shmharness({"smoke", "--help"});
  EXPECT_EQ(sh.code, 0);
  EXPECT_NE(sh.out.find("--seed"), std::string::npos);
}

TEST(Cli, SmokePassesAndReplaysItsSeed) {
  const CliRun r = shmharness({"smoke", "--seed", "5", "--size", "64k"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("seed 5 "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("verdict: PASS (3 of 3"), std::string::npos) << r.out;
  for (const char* b : {"sysv", "posix", "memfd"}) EXPECT_NE(r.out.find(std::string("  ") + b), std::string::npos);
  const CliRun unseeded = shmharness({"smoke", "--size", "4k"});
  EXPECT_EQ(unseeded.code, 0);
  EXPECT_NE(unseeded.out.find("replay with --seed "), std::string::npos) << "a run without --seed prints its seed";
}

TEST(Cli, SmokeWithoutSandboxLeavesNothing) {
  const CliRun r = shmharness({"smoke", "--no-sandbox", "--quiet", "--size", "8k"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(lines(r.out), 1U) << "--quiet prints the verdict only: " << r.out;
  auto left = find_leftovers();
  ASSERT_TRUE(left);
  EXPECT_TRUE(left->empty());
}

TEST(Cli, InterruptedRunOutsideASandboxLeavesNothing) {
  // A big --no-sandbox run is interrupted mid-check: the supervisor must remove what it made.
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(devnull, 1);
    ::dup2(devnull, 2);
    ::execl(SHMH_CLI_PATH, SHMH_CLI_PATH, "smoke", "--no-sandbox", "--size", "1G", "--backend", "sysv", "--backend",
            "posix", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ASSERT_GT(pid, 0);
  // Wait until the run has created something (or ended without), then interrupt it.
  bool created = false;
  int status = 0;
  bool ended = false;
  while (!created && !ended) {
    auto left = find_leftovers();
    created = left && !left->empty();
    ended = !created && ::waitpid(pid, &status, WNOHANG) == pid;
    if (!created && !ended) ::usleep(1000);
  }
  ASSERT_TRUE(created) << "the run ended without creating a tagged object";
  ::kill(pid, SIGTERM);
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "the supervisor itself died";
  EXPECT_EQ(WEXITSTATUS(status), 2);
  auto left = find_leftovers();
  ASSERT_TRUE(left);
  EXPECT_TRUE(left->empty()) << left->size() << " tagged object(s) left after the interrupt";
}

TEST(Cli, SmokeOnAFullDevShmIsAnEnvironmentError) {
  test::ScopedDevShmSize small(std::uint64_t{64} << 10);
  const CliRun r = shmharness({"smoke", "--backend", "posix", "--size", "1M"});
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_EQ(lines(r.err), 1U) << r.err;
  EXPECT_NE(r.err.find("ENOSPC"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("verdict: ERROR"), std::string::npos) << r.out;
}

TEST(Cli, CleanRemovesTaggedLeftoversAndNothingElse) {
  // A child creates tagged objects and an untagged one, and dies without removing them.
  const auto exit = test::run_child([]() -> ChildReport {
    auto t = SysvSegment::create_tagged(4096);
    auto p = PosixSegment::create_tagged(4096);
    auto u = SysvSegment::create({.key = 0x2222, .size = 4096});
    auto o = PosixSegment::create({.name = "/someone-elses", .size = 4096});
    if (!t || !p || !u || !o) return "create failed";
    t->release();
    p->release();
    u->release();
    o->release();
    return "";
  });
  ASSERT_TRUE(exit.ok()) << exit.describe();

  const CliRun dry = shmharness({"clean", "--dry-run"});
  EXPECT_EQ(dry.code, 1) << "leftovers found is a finding: " << dry.out << dry.err;
  EXPECT_EQ(std::count(dry.out.begin(), dry.out.end(), '\n'), 3) << dry.out;
  EXPECT_NE(dry.out.find("would remove  sysv"), std::string::npos) << dry.out;
  EXPECT_NE(dry.out.find("would remove  posix /shmh."), std::string::npos) << dry.out;

  const CliRun clean = shmharness({"clean"});
  EXPECT_EQ(clean.code, 0) << clean.out << clean.err;
  EXPECT_NE(clean.out.find("removed 2 leftover(s)"), std::string::npos) << clean.out;

  const CliRun after = shmharness({"clean", "--dry-run"});
  EXPECT_EQ(after.code, 0) << after.out;
  EXPECT_TRUE(SysvSegment::open(0x2222).ok()) << "untagged System V segment removed";
  EXPECT_TRUE(PosixSegment::open("/someone-elses").ok()) << "untagged POSIX object removed";
  (void)SysvSegment::open(0x2222)->remove();
  (void)sys::shm_unlink("/someone-elses");
}

TEST(Cli, CleanKeepsObjectsInUse) {
  auto ours = SysvSegment::create_tagged(4096);  // creator (this test) alive
  ASSERT_TRUE(ours);
  const CliRun dry = shmharness({"clean", "--dry-run"});
  EXPECT_EQ(dry.code, 0) << dry.out;
  EXPECT_NE(dry.out.find("kept"), std::string::npos) << dry.out;
  const CliRun clean = shmharness({"clean"});
  EXPECT_EQ(clean.code, 0);
  EXPECT_TRUE(ours->stat().ok()) << "clean removed a segment whose creator is alive";
}

}  // namespace
}  // namespace shmh

namespace shmh {
namespace {

// --- stress -------------------------------------------------------------------------------

std::string broken_plugin(const char* name) { return std::string(SHMH_BROKEN_DIR) + "/libshmh_broken_" + name + ".so"; }

TEST(CliStress, PassesWithReportsThatAgreeWithTheExitCode) {
  const std::string json = ::testing::TempDir() + "/stress.json";
  const std::string junit = ::testing::TempDir() + "/stress.xml";
  const CliRun r = shmharness({"stress", "--duration", "1200ms", "--seed", "77", "--json", json, "--junit", junit});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("seed 77 (replay with --seed 77)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("verdict: pass"), std::string::npos) << r.out;
  std::ifstream in(json);
  const auto doc = nlohmann::json::parse(in, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << "the JSON report does not parse";
  EXPECT_EQ(doc["schema"], "shmharness-stress/1");
  EXPECT_EQ(doc["verdict"], "pass");
  EXPECT_EQ(doc["seed"], 77U);
  for (const char* key :
       {"options", "kernel", "counts", "throughput", "latency_ns", "findings", "leaked_segments", "phases"}) {
    EXPECT_TRUE(doc.contains(key)) << key;
  }
  for (const char* key : {"sent", "received", "lost", "duplicated", "corrupt", "reordered", "abandoned"}) {
    EXPECT_TRUE(doc["counts"].contains(key)) << key;
  }
  for (const char* key : {"p50", "p99", "p999", "max"}) EXPECT_TRUE(doc["latency_ns"].contains(key)) << key;
  EXPECT_GT(doc["counts"]["received"].get<std::uint64_t>(), 0U);
  // The campaign's kill phase may lose a message to a reader killed inside recv (abandoned, never
  // lost): everything sent arrived or is explained by a kill.
  const auto sent = doc["counts"]["sent"].get<std::uint64_t>();
  const auto received = doc["counts"]["received"].get<std::uint64_t>();
  EXPECT_EQ(doc["counts"]["lost"], 0) << r.out;
  EXPECT_LE(received, sent) << r.out;
  EXPECT_LE(sent - received, doc["counts"]["abandoned"].get<std::uint64_t>()) << r.out;
  EXPECT_EQ(doc["leaked_segments"], 0) << r.out;
  EXPECT_GT(doc["throughput"]["msgs_per_s"].get<double>(), 0);
  EXPECT_GE(doc["phases"].size(), 5U) << "the default campaign explores";
  EXPECT_TRUE(doc["findings"].empty()) << r.out;
  std::ifstream x(junit);
  const std::string xml((std::istreambuf_iterator<char>(x)), std::istreambuf_iterator<char>());
  EXPECT_NE(xml.find("<testsuite name=\"shmharness stress ring\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("failures=\"0\""), std::string::npos) << xml;
  EXPECT_EQ(xml.find("<failure"), std::string::npos) << xml;
}

TEST(CliStress, ABrokenChannelIsExitOneWithTheFindingInEveryReport) {
  const std::string junit = ::testing::TempDir() + "/broken.xml";
  const CliRun r = shmharness({"stress", "--channel", broken_plugin("duplicate"), "--workload", "queue", "--duration",
                               "600ms", "--json", "-", "--junit", junit});
  ASSERT_EQ(r.code, 1) << r.out << r.err;
  const auto doc = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << "--json - keeps stdout JSON only: " << r.out;
  EXPECT_EQ(doc["verdict"], "fail");
  ASSERT_FALSE(doc["findings"].empty());
  EXPECT_EQ(doc["findings"][0]["kind"], "duplicated");
  EXPECT_GT(doc["counts"]["duplicated"].get<std::uint64_t>(), 0U);
  EXPECT_NE(r.err.find("FINDING duplicated"), std::string::npos) << "the summary goes to stderr: " << r.err;
  std::ifstream x(junit);
  const std::string xml((std::istreambuf_iterator<char>(x)), std::istreambuf_iterator<char>());
  EXPECT_NE(xml.find("<failure type=\"duplicated\""), std::string::npos) << xml;
}

// Splits a replay command as a shell would (no quoting needed for the paths this test uses).
std::vector<std::string> words_of(const std::string& command) {
  std::vector<std::string> words;
  std::istringstream in(command);
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

// --html without Chart.js is refused before anything runs, in every command that draws one.
TEST(CliHtml, MissingChartJsIsOneLineBeforeTheRun) {
  ASSERT_EQ(::setenv("SHMH_CHARTJS", "/nonexistent/chart.min.js", 1), 0);  // NOLINT(concurrency-mt-unsafe)
  const std::string html = "/tmp/shmh-cli-html-" + std::to_string(::getpid()) + ".html";
  for (const auto& args : std::vector<std::vector<std::string>>{{"stress", "--duration", "10m", "--html", html},
                                                                {"limits", "--html", html}}) {
    const CliRun r = shmharness(args);
    EXPECT_EQ(r.code, 2) << args[0] << ": " << r.out << r.err;
    EXPECT_EQ(lines(r.err), 1U) << r.err;
    EXPECT_NE(r.err.find("apt-get install libjs-chart.js"), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(html));
  }
  ASSERT_EQ(::unsetenv("SHMH_CHARTJS"), 0);  // NOLINT(concurrency-mt-unsafe)
}

TEST(CliStress, FailFastEndsTheRunAtTheFirstFindingAndSaysWhatDidNotRun) {
  // broken "corrupt" damages every 500th message of a writer: the first phase finds it.
  const CliRun r = shmharness({"stress", "--channel", broken_plugin("corrupt"), "--messages", "1000", "--seed", "7",
                               "--fail-fast", "--json", "-"});
  ASSERT_EQ(r.code, 1) << r.out << r.err;
  const auto doc = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << r.out;
  EXPECT_EQ(doc["cut_short"], true);
  EXPECT_EQ(doc["options"]["fail_fast"], true);
  ASSERT_FALSE(doc["findings"].empty());
  const std::string found_in = doc["findings"][0]["phase"];
  bool after = false;
  std::size_t not_run = 0;
  for (const auto& p : doc["phases"]) {
    if (after) {
      EXPECT_FALSE(p.contains("counts") && p["counts"]["sent"].get<std::uint64_t>() > 0) << p.dump();
      EXPECT_NE(p["skipped"].get<std::string>().find("--fail-fast"), std::string::npos) << p.dump();
      ++not_run;
    }
    after = after || p["name"] == found_in;
  }
  EXPECT_GT(not_run, 0U) << "the first phase found it: the others must not have run";
  for (const auto& f : doc["findings"]) EXPECT_EQ(f["phase"], found_in) << "no phase ran after the finding";
  EXPECT_NE(r.err.find("cut short by --fail-fast"), std::string::npos) << r.err;
  // The flight recorder: the text's excerpt, and in the JSON the send of the message the reader
  // found damaged (every 500th: seq 499), as the reader copied the writer's history then.
  EXPECT_NE(r.err.find("history: writer 0 (pid "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("writer 0 when reader 0 saw its first problem: "), std::string::npos) << r.err;
  bool send_found = false;
  for (const auto& f : doc["findings"]) {
    for (const auto& h : f["history"]) {
      if (h["now"].is_null() && h["around"] == 499) {
        for (const auto& e : h["last"]) send_found = send_found || (e["op"] == "send" && e["seq"] == 499);
      }
    }
  }
  EXPECT_TRUE(send_found) << doc["findings"].dump();
}

TEST(CliStress, AFindingsReplayCommandReproducesItsPhaseAlone) {
  // --messages, not a duration: the phase reaches the 500th message however slow the machine (a sanitizer).
  const CliRun r = shmharness({"stress", "--channel", broken_plugin("corrupt"), "--messages", "1000", "--seed", "11",
                               "--fail-fast", "--json", "-", "--quiet"});
  ASSERT_EQ(r.code, 1) << r.out << r.err;
  const auto doc = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << r.out;
  ASSERT_FALSE(doc["findings"].empty());
  const auto& first = doc["findings"][0];
  const std::string replay = first["replay"];
  EXPECT_NE(replay.find("--seed 11"), std::string::npos) << replay;
  EXPECT_NE(replay.find("--phase " + first["phase"].get<std::string>()), std::string::npos) << replay;
  auto args = words_of(replay);
  ASSERT_GE(args.size(), 2U);
  ASSERT_EQ(args[0], "shmharness");
  args.erase(args.begin());
  args.insert(args.end(), {"--json", "-", "--quiet"});
  const CliRun again = shmharness(args);
  ASSERT_EQ(again.code, 1) << replay << "\n" << again.out << again.err;
  const auto redo = nlohmann::json::parse(again.out, nullptr, false);
  ASSERT_FALSE(redo.is_discarded()) << again.out;
  ASSERT_EQ(redo["phases"].size(), 1U) << "--phase runs that phase only";
  EXPECT_EQ(redo["phases"][0]["name"], first["phase"]);
  EXPECT_EQ(redo["seed"], 11U);
  bool same = false;
  for (const auto& f : redo["findings"]) same = same || (f["kind"] == first["kind"] && f["phase"] == first["phase"]);
  EXPECT_TRUE(same) << "the replay did not find " << first.dump() << " again: " << again.out;
}

TEST(CliStress, RepeatRunsWithDerivedSeedsAndTalliesWhatEachFound) {
  const CliRun r = shmharness({"stress", "--channel", broken_plugin("duplicate"), "--workload", "queue", "--messages",
                               "1200", "--seed", "21", "--repeat", "3", "--json", "-"});
  ASSERT_EQ(r.code, 1) << r.out << r.err;
  const auto doc = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << r.out;
  EXPECT_EQ(doc["schema"], "shmharness-stress-repeat/1");
  EXPECT_EQ(doc["verdict"], "fail");
  ASSERT_EQ(doc["runs"].size(), 3U);
  std::set<std::uint64_t> seeds;
  for (const auto& run : doc["runs"]) seeds.insert(run["seed"].get<std::uint64_t>());
  EXPECT_EQ(seeds.size(), 3U) << "each repeat draws its own seed";
  EXPECT_EQ(doc["runs"][0]["seed"], 21U) << "the first run is the given seed";
  bool tallied = false;
  for (const auto& row : doc["tally"]) tallied = tallied || (row["kind"] == "duplicated" && row["runs"] == 3);
  EXPECT_TRUE(tallied) << doc["tally"].dump();
  EXPECT_NE(r.err.find("duplicated [queue] in 3 of 3 run(s)"), std::string::npos) << r.err;

  const CliRun pass = shmharness({"stress", "--workload", "queue", "--messages", "500", "--repeat", "2", "--quiet"});
  EXPECT_EQ(pass.code, 0) << pass.out << pass.err;
  EXPECT_NE(pass.out.find("repeat: 2 of 2 run(s), 0 with findings"), std::string::npos) << pass.out;
  EXPECT_EQ(shmharness({"stress", "--repeat", "0"}).code, 2);
  const CliRun junit = shmharness({"stress", "--repeat", "2", "--junit", ::testing::TempDir() + "/r.xml"});
  EXPECT_EQ(junit.code, 2);
  EXPECT_NE(junit.err.find("--json"), std::string::npos) << junit.err;
}

TEST(CliStress, PhaseRefusesAnUnknownNameAndNarrowingOptions) {
  const CliRun unknown = shmharness({"stress", "--phase", "nope", "--duration", "1s"});
  EXPECT_EQ(unknown.code, 2);
  EXPECT_NE(unknown.err.find("no such phase"), std::string::npos) << unknown.err;
  EXPECT_NE(unknown.err.find("wakeup"), std::string::npos) << "the message lists the phases: " << unknown.err;
  const CliRun narrowed = shmharness({"stress", "--phase", "kill", "--writers", "2", "--duration", "1s"});
  EXPECT_EQ(narrowed.code, 2);
  EXPECT_NE(narrowed.err.find("--phase kill"), std::string::npos) << narrowed.err;
}

TEST(CliStress, ACrashingPluginIsACleanErrorNotACrash) {
  const CliRun r = shmharness({"stress", "--channel", broken_plugin("crash"), "--duration", "1s", "--quiet"});
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_EQ(lines(r.err), 1U) << r.err;
  EXPECT_NE(r.err.find("in send"), std::string::npos) << r.err;
}

TEST(CliStress, AFullDevShmIsAnEnvironmentErrorNotASigbus) {
  test::ScopedDevShmSize small(std::uint64_t{64} << 10);
  const CliRun r = shmharness({"stress", "--backend", "posix", "--capacity", "1024", "--msg-size", "4000", "-q"});
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_EQ(lines(r.err), 1U) << r.err;
  EXPECT_NE(r.err.find("ENOSPC"), std::string::npos) << r.err;
  const CliRun regions = shmharness(
      {"stress", "--workload", "regions", "--backend", "posix", "--writers", "64", "--msg-size", "64k", "-q"});
  EXPECT_EQ(regions.code, 2) << regions.out << regions.err;
  EXPECT_NE(regions.err.find("ENOSPC"), std::string::npos) << regions.err;
}

TEST(CliStress, QuietPrintsOnlyTheVerdict) {
  const CliRun r = shmharness({"stress", "--workload", "regions", "--backend", "memfd", "--duration", "300ms", "-q"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(lines(r.out), 1U) << r.out;
  EXPECT_EQ(r.out.rfind("verdict: pass", 0), 0U) << r.out;
}

// Starts shmharness stress in its own process group with stdout into a file; returns its pid.
pid_t start_stress(const std::vector<std::string>& args, const std::string& out_path) {
  ::unlink(out_path.c_str());  // a previous run's header must not read as this run's readiness
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(out, 1);
    ::dup2(devnull, 2);
    std::vector<char*> argv{const_cast<char*>(SHMH_CLI_PATH), const_cast<char*>("stress")};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(SHMH_CLI_PATH, argv.data());
    ::_exit(127);
  }
  return pid;
}

// Waits until the run `pid` writing to `path` has printed its header (it is running: the seed line
// is flushed before the first phase), or has ended. No time bound: the condition, not a clock, ends it.
bool wait_until_running(pid_t pid, const std::string& path) {
  for (;;) {
    std::ifstream in(path);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (text.find("shmharness stress: seed") != std::string::npos) return true;
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return false;  // ended before it ran
    ::usleep(1000);                                             // polling a condition, not waiting for time
  }
}

std::set<std::string> shm_objects() {
  std::set<std::string> out;
  if (auto rows = read_sysvipc_shm()) {
    for (const auto& row : *rows) out.insert("sysv " + std::to_string(row.shmid));
  }
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/dev/shm", ec)) out.insert(e.path().string());
  return out;
}

TEST(CliStress, CtrlCEndsWithAPartialReport) {
  const std::string out = ::testing::TempDir() + "/interrupted.txt";
  const pid_t pid = start_stress({"--duration", "60s", "--seed", "5"}, out);
  ASSERT_GT(pid, 0);
  ASSERT_TRUE(wait_until_running(pid, out)) << "the run ended before it was interrupted";
  ::kill(-pid, SIGINT);  // the whole group, as a terminal's Ctrl-C does
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 2) << "a run cut short never passes";
  std::ifstream in(out);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("verdict: interrupted"), std::string::npos) << text;
  EXPECT_NE(text.find("1w1r"), std::string::npos) << "the partial report shows the phase that ran: " << text;
  EXPECT_NE(text.find("seed 5"), std::string::npos) << text;
}

TEST(CliStress, SigkillOfTheWholeRunLeaksNothing) {
  for (const bool sandbox : {true, false}) {
    const auto before = shm_objects();
    std::vector<std::string> args{"--duration", "60s", "--backend", "posix"};
    if (!sandbox) args.push_back("--no-sandbox");
    const std::string out = ::testing::TempDir() + "/killed.txt";
    const pid_t pid = start_stress(args, out);
    ASSERT_GT(pid, 0);
    ASSERT_TRUE(wait_until_running(pid, out));
    if (!sandbox) {
      // Mid-run: wait until it has created its tagged objects (outside a sandbox they are visible).
      while (shm_objects() == before) ::usleep(1000);
    }
    ::kill(-pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    if (!sandbox) {
      // Outside a sandbox the objects are tagged: `shmharness clean` removes what a SIGKILL left.
      // Peers die with the run (PR_SET_PDEATHSIG) but not at the same instant: an object still
      // attached is kept; clean again until nothing is left in use.
      for (;;) {
        const CliRun clean = shmharness({"clean"});
        ASSERT_NE(clean.code, 2) << clean.out << clean.err;
        if (clean.out.find("kept 0 in use") != std::string::npos) break;
        ::usleep(1000);
      }
    }
    EXPECT_EQ(shm_objects(), before) << (sandbox ? "sandboxed" : "tagged, after clean");
  }
}

// Polls the stat file until a snapshot of the running run shows every peer with some progress.
// No time bound: the condition ends it (or the run ending first).
bool wait_for_live_stat(pid_t pid, const std::string& path) {
  for (;;) {
    if (auto text = sys::read_file(path)) {
      if (auto snap = parse_stat_file(*text);
          snap && snap->state == "running" && snap->progress.operations > 0 && !snap->progress.peers.empty()) {
        return true;
      }
    }
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return false;
    ::usleep(1000);  // polling a condition, not waiting for time
  }
}

// A 10-minute run keeping TempDir()/<name>.stat, returned once a live snapshot shows progress;
// -1 when it could not start or ended first.
pid_t start_live_stat_run(const std::string& name, std::string* stat) {
  *stat = ::testing::TempDir() + "/" + name + ".stat";
  ::unlink(stat->c_str());
  const pid_t pid =
      start_stress({"--duration", "10m", "--stat-file", *stat}, ::testing::TempDir() + "/" + name + ".txt");
  return pid > 0 && wait_for_live_stat(pid, *stat) ? pid : -1;
}

TEST(CliStat, ShowsALiveRunsPeersThenItsVerdict) {
  std::string stat;
  const pid_t pid = start_live_stat_run("live", &stat);
  ASSERT_GT(pid, 0);
  const CliRun live = shmharness({"stat", stat});
  EXPECT_EQ(live.code, 0) << live.err;
  EXPECT_NE(live.out.find("running: pid " + std::to_string(pid)), std::string::npos) << live.out;
  for (const char* word : {"PEER", "writer 0", "reader 0", "OPERATIONS", "phase 1/9 1w1r"}) {
    EXPECT_NE(live.out.find(word), std::string::npos) << word << " in\n" << live.out;
  }
  ::kill(pid, SIGINT);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  const CliRun ended = shmharness({"stat", "--follow", stat});
  EXPECT_EQ(ended.code, 0) << ended.err;
  EXPECT_NE(ended.out.find("run ended: verdict interrupted"), std::string::npos) << ended.out;
  EXPECT_FALSE(std::filesystem::exists(stat + ".tmp"));
}

TEST(CliStat, ARunKilledWithoutEndingIsSaidSoAndBadFilesAreRefused) {
  std::string stat;
  const pid_t pid = start_live_stat_run("killed-stat", &stat);
  ASSERT_GT(pid, 0);
  ::kill(-pid, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  const CliRun gone = shmharness({"stat", "--follow", stat});
  EXPECT_EQ(gone.code, 2) << gone.out << gone.err;
  EXPECT_NE(gone.out.find("run gone without ending: runner pid " + std::to_string(pid)), std::string::npos) << gone.out;

  for (const std::string& bad : {std::string("/nonexistent/x.stat"), std::string(SHMH_SOURCE_DIR) + "/README.md"}) {
    const CliRun r = shmharness({"stat", bad});
    EXPECT_EQ(r.code, 2) << bad;
    EXPECT_EQ(lines(r.err), 1U) << r.err;
  }
  const CliRun unwritable = shmharness({"stress", "--stat-file", "/nonexistent/dir/x.stat", "--duration", "10m"});
  EXPECT_EQ(unwritable.code, 2) << unwritable.out << unwritable.err;
  EXPECT_NE(unwritable.err.find("--stat-file"), std::string::npos) << unwritable.err;
}

TEST(CliLimits, FixFileRaisesWhatIsShortAndSaysTheRest) {
  const std::string fix = ::testing::TempDir() + "/shm-fix.conf";
  ::unlink(fix.c_str());
  // More segments than any machine has room for, and a /dev/shm far beyond it.
  const CliRun r = shmharness({"limits", "--require", "segments=16000000,posix=1000T", "--fix-file", fix});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("fix: wrote " + fix), std::string::npos) << r.out;
  std::ifstream in(fix);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("\nkernel.shmmni = "), std::string::npos) << text;
  EXPECT_NE(text.find("#   mount -o remount,size="), std::string::npos) << text;
  EXPECT_EQ(text.find("kernel.shmmax"), std::string::npos) << "segment size was not asked for:\n" << text;
}

TEST(CliLimits, ReportAndMetRequirementsExitZero) {
  const CliRun r = shmharness({"limits", "--require", "segments=2,posix=1M"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  for (const char* word : {"kernel.shmmni", "kernel.shmmax", "kernel.shmall", "/dev/shm", "RLIMIT_MEMLOCK",
                           "huge pages", "cgroup", "PASS  segments", "verdict: PASS"}) {
    EXPECT_NE(r.out.find(word), std::string::npos) << word << " in\n" << r.out;
  }
}

TEST(CliLimits, UnmetRequirementIsAFindingWithTheFix) {
  test::ScopedShmLimit shmmni("shmmni", 4);
  const CliRun r = shmharness({"limits", "--require", "segments=5"});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("FAIL  segments: 5 needed, 4 available"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("fix: sysctl -w kernel.shmmni=5"), std::string::npos) << r.out;
}

TEST(CliLimits, ProfileFileAndJson) {
  const std::string profile = "/dev/shm/limits-profile";  // the test's private /dev/shm
  {
    std::ofstream out(profile);
    out << "# test profile\nsegments = 2\nposix = 64KiB\n";
  }
  const CliRun r = shmharness({"limits", "--profile", profile, "--json", "-"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  const auto j = nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(j.is_discarded()) << r.out;
  EXPECT_EQ(j["verdict"], "pass");
  EXPECT_EQ(j["requirements"].size(), 2U);
  std::ofstream(profile) << "segments = 2\nsegmnts = 3\n";
  const CliRun bad = shmharness({"limits", "--profile", profile});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("line 2: unknown key 'segmnts'"), std::string::npos) << bad.err;
  ::unlink(profile.c_str());
}

TEST(CliLimits, ProbeSelftestAndAudit) {
  const CliRun r =
      shmharness({"limits", "--require", "segments=4,segment-size=1M,posix=2M", "--probe", "--selftest", "--audit"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("Probe ("), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("PASS  memlock"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Audit: nothing found"), std::string::npos) << r.out;
  auto left = read_sysvipc_shm();
  ASSERT_TRUE(left);
  EXPECT_TRUE(left->empty()) << "the probe left segments";
}

TEST(CliLimits, AuditFindingIsExitOne) {
  auto open = SysvSegment::create({.key = 0x0777, .size = 4096, .mode = 0666});
  ASSERT_TRUE(open);
  const CliRun r = shmharness({"limits", "--audit", "--quiet"});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_EQ(r.out, "verdict: FAIL\n");
}

}  // namespace
}  // namespace shmh
