// replay_command: the command a finding prints must be one a shell runs as the same phase.
#include "stress/replay_command.h"

#include <gtest/gtest.h>

#include "stress/workload.h"

namespace shmh::stress {
namespace {

TEST(ReplayCommand, ACampaignPhaseIsReplayedAloneWithTheRunsSeedAndDuration) {
  StressOptions o;
  o.channel = "ring";
  o.duration = std::chrono::milliseconds(90'000);
  o.seed = 42;
  o.no_kill = true;
  EXPECT_EQ(replay_command(o, "kill"),
            "shmharness stress --channel ring --backend sysv --no-kill --duration 90s --seed 42 --phase kill");
  // A finding after the phases (a leak, "end") replays the whole run.
  EXPECT_EQ(replay_command(o, "end"),
            "shmharness stress --channel ring --backend sysv --no-kill --duration 90s --seed 42");
}

TEST(ReplayCommand, ANarrowedRunRepeatsEveryOptionAndNoPhase) {
  StressOptions o;
  o.channel = "/opt/my channel's/lib.so";
  o.backend = Backend::kMemfd;
  o.mode = PeerMode::kThreads;
  o.workload = "queue";
  o.writers = 3;
  o.readers = 2;
  o.msg_min = 8;
  o.msg_max = 4096;
  o.capacity = 16;
  o.pause_rate = 2.5;
  o.duration = std::chrono::milliseconds(1500);
  o.messages = 1000;
  o.watchdog = std::chrono::milliseconds(2000);
  o.seed = 7;
  EXPECT_EQ(replay_command(o, "queue"),
            "shmharness stress --channel '/opt/my channel'\\''s/lib.so' --backend memfd --threads --workload queue "
            "--writers 3 --readers 2 --msg-size 8:4096 --capacity 16 --pause 2.5 --duration 1500ms --messages 1000 "
            "--watchdog 2s --seed 7");
}

TEST(ReplayCommand, WorkloadOptionsAsTypedAndMessagesAloneWithoutADuration) {
  StressOptions o;
  o.workload = "churn";
  o.workload_options = {{.option = find_workload_option("--segment-size"), .value = 2, .text = "2MiB"}};
  o.messages = 50;
  o.duration = std::chrono::hours(24);  // what the CLI sets for --messages alone
  o.seed = 1;
  EXPECT_EQ(
      replay_command(o, "churn"),
      "shmharness stress --channel ring --backend sysv --workload churn --segment-size 2MiB --messages 50 --seed 1");
}

TEST(ReplayCommand, ShellQuoting) {
  EXPECT_EQ(shell_quote("plain/path-1.so"), "plain/path-1.so");
  EXPECT_EQ(shell_quote(""), "''");
  EXPECT_EQ(shell_quote("a b"), "'a b'");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_quote("$(rm -rf /)"), "'$(rm -rf /)'");
}

}  // namespace
}  // namespace shmh::stress
