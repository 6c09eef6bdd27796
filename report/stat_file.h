// The live counters of a stress run (`stress --stat-file F`, read by `shmharness stat F`), like
// Aeron's AeronStat: the runner rewrites F (to F.tmp, then rename: a reader never sees half a file)
// about every 200 ms with the phase, the totals and each peer's counters and current operation as
// read from the peers' records in shared memory, and once more at the end with the verdict.
// Schema "shmharness-stat/1" (README "Live counters").
//
//   write: text = render_stat_file(snapshot);
//   read:  Result<StatSnapshot> s = parse_stat_file(text);   // validated: a file is never trusted
#pragma once

#include <cstdint>
#include <string>

#include "core/result.h"
#include "stress/run_observer.h"

namespace shmh {

struct StatSnapshot {
  std::string state = "running";  // "running", or "ended" (the run wrote its last snapshot)
  std::string verdict;            // at the end: "pass", "fail", "interrupted", "error"; "" while running
  std::int64_t runner_pid = 0;    // whoever writes the file
  std::string seed;               // as text (a u64)
  std::string channel;            // what runs ("channel ring", "workload churn (no channel)")
  stress::ProgressSnapshot progress;
};

std::string render_stat_file(const StatSnapshot& snapshot);

// Refuses what is not a stat file of this schema (a path to something else, a truncated file):
// the error says what was wrong.
Result<StatSnapshot> parse_stat_file(const std::string& text);

// The human view `shmharness stat` prints: one header line, the totals, a table of peers.
std::string render_stat_text(const StatSnapshot& snapshot, bool runner_alive);

}  // namespace shmh
