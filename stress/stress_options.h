// StressOptions: what one `shmharness stress` run does, as the CLI parsed it — and Phase, one
// configuration of a workload that the runner executes. A run is a list of phases: the options
// either name one configuration (any of --workload, --writers, --readers, --msg-size, --capacity,
// --kill given) or leave the campaign to explore (campaign_plan.h).
//
//   shmh::stress::StressOptions o;            // defaults: the exploring campaign on `ring`
//   o.channel = "boost-mq";
//   auto phases = shmh::stress::plan_phases(o);
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "core/segment/backend.h"

namespace shmh::stress {

enum class PeerMode { kProcesses, kThreads };

// "processes" or "threads".
const char* to_string(PeerMode mode);

inline constexpr std::uint32_t kMaxPeersPerRole = 64;  // writers ≤ 64, readers ≤ 64
inline constexpr std::uint32_t kMinMessage = 24;       // a frame's header (core/framing/frame.h)
inline constexpr std::uint32_t kMaxMessage = 1U << 20;

struct StressOptions {
  std::string channel = "ring";  // ring | boost-mq | pipe | path to a plugin .so
  Backend backend = Backend::kSysv;
  PeerMode mode = PeerMode::kProcesses;
  // Unset = the campaign explores (campaign_plan.h); set = that value in every phase.
  std::optional<std::string> workload;  // queue | broadcast | regions | churn
  std::optional<std::uint32_t> writers;
  std::optional<std::uint32_t> readers;
  std::optional<std::uint32_t> msg_min;
  std::optional<std::uint32_t> msg_max;
  std::optional<std::uint32_t> capacity;
  std::optional<double> kill_rate;             // SIGKILLs per second across all peers (processes only)
  std::chrono::milliseconds duration{10'000};  // the whole run, shared among its phases
  std::optional<std::uint64_t> messages;       // stop each phase after this many messages sent
  std::uint64_t seed = 0;
  std::chrono::milliseconds watchdog{5'000};  // no progress this long ends the run: "stall"
  std::uint32_t segment_mib = 8;              // churn: segment size
};

// One configuration the runner executes. Every field is set.
struct Phase {
  std::string name;      // "1w1r", "many", "edges", ... or "custom"
  std::string workload;  // a workload's name (workload.h)
  std::uint32_t writers = 1;
  std::uint32_t readers = 1;
  std::uint32_t msg_min = 64;
  std::uint32_t msg_max = 64;
  std::uint32_t capacity = 64;
  double kill_rate = 0;
  std::int64_t op_timeout_ns = 20'000'000;  // per send/recv attempt; 0 = poll (the full/empty paths)
  std::uint32_t reader_pause_us = 0;        // a reader sleeps this long every 64 messages (backpressure)
  std::uint32_t burst = 0;                  // a writer sends bursts of this many, then sleeps 1 ms
  std::chrono::milliseconds duration{1'000};
  std::optional<std::uint64_t> messages;  // total across writers
};

}  // namespace shmh::stress
