// Flow: the state one phase of the message flow (queue, broadcast) shares between the runner and
// its peers — the channels' addresses, the peer board with each peer's typed state, the delivery
// ledger — and the per-peer states themselves. Built by run_message_flow (message_flow.h) before
// any peer starts; peers (flow_peers.h) only read it, and write their own board record.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/channel/channel.h"
#include "core/framing/frame.h"
#include "core/random/splitmix.h"
#include "stress/delivery_ledger.h"
#include "stress/flow/receive_stage.h"
#include "stress/flow/size_picker.h"
#include "stress/peer_board.h"
#include "stress/workload.h"

namespace shmh::stress {

// kQueue — one channel, every reader competes, each message must reach exactly one reader;
// kBroadcast — one channel per reader, each writer sends every message to every reader's channel,
// each reader must see every message exactly once.
enum class Topology { kQueue, kBroadcast };

// A writer's resume point, in its board record. Every sequence below next_seq was sent (send
// returned OK), except those in flight in a killed incarnation. The send under way is the record's
// own op word: op kSend with op_arg = its sequence, from before the channel call until after
// next_seq moved past it (one word serves the watchdog, aimed kills, kill accounting and the flight
// recorder: each store between two sends costs the stream, README "Benchmarks").
struct SendCursor {
  std::atomic<std::uint64_t> next_seq{0};
  std::atomic<std::uint64_t> sent_at{0};  // lockstep: when the last send returned (monotonic ns), before next_seq
};

// Where a reader is with the messages at hand, in its board record, so a kill can be accounted.
enum class ReceiveStep : std::uint32_t {
  kIdle = 0,     // between messages: a kill takes nothing with it but its staged messages
  kInRecv = 1,   // inside recv into its slot: a kill may take one message with it
  kPending = 2,  // the message from its slot is known intact as (writer, sequence), maybe not yet
                 // recorded; a reader leaves it there after recording it, until its next recv
                 // (kill accounting finds such a message in the ledger and the recorder and adds nothing)
};
struct ReceiveCursor {
  std::atomic<std::uint32_t> step{0};  // ReceiveStep | the slot it is about (receive_stage.h) << 8
  std::atomic<std::uint32_t> pending_writer{0};
  std::atomic<std::uint64_t> pending_sequence{0};
  std::atomic<std::uint64_t> timeouts{0};  // lockstep: recv calls that timed out (the writer waits for two at most)
  // Per stage slot: 1 + the size of a message received there and not yet checked, 0 for none.
  std::atomic<std::uint32_t> staged[ReceiveStages::kSlots]{};

  void set(ReceiveStep s, std::uint32_t slot = 0) noexcept {
    step.store(static_cast<std::uint32_t>(s) | slot << 8, std::memory_order_relaxed);
  }
  [[nodiscard]] ReceiveStep get() const noexcept { return static_cast<ReceiveStep>(step.load() & 0xffU); }
  [[nodiscard]] std::uint32_t slot() const noexcept { return step.load() >> 8; }  // unchecked: a dead reader's word
};

// Latency is sampled: the sequences that are multiples of kStampEvery carry their send time
// (others carry 0), so the clock is read for 1 message in 64 on each side — ~25 ns a read on the
// VM (kvm-clock), 1.4 ns a message at 1 in 16 (stress_bench SendingCost), ~0.35 ns now; still
// ~15 000 samples a second at 1 M messages a second.
inline constexpr std::uint64_t kStampEvery = 64;

// A peer publishes its byte (and ok) counts every this many messages (at its end too), not per
// message; its message count (`progress`) moves with every message.
inline constexpr std::uint64_t kCountEvery = 16;

// Readers end after this long with an empty channel once the writers are done.
inline constexpr std::uint64_t kDrainIdleNs = 100'000'000;

struct Flow {
  // Copies, not references to the runner's: when peer threads stay stuck inside a channel the flow
  // is deliberately leaked to them, and whatever they read must outlive the runner's phase list.
  Phase phase;
  StressOptions options;
  std::uint64_t seed = 0;
  ChannelSource source;  // keeps a plugin loaded while stuck threads may still be inside it
  Topology topology;
  const shmh_channel_vtable* vtable = nullptr;
  bool fifo = false;
  bool exclusive_lanes = false;  // one reader per lane: arrivals need no atomic read-modify-write
  // Messages of 0..7 bytes are sent (tiny_sizes_unsupported says when they can be): the lane's reader
  // knows which message comes next, the only way to check one that cannot say whose it is.
  bool tiny = false;
  SizePicker sizes{0, 1};         // the phase's sizes, from 8 unless `tiny`
  std::vector<Channel> channels;  // the runner's (creator's) handles, one per lane
  std::vector<std::string> addresses;
  PeerBoard board;
  DeliveryLedger ledger;
  SendRecord sends;
  FrameChecker frames{0, 0};  // the readers' frame check, for (seed, the phase's msg_max): set it with the rest
  // Where readers receive when they check each message after the next recv (empty: at once).
  ReceiveStages stages;

