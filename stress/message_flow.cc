#include "stress/message_flow.h"

#include <sched.h>
#include <signal.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <memory>
#include <random>
#include <thread>

#include "core/channel/channel.h"
#include "core/framing/frame.h"
#include "stress/delivery_ledger.h"
#include "stress/latency_summary.h"
#include "stress/peer_board.h"
#include "stress/peer_group.h"
#include "stress/phase_driver.h"

namespace shmh::stress {
namespace {

constexpr std::uint64_t kDrainIdleNs = 100'000'000;  // readers end after 100 ms of an empty channel
constexpr std::uint32_t kNoLane = ~std::uint32_t{0};

// splitmix64: the per-message random source (std::mt19937_64's refills cost more than the rest of
// a 64-byte message's bookkeeping).
class FastRng {
 public:
  explicit FastRng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t operator()() noexcept {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

 private:
  std::uint64_t state_;
};

// Message sizes: a quarter at the edges (min, min+1, max-1, max, and the 8-byte residues around
// 64 and 128), the rest uniform — so odd sizes, both limits and the slot boundaries all occur.
class SizePicker {
 public:
  SizePicker(std::uint32_t min, std::uint32_t max) : min_(min), span_(std::uint64_t{max} - min + 1) {
    for (const std::uint32_t s : {min, min + 1, max - 1, max, 63U, 64U, 65U, 127U, 128U, 129U}) {
      if (s >= min && s <= max) edges_.push_back(s);
    }
  }
  std::uint32_t operator()(FastRng& rng) {
    if (span_ == 1) return min_;
    const std::uint64_t r = rng();
    if ((r & 3U) == 0) return edges_[(r >> 2) % edges_.size()];
    return min_ + static_cast<std::uint32_t>((r >> 2) % span_);
  }

 private:
  std::uint32_t min_;
  std::uint64_t span_;
  std::vector<std::uint32_t> edges_;
};

// Latency is sampled: the sequences that are multiples of kStampEvery carry their send time
// (others carry 0), so the clock is read for 1 message in 16 on each side.
constexpr std::uint64_t kStampEvery = 16;

struct Flow {
  WorkloadEnv& env;
  Topology topology;
  const shmh_channel_vtable* vtable = nullptr;
  bool fifo = false;
  bool exclusive_lanes = false;   // one reader per lane: arrivals need no atomic read-modify-write
  std::vector<Channel> channels;  // the runner's (creator's) handles, one per lane
  std::vector<std::string> addresses;
  PeerBoard board;
  DeliveryLedger ledger;
  SendRecord sends;

