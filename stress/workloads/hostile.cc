#include "stress/workloads/hostile.h"

#include <sched.h>

#include <algorithm>
#include <charconv>
#include <ctime>
#include <memory>

#include "core/channel/channel.h"
#include "core/framing/frame.h"
#include "core/process/child_process.h"
#include "core/random/splitmix.h"
#include "core/segment/guarded_buffer.h"
#include "stress/finding_history.h"
#include "stress/flow/size_picker.h"
#include "stress/peer_board.h"
#include "stress/peer_group.h"
#include "stress/phase_driver.h"
#include "stress/scribbler.h"

namespace shmh::stress {
namespace {

// A peer's tally of the answers that are not messages, in its board record.
struct HostileTally {
  std::atomic<std::uint64_t> timeouts{0};
  std::atomic<std::uint64_t> refused{0};  // SHMH_ECORRUPT, or an open that failed: the channel saw the damage
  std::atomic<std::uint64_t> other{0};    // the other documented statuses (ECLOSED, ETOOBIG, ...)
};

struct Hostile {
  const WorkloadEnv& env;
  const shmh_channel_vtable* vtable = nullptr;
  std::string address;
  PeerBoard board;
  SizePicker sizes{kFrameHeaderSize, kFrameHeaderSize};
};

// A reader stops after this many answers once the writers are done (a damaged channel may hand out
// garbage forever), or after kIdleAnswers timeouts in a row.
constexpr std::uint64_t kDrainAnswers = 4096;
constexpr std::uint64_t kIdleAnswers = 5;

// How the flight recorder shows an answer that is not a message.
FlightOutcome outcome_of(std::int64_t rc) {
  switch (rc) {
    case SHMH_OK:
      return FlightOutcome::kOk;
    case SHMH_ETIMEOUT:
      return FlightOutcome::kTimeout;
    case SHMH_ECLOSED:
      return FlightOutcome::kClosed;
    case SHMH_ECORRUPT:
      return FlightOutcome::kCorrupt;
    default:
      return FlightOutcome::kError;
  }
}

// Counts one non-message answer; false (and a problem noted) when the ABI does not define it.
bool tally(PeerRecord& rec, HostileTally& t, const char* call, std::int64_t rc, const Channel& ch, PeerId id) {
  if (rc == SHMH_ETIMEOUT) {
    PeerRecord::add(t.timeouts, 1);
  } else if (rc == SHMH_ECORRUPT) {
    PeerRecord::add(t.refused, 1);
  } else if (documented_status(rc)) {
    PeerRecord::add(t.other, 1);
  } else {
    PeerRecord::add(rec.errors, 1);
    rec.note_problem(describe(id) + ": " + call + " answered " + std::to_string(rc) +
                     ", a status the ABI does not define (" + ch.last_error().message + ")");
    return false;
  }
  return true;
}

// Opens the channel, again and again while the open fails (it may validate a header the scribbler has
// just damaged: a refusal is a documented answer); nullopt once the phase is ending.
std::optional<Channel> open_under_attack(const Hostile& h, PeerRecord& rec, HostileTally& t) {
  for (;;) {
    rec.begin(PeerOp::kOpen);
    auto ch = Channel::open(*h.vtable, h.address);
    if (ch) return std::move(*ch);
    PeerRecord::add(t.refused, 1);
    PeerRecord::add(rec.progress, 1);
    if (h.board.stop_writing() || h.board.aborted()) return std::nullopt;
    ::sched_yield();
  }
}

ChildReport writer_body(const Hostile& h, std::uint32_t w) {
  const PeerId id{Role::kWriter, w};
  PeerRecord& rec = h.board.writer(w);
  HostileTally& t = rec.state<HostileTally>();
  const Phase& phase = h.env.phase;
  auto ch = open_under_attack(h, rec, t);
  if (!ch) {
    rec.finish();
    return {};
  }
  FrameWriter frames(h.env.seed, w, phase.msg_max);
  const std::uint64_t writer_seed = derive_seed(h.env.seed, 0x73697a6500000000ULL | w);
  const std::uint64_t quota = writer_quota(phase.messages, h.board.writers(), w);
  const std::uint32_t incarnation = rec.incarnation.load();
  std::uint64_t seq = 0;
  while (!h.board.stop_writing() && !h.board.aborted() && seq < quota) {
    const std::uint32_t size = h.sizes.at(writer_seed, seq);
    rec.begin(PeerOp::kSend, seq);
    const int rc = ch->send(frames.encode(seq, size), phase.op_timeout_ns);
    rec.now_in(PeerOp::kIdle);
    rec.recorder.record(static_cast<std::uint8_t>(PeerOp::kSend), outcome_of(rc), incarnation, size, w, seq, 0);
    if (rc == SHMH_OK) {
      PeerRecord::add(rec.ok, 1);
      PeerRecord::add(rec.bytes, size);
      ++seq;
    } else if (!tally(rec, t, "send", rc, *ch, id)) {
      break;
    }
    PeerRecord::add(rec.progress, 1);  // every answer: only a call that does not return stops it
  }
  rec.finish();
  return {};
}

ChildReport reader_body(const Hostile& h, std::uint32_t r) {
  const PeerId id{Role::kReader, r};
  PeerRecord& rec = h.board.reader(r);
  HostileTally& t = rec.state<HostileTally>();
  const Phase& phase = h.env.phase;
  auto ch = open_under_attack(h, rec, t);
  if (!ch) {
    rec.finish();
    return {};
  }
  auto guarded = GuardedBuffer::create(phase.msg_max);
  if (!guarded) return ChildReport{1, guarded.error().message()};
  const std::span<std::byte> buffer = guarded->bytes();
  const FrameChecker frames(h.env.seed, phase.msg_max);
  const std::uint32_t incarnation = rec.incarnation.load();
  constexpr auto kRecv = static_cast<std::uint8_t>(PeerOp::kRecv);
  std::uint64_t after_done = 0;
  std::uint64_t idle = 0;
  while (!h.board.aborted()) {
    if (h.board.writers_done() && (++after_done > kDrainAnswers || idle >= kIdleAnswers)) break;
    rec.begin(PeerOp::kRecv);
    const std::int64_t n = ch->recv(buffer, phase.op_timeout_ns);
    rec.now_in(PeerOp::kVerify);
    PeerRecord::add(rec.progress, 1);
    idle = n == SHMH_ETIMEOUT ? idle + 1 : 0;
    if (n < 0) {
      rec.recorder.record(kRecv, outcome_of(n), incarnation, 0, kUnknownWriter, 0, 0);
      if (!tally(rec, t, "recv", n, *ch, id)) break;
      continue;
    }
    if (static_cast<std::uint64_t>(n) > buffer.size()) {
      rec.recorder.record(kRecv, FlightOutcome::kError, incarnation, static_cast<std::uint32_t>(n), kUnknownWriter, 0,
                          0);
      PeerRecord::add(rec.errors, 1);
      rec.note_problem(describe(id) + ": recv returned a length of " + std::to_string(n) + " for a " +
                       std::to_string(buffer.size()) + "-byte buffer (max_message " + std::to_string(phase.msg_max) +
                       "): a length taken from the shared bytes?");
      break;
    }
    const auto got = std::span<const std::byte>(buffer).first(static_cast<std::size_t>(n));
    const CheckedFrame f = frames.check(got);
    rec.recorder.record(kRecv, f.status == FrameStatus::kOk ? FlightOutcome::kOk : FlightOutcome::kCorrupt, incarnation,
                        static_cast<std::uint32_t>(n), f.status == FrameStatus::kOk ? f.writer : kUnknownWriter,
                        f.sequence, 0);
    if (f.status == FrameStatus::kOk) {
      PeerRecord::add(rec.ok, 1);
      PeerRecord::add(rec.bytes, static_cast<std::uint64_t>(n));
    } else {
      PeerRecord::add(rec.corrupt, 1);  // damaged: delivered, never counted as intact
    }
  }
  rec.finish();
  return {};
}

// The scribbler's process: an episode of damage, a hold of up to 0.5 ms, the restore, a gap of up
// to 0.5 ms, until the writers are told to stop. Reports how many places it damaged.
ChildReport scribbler_body(const Hostile& h, std::span<std::byte> region) {
  Scribbler s(region, {.capacity = h.env.phase.capacity, .max_message = h.env.phase.msg_max},
              derive_seed(h.env.seed, 0x686f7374696c65ULL));
  SplitMix64 rng(derive_seed(h.env.seed, 0x7061636500000000ULL));
  auto nap = [&rng] {
    const timespec t{.tv_sec = 0, .tv_nsec = static_cast<long>(rng() % 500'000)};
    (void)::nanosleep(&t, nullptr);
  };
  while (!h.board.stop_writing() && !h.board.aborted()) {
    (void)s.damage();
    nap();
    s.restore();
    nap();
  }
  s.restore();
  return ChildReport{0, std::to_string(s.places())};
}

std::optional<std::string> unsupported(const WorkloadEnv& env) {
  const Phase& p = env.phase;
  if (env.channel == nullptr || env.channel->vtable == nullptr) return "needs a channel";
  const shmh_channel_vtable& vt = *env.channel->vtable;
  const std::string name = vt.name;
  if (!exposes_shared_bytes(vt)) {
    return "channel " + name +
           " does not expose its shared memory (shared_bytes, ABI 2): the hostile peer has nothing to rewrite";
  }
  if (env.options.mode != PeerMode::kProcesses) {
    return "needs processes (the scribbler's writes race with the peers' calls by design)";
  }
  if (p.writers == 0 || p.readers == 0) return "needs at least one writer and one reader";
  if (p.writers > 1 && (vt.flags & SHMH_CHANNEL_MULTI_WRITER) == 0) return "channel " + name + " takes one writer";
  if (p.readers > 1 && (vt.flags & SHMH_CHANNEL_MULTI_READER) == 0) return "channel " + name + " takes one reader";
  if (p.msg_min < kFrameHeaderSize || p.msg_min > p.msg_max) {
    return "message sizes must be " + std::to_string(kFrameHeaderSize) + " ≤ MIN ≤ MAX (each carries a frame)";
  }
  return std::nullopt;
}

std::string fit(Phase& phase, std::uint32_t flags) {
  std::string changed;
  if (phase.writers > 1 && (flags & SHMH_CHANNEL_MULTI_WRITER) == 0) {
    changed = std::to_string(phase.writers) + " writers → 1";
    phase.writers = 1;
  }
  if (phase.readers > 1 && (flags & SHMH_CHANNEL_MULTI_READER) == 0) {
    changed += (changed.empty() ? "" : ", ") + std::to_string(phase.readers) + " readers → 1";
    phase.readers = 1;
  }
  return changed;
}

std::string describe_phase(const Phase& p, const StressOptions& /*options*/) {
  return std::to_string(p.writers) + "w/" + std::to_string(p.readers) + "r " + std::to_string(p.msg_min) + ".." +
         std::to_string(p.msg_max) + " B cap " + std::to_string(p.capacity) + ", a scribbler on the shared bytes";
}

PhaseOutcome run(WorkloadEnv& env) {
  PhaseOutcome out;
  out.result.phase = env.phase;
  const Phase& phase = env.phase;
  auto board = PeerBoard::create(phase.writers, phase.readers);
  if (!board) {
    out.error = board.error();
    return out;
  }
  board->init_states<HostileTally, HostileTally>();
  const shmh_channel_config config{.capacity = phase.capacity,
                                   .max_message = phase.msg_max,
                                   .backend = static_cast<std::uint32_t>(env.options.backend),
                                   .mode = 0600,
                                   .name = "shmh-hostile"};
  auto created = Channel::create(*env.channel->vtable, config);
  if (!created) {
    out.error = created.error();
    return out;
  }
  const std::span<std::byte> region = created->shared_bytes();
  if (region.empty()) {
    SysError e = logic_error("shared_bytes", created->last_error().message);
    (void)created->destroy();
    out.error = e;
    return out;
  }
  Hostile h{.env = env,
            .vtable = env.channel->vtable,
            .address = created->address(),
            .board = std::move(*board),
            .sizes = SizePicker(phase.msg_min, phase.msg_max)};
  // Forked before the peers, from a runner with no peer threads: it lives until the writers stop.
  auto scribbler = ChildProcess::spawn([&h, region] { return scribbler_body(h, region); });
  if (!scribbler) {
    (void)created->destroy();
    out.error = scribbler.error();
    return out;
  }
  DriveOutcome drive;
  {
    PeerGroup group(env.options.mode, h.board, [&h](PeerId id) -> ChildReport {
      return id.role == Role::kWriter ? writer_body(h, id.index) : reader_body(h, id.index);
    });
    const DriveConfig drive_config{.on_kill = {},
                                   .describe_op = [](PeerId id, const PeerRecord& rec) -> std::string {
                                     return id.role == Role::kWriter ? "of seq " + std::to_string(rec.op_arg.load())
                                                                     : std::string();
                                   },
                                   .every_call_progresses = true};
    drive = drive_phase(group, h.board, env, drive_config);
  }
  take_drive(drive, out);
  out.result.exactly_once = false;
  h.board.set_stop_writing();  // (the driver did; a stopped scribbler must not wait for it)
  // It stops within one episode (≤ 1 ms) of the stop word; bounded all the same (then killed).
  if (auto ended = scribbler->wait(std::chrono::milliseconds(10'000)); ended && ended->ok()) {
    (void)std::from_chars(ended->message.data(), ended->message.data() + ended->message.size(), out.result.scribbles);
  } else {
    out.findings.push_back(
        Finding{.kind = FindingKind::kSetup,
                .phase = phase.name,
                .detail = "the scribbler " + (ended ? ended->describe() : "did not end: " + ended.error().message())});
  }
  Counts& c = out.result.counts;
  std::string bad;
  for (std::uint32_t i = 0; i < h.board.writers() + h.board.readers(); ++i) {
    const bool writer = i < h.board.writers();
    const PeerRecord& rec = writer ? h.board.writer(i) : h.board.reader(i - h.board.writers());
    const HostileTally& t = rec.state<HostileTally>();
    (writer ? c.sent : c.received) += rec.ok.load();
    if (!writer) c.bytes += rec.bytes.load();
    c.damaged += rec.corrupt.load();
    c.refused += t.refused.load();
    if (rec.errors.load() != 0 && bad.empty()) bad = rec.first_problem;
  }
  if (auto d = created->destroy(); !d) {
    out.findings.push_back(
        Finding{.kind = FindingKind::kChannelError, .phase = phase.name, .detail = "destroy: " + d.error().message()});
  }
  if (!bad.empty()) {
    out.findings.push_back(Finding{.kind = FindingKind::kBadAnswer, .phase = phase.name, .detail = bad});
  }
  attach_history(out.findings, h.board, drive);
  return out;
}

}  // namespace

const WorkloadDescriptor& hostile_workload() {
  static const WorkloadDescriptor descriptor{
      .name = "hostile",
      .help =
          "writers and readers on one channel while a scribbler rewrites its shared bytes: no crash, no hang, "
          "no answer outside the ABI",
      .uses_channel = true,
      .has_readers = true,
      .unit = "msg/s",
      .backends = kAllBackends,
      .defaults = {.writers = 1, .readers = 1, .msg_min = 24, .msg_max = 128, .capacity = 16},
      .options = {},
      .describe = describe_phase,
      .unsupported = unsupported,
      .fit = fit,
      .run = run,
  };
  return descriptor;
}

}  // namespace shmh::stress