  // The size of writer w's message `seq` (what the reader expects of a tiny one); size_seed(w) is
  // its first step, for a writer to compute once.
  [[nodiscard]] std::uint64_t size_seed(std::uint32_t w) const { return derive_seed(seed, 0x73697a6500000000ULL | w); }
  [[nodiscard]] std::uint32_t size_of(std::uint32_t w, std::uint64_t seq) const { return sizes.at(size_seed(w), seq); }
  [[nodiscard]] std::uint32_t lanes() const { return static_cast<std::uint32_t>(channels.size()); }
  // The lane reader r takes its messages from.
  [[nodiscard]] std::uint32_t lane_of(std::uint32_t r) const { return topology == Topology::kQueue ? 0 : r; }
  [[nodiscard]] SendCursor& send_cursor(std::uint32_t w) const { return board.writer(w).state<SendCursor>(); }
  // Writer w's cursor for its flight recorder: next_seq, and the send under way (its record's op).
  [[nodiscard]] SendCursorNow cursor_now(std::uint32_t w) const {
    const PeerRecord& rec = board.writer(w);
    const bool sending = rec.op.load(std::memory_order_relaxed) == static_cast<std::uint32_t>(PeerOp::kSend);
    return {.next_seq = send_cursor(w).next_seq.load(std::memory_order_relaxed),
            .in_flight = sending ? rec.op_arg.load(std::memory_order_relaxed) : kUnknownSeq};
  }
  // What the flight recorder needs to decode the writers' implied sends.
  [[nodiscard]] ImpliedSends implied_sends() const {
    return {.cursor = [this](std::uint32_t w) { return cursor_now(w); },
            .size_of = [this](std::uint32_t w, std::uint64_t seq) { return size_of(w, seq); }};
  }
  [[nodiscard]] ReceiveCursor& receive_cursor(std::uint32_t r) const { return board.reader(r).state<ReceiveCursor>(); }
};

// How many channels (lanes) a flow of `topology` has: one for a queue, one per reader for a broadcast.
inline std::uint32_t lanes_for(Topology topology, std::uint32_t readers) {
  return topology == Topology::kQueue ? 1 : readers;
}

// A flow's shared state for `phase` — the board with its typed cursors, the ledger (one lane for a
// queue, one per reader for a broadcast), the frame check, one in-doubt slot per writer and lane —
// and no channel, stages or sizes yet: the runner (message_flow.cc) adds those; tests and
// benchmarks use it as it is. On the heap: a flow is left alive to threads stuck in a channel.
Result<std::unique_ptr<Flow>> make_flow(const Phase& phase, const StressOptions& options, std::uint64_t seed,
                                        const ChannelSource& source, Topology topology, bool fifo);

}  // namespace shmh::stress
