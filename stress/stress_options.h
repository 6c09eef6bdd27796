// StressOptions: what one `shmharness stress` run does, as the CLI parsed it — and Phase, one
// configuration of a workload that the runner executes. A run is a list of phases: the options
// either name one configuration (any of --workload, --writers, --readers, --msg-size, --capacity,
// --kill, --pause given) or leave the campaign to explore (campaign_plan.h, phase_descriptor.h).
//
//   shmh::stress::StressOptions o;            // defaults: the exploring campaign on `ring`
//   o.channel = "boost-mq";
//   auto phases = shmh::stress::plan_phases(o);
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/segment/backend.h"

namespace shmh::stress {

enum class PeerMode { kProcesses, kThreads };

// "processes" or "threads".
const char* to_string(PeerMode mode);

inline constexpr std::uint32_t kMaxPeersPerRole = 64;  // writers ≤ 64, readers ≤ 64
// Messages of any length are checked: frames from 24 bytes, compact ones of 8..23, tiny ones of
// 0..7 where the lane's reader knows what comes next (core/framing/small_message.h).
inline constexpr std::uint32_t kMinMessage = 0;
inline constexpr std::uint32_t kMaxMessage = 1U << 20;

// A flag that only one workload reads (churn's --segment-size). Declared in the workload's own file
// and listed in its descriptor (workload.h); the CLI offers every listed option, the JSON report
// names each by `json_name`. Values are numbers in the option's own unit.
struct WorkloadOption {
  std::string_view flag;          // "--segment-size"
  std::string_view json_name;     // "segment_size_mib" (stable: the JSON report's options)
  std::string_view help;          // one line for --help
  std::string_view default_text;  // "8MiB": parsed like a value the user typed
  // Text → value in the option's unit, or why not (logic_error naming the flag).
  Result<std::uint64_t> (*parse)(std::string_view text) = nullptr;
};

struct WorkloadOptionValue {
  const WorkloadOption* option = nullptr;
  std::uint64_t value = 0;
  std::string text;  // as the user typed it ("8MiB"): what a replay command repeats
};

struct StressOptions {
  std::string channel = "ring";  // ring | boost-mq | pipe | path to a plugin .so
  Backend backend = Backend::kSysv;
  PeerMode mode = PeerMode::kProcesses;
  // Unset = the campaign explores (campaign_plan.h); set = that value in every phase.
  std::optional<std::string> workload;  // a workload's name (workload.h lists them)
  std::optional<std::uint32_t> writers;
  std::optional<std::uint32_t> readers;
  std::optional<std::uint32_t> msg_min;
  std::optional<std::uint32_t> msg_max;
  std::optional<std::uint32_t> capacity;
  std::optional<double> kill_rate;   // SIGKILLs per second across all peers (processes only)
  std::optional<double> pause_rate;  // SIGSTOP pauses per second across all peers (processes only)
  bool no_kill = false;              // --no-kill: the campaign kills no peer (for a channel not built to survive it)
  // --pin-cpus: each peer runs on one CPU of the run's allowed set, round-robin (writers, then
  // readers): throughput that does not depend on where the scheduler puts the peers.
  bool pin_cpus = false;
  // --phase NAME: only that phase of the campaign, with the seed and the share of --duration it has
  // in the whole campaign (what a finding's replay command uses). Not with the narrowing options.
  std::optional<std::string> phase;
  // --fail-fast: a phase ends once a peer reports a problem, and no phase runs after one with a
  // finding (those are reported as not run).
  bool fail_fast = false;
  std::chrono::milliseconds duration{12'000};  // the whole run, shared among its phases (CLI default too)
  std::optional<std::uint64_t> messages;       // stop each phase after this many messages sent
  std::uint64_t seed = 0;
  std::chrono::milliseconds watchdog{5'000};  // no progress this long ends the run: "stall"
  // Values of workloads' own options (WorkloadOption) the user gave; the rest take their defaults.
  std::vector<WorkloadOptionValue> workload_options;
};

// The value of a workload's own option: the one in `options`, else its default. Precondition: the
// option's default_text parses (checked: a workload whose default does not parse is a bug).
std::uint64_t option_value(const StressOptions& options, const WorkloadOption& option);

// The messages writer `w` of `writers` sends in a phase limited to `total` messages (--messages):
// the total split as evenly as possible, the first writers taking one more. Every workload uses it,
// so --messages means the same total everywhere. No limit: ~0.
std::uint64_t writer_quota(const std::optional<std::uint64_t>& total, std::uint32_t writers, std::uint32_t w);

// The shape of a phase: its peers, messages, channel and perturbations. A campaign phase
// (phase_descriptor.h) declares one; a narrowed run builds one from the options.
struct PhaseShape {
  std::uint32_t writers = 1;
  std::uint32_t readers = 1;
  std::uint32_t msg_min = 64;
  std::uint32_t msg_max = 64;
  std::uint32_t capacity = 64;
  double kill_rate = 0;                     // SIGKILLs per second across the phase's peers
  double pause_rate = 0;                    // SIGSTOP/SIGCONT pauses per second across the phase's peers
  std::int64_t op_timeout_ns = 20'000'000;  // per send/recv attempt; 0 = poll (the full/empty paths)
  std::uint32_t reader_pause_us = 0;        // a reader sleeps this long every 64 messages (backpressure)
  std::uint32_t burst = 0;                  // a writer sends bursts of this many, then sleeps 1 ms
  // One writer, one reader in lockstep: the writer sends a message only once the reader has every
  // earlier one and waits in recv again, so each wait must end with the message (the liveness
  // oracle, lost-wakeup). Clocks are read per message here, in no other phase.
  bool lockstep = false;
};

// One configuration the runner executes. Every field is set.
struct Phase : PhaseShape {
  std::string name;      // a campaign phase's name (phase_descriptor.h), or the workload's in a narrowed run
  std::string workload;  // a workload's name (workload.h)
  std::chrono::milliseconds duration{1'000};
  std::optional<std::uint64_t> messages;  // total across writers (writer_quota splits it)
};

}  // namespace shmh::stress
