// The test-only broken channels (broken_channels/broken_channel.c): each has one bug, and the stress
// runner must catch it — exit verdict fail with the right finding kind — while a channel that
// has no bug (the example locked queue the broken ones wrap) passes the same runs.
#include <gtest/gtest.h>

#include <charconv>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "stress/peer_board.h"
#include "stress/runner.h"

namespace shmh::stress {
namespace {

class Quiet : public RunObserver {};

std::string plugin(const char* name) { return std::string(SHMH_BROKEN_DIR) + "/libshmh_broken_" + name + ".so"; }

StressResult run(const std::string& channel, double kill_rate = 0, std::uint32_t writers = 2) {
  StressOptions o;
  o.channel = channel;
  o.workload = "queue";
  o.writers = writers;
  o.readers = 2;
  o.capacity = 64;
  o.msg_min = 24;
  o.msg_max = 300;
  o.duration = std::chrono::milliseconds(kill_rate > 0 ? 3000 : 600);
  o.watchdog = std::chrono::milliseconds(1000);
  o.kill_rate = kill_rate;
  o.seed = 11;
  Quiet quiet;
  return run_stress(o, quiet);
}

std::string kinds(const StressResult& r) {
  std::string out;
  for (const auto& f : r.findings) out += std::string(to_string(f.kind)) + ": " + f.detail + "\n";
  return out + r.error_message();
}

bool has_kind(const StressResult& r, FindingKind kind) {
  for (const auto& f : r.findings) {
    if (f.kind == kind) return true;
  }
  return false;
}

// The flight recorder's excerpt in a finding: the history of `peer` ("writer 0"; a reader's copy of
// a writer's history is "writer 0 when reader 1 saw its first problem").
const PeerHistory* history_of(const Finding& f, const std::string& peer) {
  for (const auto& h : f.history) {
    if (h.peer == peer) return &h;
  }
  return nullptr;
}

bool holds(const PeerHistory& h, PeerOp op, std::uint64_t seq) {
  for (const auto& e : h.last) {
    if (e.op == static_cast<std::uint8_t>(op) && e.seq == seq) return true;
  }
  return false;
}

// The number in `text` right after `prefix` (digits only), if there is one.
std::optional<std::uint64_t> number_after(const std::string& text, const std::string& prefix) {
  const auto at = text.find(prefix);
  if (at == std::string::npos) return std::nullopt;
  const char* first = text.data() + at + prefix.size();
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(first, text.data() + text.size(), value);
  if (ec != std::errc() || end == first) return std::nullopt;
  return value;
}

std::string dump(const Finding& f) {
  std::string out = f.detail + "\n";
  for (const auto& h : f.history) {
    out += "  " + h.peer + " [" + h.now + "]:";
    for (const auto& e : h.last) out += " " + describe(e) + ";";
    out += "\n";
  }
  for (const auto& e : f.events) out += "  event " + e.what + "\n";
  return out;
}

// Every snapshot a reader took at its first problem holds the send of the message it was about —
// whenever the writer's recorder still held it when the reader could copy it. A reader preempted
// between its recv and its check (a loaded CI machine), while the other reader kept the writer
// going, finds the writer more than the recorder's 128 entries past: then every send in the copy is
// later than the message, and the excerpt is the writer's latest operations. A copy that reaches
// back to the message but lacks its send is a recorder bug, and fails.
void expect_snapshots_hold_the_send(const Finding& f) {
  std::size_t snapshots = 0;
  for (const auto& h : f.history) {
    if (!h.now.empty() || h.around == kUnknownSeq) continue;
    ++snapshots;
    const auto writer = number_after(h.peer, "writer ");
    bool moved_past = !h.last.empty() && writer.has_value();
    for (const auto& e : h.last)
      moved_past = moved_past && e.writer == *writer && e.seq != kUnknownSeq && e.seq > h.around;
    EXPECT_TRUE(holds(h, PeerOp::kSend, h.around) || moved_past)
        << "the send of seq " << h.around << " is not in " << dump(f);
  }
  EXPECT_GT(snapshots, 0U) << "no reader copied the writer's history at its first problem: " << dump(f);
}

struct Case {
  const char* plugin;
  FindingKind kind;
  // The reader can tell which send the bad message was (an intact header, a duplicate): its
  // snapshot of that writer's history must hold it. (publish-before-copy hands out a slot's stale
  // bytes: whose they are is anyone's guess.)
  bool send_in_snapshot = false;
};

class Broken : public ::testing::TestWithParam<Case> {};

TEST_P(Broken, IsCaughtWithTheRightKind) {
  const auto r = run(plugin(GetParam().plugin));
  EXPECT_EQ(r.verdict(), Verdict::kFail) << kinds(r);
  EXPECT_TRUE(has_kind(r, GetParam().kind)) << "expected " << to_string(GetParam().kind) << ", got:\n" << kinds(r);
  EXPECT_EQ(r.leaked_segments, 0U) << kinds(r);
  for (const auto& f : r.findings) {
    if (f.kind != GetParam().kind) continue;
    // Every writer's and reader's last operations come with the finding...
    for (const char* peer : {"writer 0", "writer 1", "reader 0", "reader 1"}) {
      const PeerHistory* h = history_of(f, peer);
      ASSERT_NE(h, nullptr) << peer << " has no history in " << dump(f);
      EXPECT_FALSE(h->last.empty()) << peer << ": " << dump(f);
    }
    // ...and, where a reader saw the problem, the send of the message it was about.
    if (GetParam().send_in_snapshot) expect_snapshots_hold_the_send(f);
  }
}

INSTANTIATE_TEST_SUITE_P(Each, Broken,
                         ::testing::Values(Case{"drop", FindingKind::kLost},
                                           Case{"publish-before-copy", FindingKind::kCorrupt},
                                           Case{"corrupt", FindingKind::kCorrupt, true},
                                           Case{"duplicate", FindingKind::kDuplicated, true}),
                         [](const auto& param_info) {
                           std::string n = param_info.param.plugin;
                           for (auto& ch : n) ch = ch == '-' ? '_' : ch;
                           return n;
                         });

TEST(Broken, DeadlockAfterAKilledWriterIsNoRecoveryNamingTheKillAndWhoIsStuck) {
  // The run ends (never a hang: ctest's timeout is the bound) with no-recovery: the last kills
  // before nothing moved (a writer killed inside send, holding the lock, then maybe readers killed
  // while they drained the queue), and who waits since.
  const auto r = run(plugin("deadlock"), 20, 3);
  EXPECT_EQ(r.verdict(), Verdict::kFail) << kinds(r);
  ASSERT_TRUE(has_kind(r, FindingKind::kNoRecovery)) << kinds(r);
  EXPECT_FALSE(has_kind(r, FindingKind::kLost)) << "what the stopped channel holds is stranded:\n" << kinds(r);
  for (const auto& f : r.findings) {
    if (f.kind != FindingKind::kNoRecovery) continue;
    EXPECT_NE(f.detail.find(" killed inside "), std::string::npos) << f.detail;
    EXPECT_NE(f.detail.find("nothing moved for"), std::string::npos) << f.detail;
    EXPECT_NE(f.detail.find("pid "), std::string::npos) << f.detail;
    EXPECT_NE(f.detail.find("in send"), std::string::npos) << f.detail;
    EXPECT_NE(f.detail.find("SHMH_CHANNEL_NOT_CRASH_TOLERANT"), std::string::npos) << f.detail;
    // The kills are among the finding's events, and the history of a writer killed inside send of
    // seq S (restarted as incarnation I) holds what the killed incarnations did last: a send of at
    // most S by an incarnation below I — the send it died in is recorded before the channel call
    // ("in-progress"). Each writer's latest kill is the one its last 16 entries can still show:
    // after the fatal kill nothing moves.
    std::map<std::uint64_t, std::pair<std::uint64_t, std::uint64_t>> latest_kill;  // writer → (S, I)
    for (const auto& e : f.events) {
      const auto w = number_after(e.what, "writer ");
      const auto seq = number_after(e.what, " killed inside send of seq ");
      const auto incarnation = number_after(e.what, "restarted as incarnation ");
      if (e.what.rfind("writer ", 0) != 0 || !w || !seq || !incarnation) continue;
      latest_kill[*w] = {*seq, *incarnation};
    }
    bool killed_writer_explained = false;
    for (const auto& [w, kill] : latest_kill) {
      const PeerHistory* h = history_of(f, "writer " + std::to_string(w));
      ASSERT_NE(h, nullptr) << dump(f);
      for (const auto& e : h->last) {
        killed_writer_explained = killed_writer_explained || (e.op == static_cast<std::uint8_t>(PeerOp::kSend) &&
                                                              e.seq <= kill.first && e.incarnation < kill.second);
      }
    }
    EXPECT_TRUE(killed_writer_explained) << dump(f);
  }
  EXPECT_EQ(r.leaked_segments, 0U) << kinds(r);
}

// A send that never returns (the channel ignores its timeout): with processes the watchdog names
// the writer and kills it; with threads, which cannot be killed, the run still ends — with the
// stall finding and an error saying the stuck threads keep the run from going on.
TEST(Broken, ASendThatNeverReturnsIsAStallNotAHang) {
  for (const PeerMode mode : {PeerMode::kProcesses, PeerMode::kThreads}) {
    StressOptions o;
    o.channel = plugin("hang");
    o.workload = "queue";
    o.writers = 1;
    o.readers = 1;
    o.duration = std::chrono::milliseconds(5000);
    o.watchdog = std::chrono::milliseconds(1000);
    o.mode = mode;
    o.seed = 3;
    Quiet quiet;
    const auto r = run_stress(o, quiet);
    EXPECT_EQ(r.verdict(), Verdict::kFail) << to_string(mode) << kinds(r);
    ASSERT_TRUE(has_kind(r, FindingKind::kStall)) << to_string(mode) << kinds(r);
    for (const auto& f : r.findings) {
      if (f.kind == FindingKind::kStall) {
        EXPECT_NE(f.detail.find("writer 0"), std::string::npos) << f.detail;
        // The stuck writer's history: inside send of seq N at the end — its last entry that send,
        // still in progress, and the one before it the send of N - 1, done.
        const PeerHistory* h = history_of(f, "writer 0");
        ASSERT_NE(h, nullptr) << dump(f);
        const auto stuck = number_after(h->now, "inside send of seq ");
        ASSERT_TRUE(stuck.has_value()) << dump(f);
        ASSERT_FALSE(h->last.empty()) << dump(f);
        EXPECT_EQ(h->last.back().seq, *stuck) << dump(f);
        EXPECT_EQ(h->last.back().outcome, FlightOutcome::kPending) << dump(f);
        if (*stuck > 0) {
          ASSERT_GE(h->last.size(), 2U) << dump(f);
          EXPECT_EQ(h->last[h->last.size() - 2].seq, *stuck - 1) << dump(f);
          EXPECT_EQ(h->last[h->last.size() - 2].outcome, FlightOutcome::kOk) << dump(f);
        }
      }
    }
    if (mode == PeerMode::kThreads) {
      EXPECT_NE(r.error_message().find("stuck"), std::string::npos) << r.error_message();
    }
  }
}

// A channel that takes a slow lock holder for a dead one ("recovery by timeout", 300 ms): pauses
// find it — the paused writer resumes and sends what another staged meanwhile. (Kills alone do not
// show it on a machine with time to spare: a dead holder's lock is rightly taken over. But a live
// holder preempted for 300 ms — an overloaded machine, a sanitizer build — is taken for dead too,
// which is the same true bug; so nothing here asserts that kills miss it.)
TEST(Broken, RecoveryByTimeoutIsFoundByPauses) {
  StressOptions o;
  o.channel = plugin("steal-on-timeout");
  o.workload = "queue";
  o.writers = 3;
  o.readers = 1;
  o.msg_max = 300;
  o.duration = std::chrono::milliseconds(6000);
  o.seed = 21;
  o.pause_rate = 20;
  Quiet quiet;
  const auto r = run_stress(o, quiet);
  EXPECT_EQ(r.verdict(), Verdict::kFail) << kinds(r);
  EXPECT_TRUE(has_kind(r, FindingKind::kLost) || has_kind(r, FindingKind::kDuplicated))
      << "expected lost or duplicated messages, got:\n"
      << kinds(r);
  EXPECT_FALSE(has_kind(r, FindingKind::kStall)) << "a pause is never a stall:\n" << kinds(r);
  EXPECT_GT(r.phases.at(0).pauses, 0U);
  for (const auto& f : r.findings) {
    bool paused = false;
    for (const auto& e : f.events) paused = paused || e.what.find(" paused ") != std::string::npos;
    EXPECT_TRUE(paused) << "the pauses before it are the finding's context: " << dump(f);
  }
}

// The default campaign — only the channel given, as a user would run it — finds each class of bug
// the campaign was built for, with the finding that names it (ci/broken-tally.sh runs the same
// from the CLI ten times and prints the tally). The watchdog is shortened to bound the test.
struct CampaignCase {
  const char* plugin;
  std::vector<FindingKind> kinds;  // any of these
};

class DefaultCampaign : public ::testing::TestWithParam<CampaignCase> {};

StressResult campaign(const std::string& channel, std::uint64_t seed, bool no_kill = false) {
  StressOptions o;
  o.channel = channel;
  o.duration = std::chrono::milliseconds(5000);
  o.watchdog = std::chrono::milliseconds(1500);
  o.no_kill = no_kill;
  o.seed = seed;
  Quiet quiet;
  return run_stress(o, quiet);
}

TEST_P(DefaultCampaign, FindsTheBugWithNoOtherOption) {
  // The races (a lost wake-up, a kill inside a claim, a pause of a lock holder) must be landed in,
  // and this campaign is half the default length on a machine loaded by the other tests (ctest -j2,
  // sanitizers): another campaign when one misses, three in all (a CI run on a machine loaded by
  // more than the tests saw fragile-ring missed by two). ci/detection.sh and ci/broken-tally.sh
  // measure the per-run rate of the full-length campaign from the CLI.
  const int tries = 3;
  StressResult r;
  bool found = false;
  for (int i = 0; i < tries && !found; ++i) {
    r = campaign(plugin(GetParam().plugin), 1 + static_cast<std::uint64_t>(i));
    for (const FindingKind k : GetParam().kinds) found = found || has_kind(r, k);
  }
  EXPECT_EQ(r.verdict(), Verdict::kFail) << kinds(r);
  EXPECT_TRUE(found) << kinds(r);
  EXPECT_EQ(r.leaked_segments, 0U) << kinds(r);
  for (const auto& f : r.findings) {
    if (f.phase == "end") continue;
    EXPECT_FALSE(f.history.empty()) << "no flight-recorder excerpt: " << dump(f);
    // The message a lost wake-up waited for: its send, as the reader found the writer's history.
    if (f.kind == FindingKind::kLostWakeup) expect_snapshots_hold_the_send(f);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Each, DefaultCampaign,
    ::testing::Values(CampaignCase{"steal-on-timeout", {FindingKind::kLost, FindingKind::kDuplicated}},
                      CampaignCase{"zero-means-nothing", {FindingKind::kLost}},
                      CampaignCase{"lost-wakeup", {FindingKind::kLostWakeup}},
                      CampaignCase{"pointer-in-shm", {FindingKind::kPeerCrash, FindingKind::kCorrupt}},
                      CampaignCase{"fragile-ring", {FindingKind::kNoRecovery}}),
    [](const auto& param_info) {
      std::string n = param_info.param.plugin;
      for (auto& ch : n) ch = ch == '-' ? '_' : ch;
      return n;
    });

TEST(DefaultCampaign, AChannelThatDeclaresItDoesNotSurviveDeathsPassesWithoutKills) {
  const auto r = campaign(plugin("fragile-ring-declared"), 2);
  EXPECT_EQ(r.verdict(), Verdict::kPass) << kinds(r);
  bool kill_skipped = false;
  for (const auto& p : r.phases) {
    if (p.phase.name == "kill") {
      kill_skipped = !p.ran && p.skipped.find("SHMH_CHANNEL_NOT_CRASH_TOLERANT") != std::string::npos;
    } else if (p.phase.name == "hostile") {
      EXPECT_NE(p.skipped.find("does not expose its shared memory"), std::string::npos) << p.skipped;
    } else {
      EXPECT_TRUE(p.ran) << p.phase.name << ": " << p.skipped;
    }
  }
  EXPECT_TRUE(kill_skipped) << "the kill phase is reported as not applicable, with the reason";
}

// The correct channels the classes above are told apart from: the example SPSC ring (the shape
// users copy) runs every phase, fitted to one writer and one reader; the example locked queue runs
// every phase as it is but hostile (it does not expose its shared bytes).
TEST(DefaultCampaign, TheExampleChannelsPassEveryPhase) {
  for (const char* channel : {SHMH_SPSC_PLUGIN, SHMH_EXAMPLE_PLUGIN}) {
    const bool spsc = std::string(channel) == SHMH_SPSC_PLUGIN;
    const auto r = campaign(channel, 4);
    EXPECT_EQ(r.verdict(), Verdict::kPass) << channel << kinds(r);
    for (const auto& p : r.phases) {
      // The locked queue keeps its shared bytes to itself: no hostile phase (the SPSC ring runs it).
      if (!spsc && p.phase.name == "hostile") {
        EXPECT_NE(p.skipped.find("does not expose its shared memory"), std::string::npos) << p.skipped;
        continue;
      }
      EXPECT_TRUE(p.ran) << channel << " " << p.phase.name << ": " << p.skipped;
      if (spsc) {
        EXPECT_EQ(p.phase.writers, 1U) << p.phase.name;
      }
    }
  }
}

TEST(DefaultCampaign, NoKillSkipsTheKillsOfAnyChannel) {
  const auto r = campaign(plugin("fragile-ring"), 3, /*no_kill=*/true);
  EXPECT_EQ(r.verdict(), Verdict::kPass) << kinds(r);
  for (const auto& p : r.phases) {
    if (p.phase.name == "kill") {
      EXPECT_EQ(p.skipped, "--no-kill");
    }
  }
}

TEST(Broken, TheDeadlockNeedsTheKillToShow) {
  // Without a kill nobody dies holding the lock: the same channel passes. This is what makes the
  // finding above about the kill, not about the channel being slow.
  const auto r = run(plugin("deadlock"), 0, 3);
  EXPECT_EQ(r.verdict(), Verdict::kPass) << kinds(r);
}

}  // namespace
}  // namespace shmh::stress