  [[nodiscard]] std::uint32_t lanes() const { return static_cast<std::uint32_t>(channels.size()); }
  [[nodiscard]] std::uint64_t quota(std::uint32_t w) const {
    if (!env.phase.messages) return ~std::uint64_t{0};
    const std::uint64_t n = *env.phase.messages;
    const std::uint64_t writers = board.writers();
    return n / writers + (w < n % writers ? 1 : 0);
  }
};

std::uint64_t peer_seed(std::uint64_t seed, PeerId id, std::uint32_t incarnation) {
  return seed ^ ((std::uint64_t{id.index} + 1) * 0x9e3779b97f4a7c15ULL) ^
         (std::uint64_t{incarnation} * 0xc2b2ae3d27d4eb4fULL) ^ (id.role == Role::kReader ? 0x5555ULL : 0);
}

// Checks one received message and records it. `reader` is kNoLane for the runner's final drain.
// The per-message path allocates nothing: texts are built only for a problem.
void consume(const Flow& flow, PeerRecord& rec, bool track_pending, std::uint32_t reader, std::uint32_t lane,
             std::span<const std::byte> message) {
  const std::uint64_t seed = flow.env.seed;
  const auto f = check_frame(message, seed);
  auto who = [reader] {
    return reader == kNoLane ? std::string("left in the channel") : "reader " + std::to_string(reader);
  };
  if (f.status != FrameStatus::kOk || f.writer >= flow.board.writers()) {
    PeerRecord::add(rec.corrupt, 1);
    std::string what = std::to_string(message.size()) + "-byte message at " + who() + ": ";
    if (f.status == FrameStatus::kTruncated) {
      what += "truncated (shorter than its frame declares)";
    } else if (f.status == FrameStatus::kOk) {
      what += "intact frame from writer " + std::to_string(f.writer) + ", which does not exist";
    } else {
      what += "checksum mismatch";
      if (auto bad = first_bad_byte(message, seed)) what += ", first bad byte at offset " + std::to_string(*bad);
    }
    rec.note_problem(what);
    return;
  }
  if (track_pending) {
    rec.pending_writer.store(f.writer, std::memory_order_relaxed);
    rec.pending_sequence.store(f.sequence, std::memory_order_relaxed);
    rec.receiving.store(2, std::memory_order_relaxed);
  }
  auto id = [&f] { return "writer " + std::to_string(f.writer) + " seq " + std::to_string(f.sequence); };
  const Mark mark = flow.ledger.mark(lane, f.writer, f.sequence, flow.exclusive_lanes);
  if (mark == Mark::kOutOfRange) {
    PeerRecord::add(rec.corrupt, 1);
    rec.note_problem(id() + " at " + who() + ": sequence beyond anything sent");
    return;
  }
  if (mark == Mark::kDuplicate) {
    PeerRecord::add(rec.duplicated, 1);
    rec.note_problem(id() + " received again (" + who() + ")");
    return;
  }
  PeerRecord::add(rec.ok, 1);
  if (f.sequence % kStampEvery == 0 && frame_stamp_bytes(message.size()) == 8) {
    const std::uint64_t stamp = frame_stamp(message, seed);
    if (stamp != 0) {
      const std::uint64_t now = monotonic_ns();
      if (stamp <= now) rec.latency.record(now - stamp);
    }
  }
  if (reader != kNoLane) {
    auto& last = flow.board.last_seen(reader, f.writer);
    const std::uint64_t before = last.load(std::memory_order_relaxed);
    if (before != kNoSequence && f.sequence < before) {
      if (flow.fifo) {
        PeerRecord::add(rec.reordered, 1);
        rec.note_problem(id() + " arrived after seq " + std::to_string(before) + " at " + who());
      }
    } else {
      last.store(f.sequence, std::memory_order_relaxed);
    }
  }
}

void channel_problem(PeerRecord& rec, const char* what, const Channel& ch, const std::string& who) {
  PeerRecord::add(rec.errors, 1);
  rec.note_problem(who + ": " + what + ": " + ch.last_error().message);
}

ChildReport writer_body(Flow& flow, std::uint32_t w) {
  const PeerId id{Role::kWriter, w};
  PeerRecord& rec = flow.board.writer(w);
  const Phase& phase = flow.env.phase;
  rec.begin(PeerOp::kOpen);
  std::vector<Channel> out;
  for (const auto& address : flow.addresses) {
    auto ch = Channel::open(*flow.vtable, address);
    if (!ch) return ChildReport{1, "open " + address + ": " + ch.error().message()};
    out.push_back(std::move(*ch));
  }
  FrameWriter frames(flow.env.seed, w, phase.msg_max);
  FastRng rng(peer_seed(flow.env.seed, id, rec.incarnation.load()));
  SizePicker sizes(phase.msg_min, phase.msg_max);
  const std::uint64_t quota = std::min(flow.quota(w), flow.ledger.capacity());
  for (std::uint64_t seq = rec.next_seq.load(); seq < quota && !flow.board.stop_writing();) {
    const std::uint32_t size = sizes(rng);
    rec.in_flight.store(seq, std::memory_order_relaxed);
    rec.begin(PeerOp::kSend, seq);
    const auto frame = frames.encode(seq, size, seq % kStampEvery == 0 ? monotonic_ns() : 0);
    for (auto& ch : out) {
      for (;;) {
        const int rc = ch.send(frame, phase.op_timeout_ns);
        if (rc == SHMH_OK) break;
        if (flow.board.aborted()) return {};
        if (rc != SHMH_ETIMEOUT) {
          channel_problem(rec, "send", ch, describe(id));
          rec.finish();
          return {};
        }
        if (phase.op_timeout_ns == 0) ::sched_yield();
      }
    }
    // next_seq before in_flight: a kill between the two must not make the restart resend `seq`.
    rec.next_seq.store(seq + 1, std::memory_order_relaxed);
    rec.in_flight.store(kNoSequence, std::memory_order_relaxed);
    rec.done_one(std::uint64_t{size} * out.size());
    ++seq;
    if (phase.burst != 0 && seq % phase.burst == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  rec.finish();
  return {};
}

ChildReport reader_body(Flow& flow, std::uint32_t r) {
  const PeerId id{Role::kReader, r};
  PeerRecord& rec = flow.board.reader(r);
  const Phase& phase = flow.env.phase;
  const std::uint32_t lane = flow.topology == Topology::kQueue ? 0 : r;
  rec.begin(PeerOp::kOpen);
  auto ch = Channel::open(*flow.vtable, flow.addresses[lane]);
  if (!ch) return ChildReport{1, "open " + flow.addresses[lane] + ": " + ch.error().message()};
  std::vector<std::byte> buffer(phase.msg_max);
  std::uint64_t idle_since = 0;
  std::uint64_t count = 0;
  while (!flow.board.aborted()) {
    rec.receiving.store(1, std::memory_order_relaxed);
    rec.begin(PeerOp::kRecv);
    const std::int64_t n = ch->recv(buffer, phase.op_timeout_ns);
    if (n >= 0) {
      idle_since = 0;
      rec.begin(PeerOp::kVerify);
      consume(flow, rec, true, r, lane, std::span(buffer).first(static_cast<std::size_t>(n)));
      rec.receiving.store(0, std::memory_order_relaxed);
      rec.done_one(static_cast<std::uint64_t>(n));
      if (phase.reader_pause_us != 0 && ++count % 64 == 0) {
        std::this_thread::sleep_for(std::chrono::microseconds(phase.reader_pause_us));
      }
      continue;
    }
    rec.receiving.store(0, std::memory_order_relaxed);
    if (n == SHMH_ETIMEOUT) {
      if (flow.board.writers_done()) {
        const std::uint64_t now = monotonic_ns();
        if (idle_since == 0) idle_since = now;
        if (now - idle_since > kDrainIdleNs) break;
      }
      if (phase.op_timeout_ns == 0) std::this_thread::sleep_for(std::chrono::microseconds(50));
      continue;
    }
    channel_problem(rec, "recv", *ch, describe(id));
    if (n != SHMH_ECORRUPT) break;  // the channel released the bad slot: go on; otherwise stop
  }
  rec.finish();
  return {};
}

// A kill's accounting, from the victim's record (it is dead: the record is stable).
void account_kill(Flow& flow, PeerId id) {
  if (id.role == Role::kWriter) {
    PeerRecord& rec = flow.board.writer(id.index);
    const std::uint64_t inflight = rec.in_flight.load();
    const std::uint64_t next = rec.next_seq.load();
    if (inflight != kNoSequence && inflight >= next && inflight < flow.ledger.capacity()) {
      flow.sends.in_doubt[id.index].push_back(inflight);
      rec.next_seq.store(inflight + 1);
    }
    rec.in_flight.store(kNoSequence);
    return;
  }
  PeerRecord& rec = flow.board.reader(id.index);
  const std::uint32_t lane = flow.topology == Topology::kQueue ? 0 : id.index;
  const std::uint32_t state = rec.receiving.load();
  if (state == 2) {
    // Intact and identified, maybe not yet recorded: record it (a duplicate mark is harmless).
    (void)flow.ledger.mark(lane, rec.pending_writer.load(), rec.pending_sequence.load());
  } else if (state == 1) {
    ++flow.sends.reader_kills_receiving[lane];  // inside recv: one message may have gone with it
  }
  rec.receiving.store(0);
}

void add_finding(PhaseOutcome& out, const char* kind, std::string detail) {
  out.findings.push_back(Finding{.kind = kind, .phase = out.result.phase.name, .detail = std::move(detail)});
}

// The first problem text among the records whose counter `field` is non-zero.
std::string first_problem(const std::vector<const PeerRecord*>& records,
                          std::atomic<std::uint64_t> PeerRecord::*field) {
  for (const auto* r : records) {
    if ((r->*field).load() != 0 && r->first_problem_set.load() != 0) return r->first_problem;
  }
  return "(no example recorded)";
}

// Receives what is left in every lane (zero timeout) and checks it; "" or why it could not.
std::string drain_leftovers(const Flow& flow, PeerRecord& leftovers) {
  auto drain = [&flow](PeerRecord& into) -> std::string {
    std::vector<std::byte> buffer(flow.env.phase.msg_max);
    for (std::uint32_t lane = 0; lane < flow.lanes(); ++lane) {
      auto ch = Channel::open(*flow.vtable, flow.addresses[lane]);
      if (!ch) return "open " + flow.addresses[lane] + " for the final drain: " + ch.error().message();
      for (int i = 0; i < 1'000'000; ++i) {
        const std::int64_t n = ch->recv(buffer, 0);
        if (n < 0) break;
        consume(flow, into, false, kNoLane, lane, std::span(buffer).first(static_cast<std::size_t>(n)));
      }
    }
    return {};
  };
  if (flow.env.options.mode == PeerMode::kThreads) return drain(leftovers);
  // The child's counts come back through shared memory (the ledger already is).
  auto shared = PeerBoard::create(0, 1);
  if (!shared) return shared.error().message();
  auto child = ChildProcess::spawn([&]() -> ChildReport { return drain(shared->reader(0)); });
  if (!child) return "final drain: " + child.error().message();
  auto exit = child->wait(std::chrono::milliseconds(10'000));
  if (!exit) {
    (void)child->kill(SIGKILL);
    (void)child->wait();
    return "the final drain of the channel (recv with timeout 0) hung for 10 s";
  }
  const PeerRecord& got = shared->reader(0);
  leftovers.corrupt.store(got.corrupt.load());
  leftovers.duplicated.store(got.duplicated.load());
  leftovers.ok.store(got.ok.load());
  leftovers.bytes.store(got.bytes.load());
  if (got.first_problem_set.load() != 0) leftovers.note_problem(got.first_problem);
  if (!exit->ok()) return "final drain " + exit->describe();
  return {};
}

}  // namespace

std::string message_flow_unsupported(const WorkloadEnv& env, Topology topology) {
  const Phase& p = env.phase;
  if (env.channel == nullptr || env.channel->vtable == nullptr) return "needs a channel";
  const std::uint32_t flags = env.channel->vtable->flags;
  const std::string name = env.channel->vtable->name;
  if (p.writers == 0 || p.readers == 0) return "needs at least one writer and one reader";
  if (p.writers > 1 && (flags & SHMH_CHANNEL_MULTI_WRITER) == 0) return "channel " + name + " takes one writer";
  if (topology == Topology::kQueue && p.readers > 1 && (flags & SHMH_CHANNEL_MULTI_READER) == 0) {
    return "channel " + name + " takes one reader";
  }
  if (p.msg_min < kMinMessage || p.msg_min > p.msg_max) return "message sizes must be 24 ≤ MIN ≤ MAX";
  if (p.kill_rate > 0 && env.options.mode == PeerMode::kThreads)
    return "--kill needs processes (a thread cannot be killed)";
  return {};
}

PhaseOutcome run_message_flow(WorkloadEnv& env, Topology topology) {
  PhaseOutcome out;
  out.result.phase = env.phase;
  const Phase& phase = env.phase;
  auto board = PeerBoard::create(phase.writers, phase.readers);
  if (!board) {
    out.error = board.error().message();
    return out;
  }
  const std::uint32_t lanes = topology == Topology::kQueue ? 1 : phase.readers;
  auto ledger = DeliveryLedger::create(lanes, phase.writers);
  if (!ledger) {
    out.error = ledger.error().message();
    return out;
  }
  // On the heap: if threads stay stuck inside the channel, the flow they use is left alive (below).
  auto owned = std::unique_ptr<Flow>(new Flow{.env = env,
                                              .topology = topology,
                                              .vtable = env.channel->vtable,
                                              .fifo = (env.channel->vtable->flags & SHMH_CHANNEL_FIFO_PER_WRITER) != 0,
                                              .exclusive_lanes = topology == Topology::kBroadcast || phase.readers == 1,
                                              .channels = {},
                                              .addresses = {},
                                              .board = std::move(*board),
                                              .ledger = std::move(*ledger),
                                              .sends = {}});
  Flow& flow = *owned;
  flow.sends.in_doubt.resize(phase.writers);
  flow.sends.reader_kills_receiving.resize(lanes);
  const std::string hint = "shmh-stress";
  for (std::uint32_t lane = 0; lane < lanes; ++lane) {
    const shmh_channel_config config{.capacity = phase.capacity,
                                     .max_message = phase.msg_max,
                                     .backend = static_cast<std::uint32_t>(env.options.backend),
                                     .mode = 0600,
                                     .name = hint.c_str()};
    auto ch = Channel::create(*flow.vtable, config);
    if (!ch) {
      out.error = "channel " + std::string(flow.vtable->name) + " create (capacity " + std::to_string(phase.capacity) +
                  ", max message " + std::to_string(phase.msg_max) + "): " + ch.error().message();
      for (auto& c : flow.channels) (void)c.destroy();
      return out;
    }
    flow.addresses.push_back(ch->address());
    flow.channels.push_back(std::move(*ch));
  }
  DriveOutcome drive;
  {
    PeerGroup group(env.options.mode, flow.board, [&flow](PeerId id) -> ChildReport {
      return id.role == Role::kWriter ? writer_body(flow, id.index) : reader_body(flow, id.index);
    });
    DriveConfig config{.on_kill = [&flow](PeerId id) { account_kill(flow, id); },
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
    (void)owned.release();  // NOLINT(bugprone-unused-return-value): deliberately leaked
    out.error = std::to_string(drive.stuck_threads) +
                " peer thread(s) are stuck inside channel calls that ignore their " +
                "timeouts; the run cannot go on in this process (use processes, the default, for this channel)";
    return out;
  }

  // What the readers left: drain it and check it like any arrival — unless the phase stalled (the
  // channel may hang whoever calls it now). With peers as processes the drain runs in a child
  // under a time limit, so even a channel that hangs its caller cannot hang the runner.
  auto leftovers = std::make_unique<PeerRecord>();
  if (!drive.aborted) {
    if (auto why = drain_leftovers(flow, *leftovers); !why.empty()) add_finding(out, "stall", why);
  }
  for (std::uint32_t lane = 0; lane < lanes && !drive.aborted; ++lane) {
    const auto stats = flow.channels[lane].stats();
    out.result.channel_abandoned += stats.abandoned_sends + stats.abandoned_recvs;
  }
  for (auto& ch : flow.channels) {
    if (auto d = ch.destroy(); !d) add_finding(out, "channel-error", "destroy: " + d.error().message());
  }

  // Accounting.
  for (std::uint32_t w = 0; w < phase.writers; ++w) flow.sends.next_seq.push_back(flow.board.writer(w).next_seq.load());
  const Audit audit = flow.ledger.audit(flow.sends);
  Counts& c = out.result.counts;
  c = audit.counts;
  std::vector<const PeerRecord*> readers;
  for (std::uint32_t r = 0; r < phase.readers; ++r) readers.push_back(&flow.board.reader(r));
  readers.push_back(leftovers.get());
  std::vector<const PeerRecord*> all = readers;
  for (std::uint32_t w = 0; w < phase.writers; ++w) all.push_back(&flow.board.writer(w));
  stats::LatencyHistogram latency;
  std::uint64_t errors = 0;
  for (const auto* r : all) {
    c.corrupt += r->corrupt.load();
    c.duplicated += r->duplicated.load();
    c.reordered += r->reordered.load();
    errors += r->errors.load();
  }
  for (const auto* r : readers) {
    c.bytes += r->bytes.load();
    // The histogram lives in memory a peer wrote: take it only through the validating reader.
    auto h = stats::LatencyHistogram::from_bytes(r->latency.to_bytes());
    if (h) latency.merge(*h);
  }
  c.corrupt += audit.phantom;
  out.histogram = latency;
  out.result.latency = summarize(latency);

  if (c.lost > 0) {
    std::string examples;
    for (const auto& e : audit.lost_examples) examples += (examples.empty() ? "" : ", ") + e;
    add_finding(out, "lost",
                std::to_string(c.lost) + " message(s) sent and never received, beyond what " +
                    std::to_string(drive.kills) + " kill(s) left in flight: " + examples);
  }
  if (c.duplicated > 0)
    add_finding(out, "duplicated",
                std::to_string(c.duplicated) + " duplicate(s): " + first_problem(all, &PeerRecord::duplicated));
  if (c.corrupt > 0) {
    add_finding(
        out, "corrupt",
        std::to_string(c.corrupt) + " corrupt message(s): " +
            (audit.phantom > 0 && c.corrupt == audit.phantom ? std::string("intact frames with sequences never sent")
                                                             : first_problem(all, &PeerRecord::corrupt)));
  }
  if (c.reordered > 0)
    add_finding(out, "reordered",
                std::to_string(c.reordered) + " out of order: " + first_problem(all, &PeerRecord::reordered));
  if (errors > 0)
    add_finding(out, "channel-error",
                std::to_string(errors) + " failed call(s): " + first_problem(all, &PeerRecord::errors));
  return out;
}

}  // namespace shmh::stress
