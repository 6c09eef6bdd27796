// The message flow shared by the channel workloads (queue, broadcast): writers send framed
// messages (core/framing) of seeded sizes, stamped with their send time; readers check every
// message as hostile bytes, record its arrival in the DeliveryLedger and its latency, and the
// audit at the end accounts for every message. The pieces live in stress/flow/: the shared state
// (flow.h), the peers' bodies (flow_peers.h), the check of one message (receive_check.h), a kill's
// accounting (kill_accounting.h), the final drain (final_drain.h) and the audit (flow_audit.h).
#pragma once

#include <optional>
#include <string>

#include "stress/flow/flow.h"
#include "stress/workload.h"

namespace shmh::stress {

// Why the phase cannot run on this channel (nullopt when it can): writers/readers beyond what the
// channel's flags allow, sizes out of range.
std::optional<std::string> message_flow_unsupported(const WorkloadEnv& env, Topology topology);

// Fits a campaign phase to the channel: one writer without SHMH_CHANNEL_MULTI_WRITER, one reader
// (queue) without SHMH_CHANNEL_MULTI_READER, sizes from 8 where tiny ones cannot be checked.
// Returns what changed ("" when nothing).
std::string fit_message_phase(Phase& phase, std::uint32_t flags, Topology topology);

// Why messages below 8 bytes cannot be checked in this phase (nullopt when they can): a tiny
// message does not say whose it is, so its lane must have one writer, one reader, FIFO order and
// no kills (after which the next message is in doubt).
std::optional<std::string> tiny_sizes_unsupported(const Phase& phase, std::uint32_t flags, Topology topology);

// "2w/2r 24..256 B cap 64".
std::string describe_message_phase(const Phase& phase, const StressOptions& options);

// Runs one phase: creates the channels, drives the peers, drains what is left, audits.
PhaseOutcome run_message_flow(WorkloadEnv& env, Topology topology);

}  // namespace shmh::stress
