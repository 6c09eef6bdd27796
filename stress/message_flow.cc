#include "stress/message_flow.h"

#include <algorithm>
#include <memory>

#include "core/framing/small_message.h"
#include "stress/finding_history.h"
#include "stress/flow/final_drain.h"
#include "stress/flow/flow_audit.h"
#include "stress/flow/flow_peers.h"
#include "stress/flow/kill_accounting.h"
#include "stress/phase_driver.h"

namespace shmh::stress {
namespace {

// Creates one channel per lane; on failure destroys those already made.
Result<void> create_lanes(Flow& flow, std::uint32_t lanes) {
  const Phase& phase = flow.phase;
  const std::string hint = "shmh-stress";
  for (std::uint32_t lane = 0; lane < lanes; ++lane) {
    const shmh_channel_config config{.capacity = phase.capacity,
                                     .max_message = phase.msg_max,
                                     .backend = static_cast<std::uint32_t>(flow.options.backend),
                                     .mode = 0600,
                                     .name = hint.c_str()};
    auto ch = Channel::create(*flow.vtable, config);
    if (!ch) {
      for (auto& c : flow.channels) (void)c.destroy();
      flow.channels.clear();
      SysError e = ch.error();
      e.detail = "channel " + std::string(flow.vtable->name) + " (capacity " + std::to_string(phase.capacity) +
                 ", max message " + std::to_string(phase.msg_max) + ")" + (e.detail.empty() ? "" : ": " + e.detail);
      return e;
    }
    flow.addresses.push_back(ch->address());
    flow.channels.push_back(std::move(*ch));
  }
  return {};
}

}  // namespace

std::optional<std::string> message_flow_unsupported(const WorkloadEnv& env, Topology topology) {
  const Phase& p = env.phase;
  if (env.channel == nullptr || env.channel->vtable == nullptr) return "needs a channel";
  const std::uint32_t flags = env.channel->vtable->flags;
  const std::string name = env.channel->vtable->name;
  if (p.writers == 0 || p.readers == 0) return "needs at least one writer and one reader";
  if (p.writers > 1 && (flags & SHMH_CHANNEL_MULTI_WRITER) == 0) return "channel " + name + " takes one writer";
  if (topology == Topology::kQueue && p.readers > 1 && (flags & SHMH_CHANNEL_MULTI_READER) == 0) {
    return "channel " + name + " takes one reader";
  }
  if (p.msg_min > p.msg_max || p.msg_max == 0) return "message sizes must be MIN ≤ MAX, MAX ≥ 1";
  if (p.msg_min < kCompactMin) {
    if (auto why = tiny_sizes_unsupported(p, flags, topology)) {
      return "messages below 8 bytes (--msg-size " + std::to_string(p.msg_min) + ":...) " + *why +
             "; use --msg-size 8:MAX";
    }
  }
  return std::nullopt;
}

std::optional<std::string> tiny_sizes_unsupported(const Phase& phase, std::uint32_t flags, Topology topology) {
  if ((flags & SHMH_CHANNEL_FIFO_PER_WRITER) == 0) return "need a FIFO channel";
  if (phase.writers != 1) return "need one writer";
  if (topology == Topology::kQueue && phase.readers != 1) return "need one reader per channel";
  if (phase.kill_rate > 0) return "cannot be checked across kills";
  return std::nullopt;
}

std::string fit_message_phase(Phase& phase, std::uint32_t flags, Topology topology) {
  std::string changed;
  if (phase.writers > 1 && (flags & SHMH_CHANNEL_MULTI_WRITER) == 0) {
    changed = std::to_string(phase.writers) + " writers → 1";
    phase.writers = 1;
  }
  if (topology == Topology::kQueue && phase.readers > 1 && (flags & SHMH_CHANNEL_MULTI_READER) == 0) {
    changed += (changed.empty() ? "" : ", ") + std::to_string(phase.readers) + " readers → 1";
    phase.readers = 1;
  }
  if (phase.msg_min < kCompactMin && tiny_sizes_unsupported(phase, flags, topology)) {
    changed += (changed.empty() ? "" : ", ") + std::string("sizes from 8");
    phase.msg_min = std::min<std::uint32_t>(kCompactMin, phase.msg_max);
  }
  return changed;
}

std::string describe_message_phase(const Phase& p, const StressOptions& /*options*/) {
  return std::to_string(p.writers) + "w/" + std::to_string(p.readers) + "r " + std::to_string(p.msg_min) + ".." +
         std::to_string(p.msg_max) + " B cap " + std::to_string(p.capacity);
}

PhaseOutcome run_message_flow(WorkloadEnv& env, Topology topology) {
  PhaseOutcome out;
  out.result.phase = env.phase;
  const Phase& phase = env.phase;
  // On the heap: if threads stay stuck inside the channel, the flow they use is left alive (below).
  auto created = make_flow(phase, env.options, env.seed, *env.channel, topology,
                           (env.channel->vtable->flags & SHMH_CHANNEL_FIFO_PER_WRITER) != 0);
  if (!created) {
    out.error = created.error();
    return out;
  }
  std::unique_ptr<Flow> owned = std::move(*created);
  const std::uint32_t lanes = lanes_for(topology, phase.readers);
  Flow& flow = *owned;
  // Readers check a message after their next recv (receive_stage.h) — not in lockstep, where the
  // writer waits for the reader to have counted each message before it sends the next.
  if (!phase.lockstep && phase.msg_max <= ReceiveStages::kMaxMessage) {
    auto stages = ReceiveStages::create(phase.readers, phase.msg_max);
    if (!stages) {
      out.error = stages.error();
      return out;
    }
    flow.stages = std::move(*stages);
  }
  flow.tiny = !tiny_sizes_unsupported(phase, env.channel->vtable->flags, topology);
  flow.sizes =
      SizePicker(flow.tiny ? phase.msg_min : std::max<std::uint32_t>(phase.msg_min, kCompactMin), phase.msg_max);
  if (auto made = create_lanes(flow, lanes); !made) {
    out.error = made.error();
    return out;
  }
  DriveOutcome drive;
  {
    PeerGroup group(env.options.mode, flow.board, [&flow](PeerId id) -> ChildReport {
      return id.role == Role::kWriter ? run_flow_writer(flow, id.index) : run_flow_reader(flow, id.index);
    });
    DriveConfig config{.on_kill = [&flow](PeerId id) { account_flow_kill(flow, id); },
                       .describe_op = [](PeerId id, const PeerRecord& rec) -> std::string {
                         if (id.role == Role::kWriter && rec.op.load() == static_cast<std::uint32_t>(PeerOp::kSend)) {
                           return "of seq " + std::to_string(rec.op_arg.load());
                         }
                         return {};
                       }};
    drive = drive_phase(group, flow.board, env, config);
  }
  take_drive(drive, out);
  if (drive.stuck_threads > 0) {
    // They may still touch the flow, its ledger and channels: leave all of it alive and end the run.
    const ImpliedSends implied = flow.implied_sends();
    attach_history(out.findings, flow.board, drive, &implied);
    (void)owned.release();  // NOLINT(bugprone-unused-return-value): deliberately leaked
    out.error = logic_error("threads", std::to_string(drive.stuck_threads) +
                                           " peer thread(s) are stuck inside channel calls that ignore their "
                                           "timeouts; the run cannot go on in this process (use processes, the "
                                           "default, for this channel)");
    return out;
  }

  // What the readers left: drain it and check it like any arrival — unless the phase stalled (the
  // channel may hang whoever calls it now).
  auto leftovers = std::make_unique<PeerRecord>();
  if (!drive.aborted) {
    if (auto drained = drain_leftovers(flow, *leftovers); !drained) {
      out.findings.push_back(
          Finding{.kind = FindingKind::kStall, .phase = phase.name, .detail = drained.error().message()});
    }
  }
  for (std::uint32_t lane = 0; lane < lanes && !drive.aborted; ++lane) {
    const auto stats = flow.channels[lane].stats();
    out.result.channel_abandoned += stats.abandoned_sends + stats.abandoned_recvs;
  }
  for (auto& ch : flow.channels) {
    if (auto d = ch.destroy(); !d) {
      out.findings.push_back(Finding{
          .kind = FindingKind::kChannelError, .phase = phase.name, .detail = "destroy: " + d.error().message()});
    }
  }
  audit_flow(flow, *leftovers, drive.kills, drive.aborted && !drive.interrupted, out);
  const ImpliedSends implied = flow.implied_sends();
  attach_history(out.findings, flow.board, drive, &implied);
  return out;
}

}  // namespace shmh::stress
