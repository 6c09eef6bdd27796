// The result of a stress run: plain records the reporters (report/stress_*) turn into text, JSON
// and JUnit. The runner computes; reporters never do.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "stress/finding.h"
#include "stress/phase_timeline.h"
#include "stress/stress_options.h"

namespace shmh::stress {

// Message accounting (queue, broadcast; regions and churn map their own units onto it — see each
// workload's header).
struct Counts {
  std::uint64_t sent = 0;        // send() returned OK
  std::uint64_t received = 0;    // distinct intact messages received (per reader for broadcast)
  std::uint64_t lost = 0;        // sent, never received, not explained by a kill
  std::uint64_t stranded = 0;    // sent, still in a channel that stopped moving (stall, no-recovery, a peer crash)
  std::uint64_t duplicated = 0;  // an intact message received again
  std::uint64_t corrupt = 0;     // differs from what its header's writer sent (payload, check word, length)
  std::uint64_t reordered = 0;   // arrived after a later message of its writer (FIFO channels)
  std::uint64_t abandoned = 0;   // in flight in a killed process: allowed to be missing
  std::uint64_t bytes = 0;       // payload bytes of the received messages
  // The hostile workload only (a peer rewrites the shared bytes, so neither is a finding):
  std::uint64_t damaged = 0;  // delivered as a message but failing the frame check: never counted as received
  std::uint64_t refused = 0;  // calls answered SHMH_ECORRUPT, and failed opens: the channel saw the damage

  Counts& operator+=(const Counts& o);
};

struct Latency {
  std::uint64_t samples = 0;
  std::uint64_t p50 = 0, p99 = 0, p999 = 0, max = 0;  // ns; upper bounds within 6.25%
};

// Messages whose latency was at most `upper_ns` and above the previous bin's (powers of two).
struct LatencyBin {
  std::uint64_t upper_ns = 0;
  std::uint64_t count = 0;
};

struct PhaseResult {
  Phase phase;
  bool ran = false;
  std::string skipped;        // why it did not run (e.g. --kill in threads mode), when !ran
  std::string fitted;         // how the campaign fitted it to the channel ("2 writers → 1"), "" if not
  std::string shape;          // the phase in its workload's terms ("2w/2r 24..256 B cap 64")
  std::string unit;           // what counts.received counts, per second ("msg/s", "lifecycles/s")
  double seconds = 0;         // the whole phase, drain included
  double active_seconds = 0;  // while writers ran: rates (msgs/s, bytes/s) divide by this
  Counts counts;
  Latency latency;
  std::uint64_t kills = 0;
  std::uint64_t restarts = 0;
  std::uint64_t pauses = 0;             // peers SIGSTOPped and SIGCONTed by the pause perturbation
  std::uint64_t channel_abandoned = 0;  // what the channel itself counted (stats), when it has any
  std::uint64_t scribbles = 0;          // places the hostile workload's scribbler damaged (0 in other workloads)
  // Its sent/received are an exactly-once account (every workload but hostile, where a peer that
  // rewrites the shared bytes may lose or replay messages): only those add up to the run's total.
  bool exactly_once = true;
  // Memory the harness itself used (private resident memory; segments are shared and not counted):
  // the runner's at the end of the phase, and the sum over peer processes as each ended (0 for
  // threads, which share the runner's).
  std::uint64_t runner_rss_anon_kib = 0;
  std::uint64_t peers_rss_anon_kib = 0;
  // For the HTML report's charts: progress every 100 ms, the latency histogram per power of two,
  // and the driver's last kills and pauses (at most 64, with their times).
  std::vector<TimelinePoint> timeline;
  std::vector<LatencyBin> latency_bins;
  std::vector<PhaseEvent> events;

  // Received per second and payload bytes per second, over the active time (0 when none).
  [[nodiscard]] double per_s() const;
  [[nodiscard]] double bytes_per_s() const;
};

enum class Verdict { kPass, kFail, kInterrupted, kError };

// "pass", "fail", "interrupted", "error".
const char* to_string(Verdict v);

struct StressResult {
  StressOptions options;
  std::string channel_name;  // the vtable's name
  std::string kernel;        // uname -r
  std::string sandbox;       // "privileged", "user-namespace" or "none (tagged objects)"
  std::vector<PhaseResult> phases;
  std::vector<Finding> findings;
  Latency latency;  // of every message of the run (the phases' histograms merged)
  std::uint64_t leaked_segments = 0;
  bool interrupted = false;
  bool cut_short = false;         // --fail-fast: phases after the first finding did not run (marked skipped)
  std::optional<SysError> error;  // set when the run could not be done (verdict error, exit 2)
  std::string error_phase;        // the phase it happened in ("" before or after the phases)
  double seconds = 0;

  // "phase: call: ENAME (detail)", or "" without an error.
  [[nodiscard]] std::string error_message() const;

  [[nodiscard]] Counts total() const;
  [[nodiscard]] double msgs_per_s() const;
  [[nodiscard]] double bytes_per_s() const;
  // fail (any finding) > error > interrupted > pass.
  [[nodiscard]] Verdict verdict() const;
};

}  // namespace shmh::stress
