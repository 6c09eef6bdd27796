// The concurrency core on its own, with fake peers that touch no channel: the phase driver starts
// every peer, stops writers before readers drain, kills and restarts peers (a new incarnation,
// on_kill after the victim is reaped), ends a phase whose peers stop progressing with a stall that
// names who is stuck in what, and reports a peer that dies on its own. Every end is a condition
// the peers reach (a quota of kills, the stop words), never a time: the phase duration is long and
// only the watchdog test uses a short time, whose firing is what it checks.
#include "stress/phase_driver.h"

#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <vector>

#include "core/sys/sys.h"

namespace shmh::stress {
namespace {

class Quiet : public RunObserver {};

struct Fixture {
  StressOptions options;
  Phase phase;
  Quiet observer;
  PeerBoard board;

  Fixture(std::uint32_t writers, std::uint32_t readers, PeerMode mode) {
    options.mode = mode;
    options.watchdog = std::chrono::milliseconds(60'000);
    phase.name = "test";
    phase.writers = writers;
    phase.readers = readers;
    phase.duration = std::chrono::milliseconds(600'000);  // the peers end the phase, not the clock
    auto b = PeerBoard::create(writers, readers);
    EXPECT_TRUE(b.ok());
    board = std::move(*b);
  }
  DriveOutcome drive(const PeerGroup::Body& body, const DriveConfig& config = {}) {
    const WorkloadEnv env{.options = options, .phase = phase, .seed = 7, .channel = nullptr, .observer = observer};
    PeerGroup group(options.mode, board, body);
    return drive_phase(group, board, env, config);
  }
};

std::string findings(const DriveOutcome& d) {
  std::string out;
  for (const auto& f : d.findings) out += std::string(to_string(f.kind)) + ": " + f.detail + "\n";
  return out;
}

class Modes : public ::testing::TestWithParam<PeerMode> {};

// Writers end on their own after 20 operations; each reader, once told the writers are done,
// checks that every writer's record says it finished: the driver stops writers before readers.
TEST_P(Modes, WritersEndBeforeReadersDrainAndEveryRecordSaysSo) {
  Fixture f(3, 2, GetParam());
  const auto d = f.drive([&f](PeerId id) -> ChildReport {
    PeerRecord& rec = f.board.record(id.role, id.index);
    if (id.role == Role::kWriter) {
      for (int i = 0; i < 20; ++i) rec.done_one(8);
      rec.finish();
      return {};
    }
    while (!f.board.writers_done() && !f.board.aborted()) ::sched_yield();
    bool all = true;
    for (std::uint32_t w = 0; w < f.board.writers(); ++w) all = all && f.board.writer(w).finished.load() == 1;
    PeerRecord::add(all ? rec.ok : rec.corrupt, 1);
    rec.finish();
    return {};
  });
  EXPECT_TRUE(d.findings.empty()) << findings(d);
  EXPECT_FALSE(d.aborted);
  for (std::uint32_t w = 0; w < 3; ++w) {
    EXPECT_EQ(f.board.writer(w).progress.load(), 20U);
    EXPECT_EQ(f.board.writer(w).finished.load(), 1U);
    EXPECT_NE(f.board.writer(w).pid.load(), 0) << "the record names its process or thread";
  }
  for (std::uint32_t r = 0; r < 2; ++r) {
    EXPECT_EQ(f.board.reader(r).ok.load(), 1U) << "reader " << r << " saw a writer still running after writers_done";
    EXPECT_EQ(f.board.reader(r).corrupt.load(), 0U);
  }
}

// The active time (what rates divide by) ends at the last writer's own stamp of its end, not at the
// driver's tick that saw it gone: exactly the latest ended_ns, though the driver saw the writers
// gone at least one 5 ms tick later. Each writer stamps after the one before it (a chain of flags).
TEST_P(Modes, ActiveTimeEndsAtTheLastWritersOwnEnd) {
  Fixture f(3, 1, GetParam());
  const auto d = f.drive([&](PeerId id) -> ChildReport {
    PeerRecord& rec = f.board.record(id.role, id.index);
    if (id.role == Role::kWriter) {
      while (id.index != 0 && f.board.writer(id.index - 1).finished.load() == 0) ::sched_yield();
      for (int i = 0; i < 20; ++i) rec.done_one(8);
    } else {
      while (!f.board.writers_done() && !f.board.aborted()) ::sched_yield();
    }
    rec.finish();
    return {};
  });
  EXPECT_TRUE(d.findings.empty()) << findings(d);
  const std::uint64_t last = f.board.writer(2).ended_ns.load();
  for (std::uint32_t w = 0; w < 3; ++w) {
    EXPECT_GE(f.board.writer(w).ended_ns.load(), d.start_ns) << "writer " << w;
    EXPECT_LE(f.board.writer(w).ended_ns.load(), last) << "writer " << w << " ended after writer 2, its successor";
  }
  EXPECT_EQ(d.active_seconds, static_cast<double>(last - d.start_ns) / 1e9);
  EXPECT_GE(d.seconds, d.active_seconds);
}

TEST_P(Modes, APeerThatStopsProgressingIsAStallNamingItsOperation) {
  Fixture f(1, 1, GetParam());
  f.options.watchdog = std::chrono::milliseconds(300);
  std::atomic<bool> release{false};  // threads cannot be killed: let the stuck one go at the end
  const auto d = f.drive(
      [&](PeerId id) -> ChildReport {
        PeerRecord& rec = f.board.record(id.role, id.index);
        if (id.role == Role::kWriter) rec.begin(PeerOp::kSend, 42);
        if (id.role == Role::kReader) rec.begin(PeerOp::kRecv);
        while (!release.load() && !(GetParam() == PeerMode::kThreads && f.board.aborted())) ::usleep(1000);
        rec.finish();
        return {};
      },
      DriveConfig{.on_kill = {}, .describe_op = [](PeerId id, const PeerRecord& rec) -> std::string {
                    return id.role == Role::kWriter ? "of seq " + std::to_string(rec.op_arg.load()) : "";
                  }});
  release.store(true);
  EXPECT_TRUE(d.aborted);
  ASSERT_EQ(d.findings.size(), 1U) << findings(d);
  EXPECT_EQ(d.findings[0].kind, FindingKind::kStall);
  EXPECT_NE(d.findings[0].detail.find("writer 0"), std::string::npos) << d.findings[0].detail;
  EXPECT_NE(d.findings[0].detail.find("in send of seq 42"), std::string::npos) << d.findings[0].detail;
  EXPECT_NE(d.findings[0].detail.find("reader 0"), std::string::npos) << d.findings[0].detail;
}

// With every_call_progresses (the hostile workload), one peer inside one call for the watchdog's
// time is a stall even while another keeps moving: the writer goes on until the phase is aborted,
// the reader sits in recv (as if its channel ignored its timeout).
TEST_P(Modes, OnePeerStuckInACallIsAStallWhileAnotherMovesWhenEveryCallProgresses) {
  Fixture f(1, 1, GetParam());
  f.options.watchdog = std::chrono::milliseconds(300);
  const auto d = f.drive(
      [&](PeerId id) -> ChildReport {
        PeerRecord& rec = f.board.record(id.role, id.index);
        if (id.role == Role::kWriter) {
          // Processes end on SIGKILL after the grace time; threads see the abort.
          while (!f.board.aborted() && !f.board.stop_writing()) rec.done_one(8);
        } else {
          rec.begin(PeerOp::kRecv);
          while (!f.board.aborted()) ::usleep(1000);
        }
        rec.finish();
        return {};
      },
      DriveConfig{.on_kill = {}, .describe_op = {}, .every_call_progresses = true});
  EXPECT_TRUE(d.aborted);
  ASSERT_EQ(d.findings.size(), 1U) << findings(d);
  EXPECT_EQ(d.findings[0].kind, FindingKind::kStall);
  EXPECT_NE(d.findings[0].detail.find("reader 0"), std::string::npos) << d.findings[0].detail;
  EXPECT_NE(d.findings[0].detail.find("in recv"), std::string::npos) << d.findings[0].detail;
  EXPECT_NE(d.findings[0].detail.find("while the others went on"), std::string::npos) << d.findings[0].detail;
  EXPECT_GT(f.board.writer(0).progress.load(), 0U);
}

// --pin-cpus: every peer runs on exactly one CPU of the runner's set, round-robin — writer 0 on the
// first, reader 0 on the next (when there is one). Each peer reports its own affinity mask.
TEST_P(Modes, PinnedPeersRunOnOneCpuEachRoundRobin) {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  ASSERT_EQ(::sched_getaffinity(0, sizeof allowed, &allowed), 0);
  std::vector<std::uint64_t> cpus;
  for (std::size_t c = 0; c < CPU_SETSIZE; ++c) {
    if (CPU_ISSET(c, &allowed)) cpus.push_back(c);
  }
  Fixture f(1, 1, GetParam());
  f.options.pin_cpus = true;
  const auto d = f.drive([&f](PeerId id) -> ChildReport {
    PeerRecord& rec = f.board.record(id.role, id.index);
    cpu_set_t mine;
    CPU_ZERO(&mine);
    if (::sched_getaffinity(0, sizeof mine, &mine) != 0) return "sched_getaffinity failed";
    PeerRecord::add(rec.ok, static_cast<std::uint64_t>(CPU_COUNT(&mine)));
    for (std::size_t c = 0; c < CPU_SETSIZE; ++c) {
      if (CPU_ISSET(c, &mine)) rec.bytes.store(c);
    }
    rec.finish();
    return {};
  });
  EXPECT_TRUE(d.findings.empty()) << findings(d);
  EXPECT_EQ(f.board.writer(0).ok.load(), 1U) << "the writer runs on one CPU";
  EXPECT_EQ(f.board.reader(0).ok.load(), 1U) << "the reader runs on one CPU";
  EXPECT_EQ(f.board.writer(0).bytes.load(), cpus[0]);
  EXPECT_EQ(f.board.reader(0).bytes.load(), cpus[1 % cpus.size()]);
}

// A peer that dies on its own is a peer-crash, and what it left in flight is accounted like a
// kill's: on_kill, once, after it ended.
TEST_P(Modes, APeerThatDiesOnItsOwnIsAPeerCrash) {
  Fixture f(1, 1, GetParam());
  std::vector<PeerId> accounted;
  const auto d = f.drive(
      [&f](PeerId id) -> ChildReport {
        PeerRecord& rec = f.board.record(id.role, id.index);
        if (id.role == Role::kWriter) return ChildReport{3, "the writer gave up"};
        while (!f.board.writers_done() && !f.board.aborted()) ::sched_yield();
        rec.finish();
        return {};
      },
      DriveConfig{.on_kill = [&](PeerId id) { accounted.push_back(id); }, .describe_op = {}});
  ASSERT_EQ(accounted.size(), 1U) << "on_kill for the peer that died on its own, and for nobody else";
  EXPECT_EQ(accounted[0], (PeerId{Role::kWriter, 0}));
  ASSERT_EQ(d.findings.size(), 1U) << findings(d);
  EXPECT_EQ(d.findings[0].kind, FindingKind::kPeerCrash);
  EXPECT_NE(d.findings[0].detail.find("writer 0"), std::string::npos) << d.findings[0].detail;
  EXPECT_NE(d.findings[0].detail.find("the writer gave up"), std::string::npos) << d.findings[0].detail;
}

INSTANTIATE_TEST_SUITE_P(PeerGroups, Modes, ::testing::Values(PeerMode::kProcesses, PeerMode::kThreads),
                         [](const auto& param_info) { return std::string(to_string(param_info.param)); });

// Pauses (processes only): a peer stopped for longer than the watchdog's time is not a stall, and
// every pause ends (the writer ends only after it has lived through two long ones). A writer sees a
// pause as a gap in CLOCK_MONOTONIC between two of its steps.
TEST(PhaseDriver, APausedPeerIsNotAStallAndIsResumed) {
  Fixture f(1, 1, PeerMode::kProcesses);
  f.options.watchdog = std::chrono::milliseconds(300);
  f.phase.pause_rate = 50;
  const auto d = f.drive([&f](PeerId id) -> ChildReport {
    PeerRecord& rec = f.board.record(id.role, id.index);
    if (id.role == Role::kReader) {  // makes no progress of its own: the writer's is the only one
      while (!f.board.writers_done() && !f.board.aborted()) ::usleep(1000);
      rec.finish();
      return {};
    }
    int long_gaps = 0;
    std::uint64_t last = monotonic_ns();
    while (long_gaps < 2 && !f.board.stop_writing()) {
      rec.begin(PeerOp::kSend, 0);
      rec.done_one(1);
      ::usleep(100);
      const std::uint64_t now = monotonic_ns();
      if (now - last > 400'000'000) ++long_gaps;  // stopped longer than the watchdog
      last = now;
    }
    rec.finish();
    return {};
  });
  EXPECT_TRUE(d.findings.empty()) << findings(d);
  EXPECT_FALSE(d.aborted);
  EXPECT_GE(d.pauses, 1U);
  EXPECT_EQ(f.board.writer(0).finished.load(), 1U) << "the paused writer was resumed and ended";
}

// Kills (processes only): each victim is reaped before on_kill sees it, and restarts as the next
// incarnation. The writers end once each has been killed twice, so the phase's end is a count of
// kills, not a time.
TEST(PhaseDriver, KilledPeersAreReapedThenRestartedAsTheirNextIncarnation) {
  Fixture f(2, 1, PeerMode::kProcesses);
  f.phase.kill_rate = 200;
  std::vector<PeerId> killed;
  std::vector<bool> reaped;
  const auto d = f.drive(
      [&f](PeerId id) -> ChildReport {
        PeerRecord& rec = f.board.record(id.role, id.index);
        if (id.role == Role::kWriter && rec.incarnation.load() >= 2) {
          rec.finish();
          return {};
        }
        while (!(id.role == Role::kWriter ? f.board.stop_writing() : f.board.writers_done()) && !f.board.aborted()) {
          rec.done_one(1);
          ::usleep(100);
        }
        rec.finish();
        return {};
      },
      DriveConfig{.on_kill =
                      [&](PeerId id) {
                        killed.push_back(id);
                        const pid_t pid = f.board.record(id.role, id.index).pid.load();
                        reaped.push_back(::kill(pid, 0) != 0 && errno == ESRCH);
                      },
                  .describe_op = {}});
  EXPECT_TRUE(d.findings.empty()) << findings(d);
  ASSERT_EQ(d.kills, killed.size());
  EXPECT_GE(d.kills, 4U) << "each writer was killed at least twice before it ended";
  for (const bool r : reaped) EXPECT_TRUE(r) << "on_kill ran before the victim was reaped";
  std::uint64_t incarnations = 0;
  for (std::uint32_t w = 0; w < 2; ++w) incarnations += f.board.writer(w).incarnation.load();
  incarnations += f.board.reader(0).incarnation.load();
  EXPECT_EQ(incarnations, d.kills) << "every kill restarted its victim once";
  for (std::uint32_t w = 0; w < 2; ++w) EXPECT_GE(f.board.writer(w).incarnation.load(), 2U);
}

}  // namespace
}  // namespace shmh::stress
