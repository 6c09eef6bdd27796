#include "stress/flow/receive_check.h"

#include <string>

#include "core/framing/frame.h"
#include "core/framing/small_message.h"

namespace shmh::stress {
namespace {

// How many messages past the expected one a tiny message may be (those between were lost).
constexpr std::uint64_t kTinyLookahead = 8;

// The sequence the only writer of the reader's lane sends next, as far as this reader knows.
std::uint64_t next_expected(const Flow& flow, std::uint32_t reader) {
  const std::uint64_t last = flow.board.last_seen(reader, 0).load(std::memory_order_relaxed);
  return last == kNoSequence ? 0 : last + 1;
}

// A tiny message is the next one of the lane's only writer (writer 0), or a few after it.
CheckedFrame identify_tiny(const Flow& flow, std::uint32_t reader, std::span<const std::byte> message) {
  CheckedFrame f;
  if (!flow.tiny) return f;
  const std::uint64_t next = next_expected(flow, reader);
  for (std::uint64_t seq = next; seq <= next + kTinyLookahead; ++seq) {
    if (flow.size_of(0, seq) == message.size() && tiny_matches(message, flow.seed, 0, seq)) {
      f.status = FrameStatus::kOk;
      f.writer = 0;
      f.sequence = seq;
      return f;
    }
  }
  return f;
}

// Whose a damaged message is, when that can be told: a frame whose header names an existing writer
// and a sequence that writer has reached (a damaged payload leaves the header intact), or, with one
// writer, that writer's next expected sequence. {kUnknownWriter, kUnknownSeq} otherwise.
struct Suspect {
  std::uint32_t writer = kUnknownWriter;
  std::uint64_t sequence = kUnknownSeq;
};
Suspect suspect_of(const Flow& flow, std::uint32_t reader, std::span<const std::byte> message) {
  if (const auto claim = claimed_identity(message);
      claim && claim->writer < flow.board.writers() &&
      claim->sequence <= flow.send_cursor(claim->writer).next_seq.load(std::memory_order_relaxed)) {
    return {.writer = claim->writer, .sequence = claim->sequence};
  }
  if (flow.board.writers() == 1 && reader != kDrainReader) {
    const std::uint64_t last = flow.board.last_seen(reader, 0).load(std::memory_order_relaxed);
    return {.writer = 0, .sequence = last == kNoSequence ? 0 : last + 1};
  }
  return {};
}

// At the reader's first problem: asks for what writer `w` did around `seq` (the reader copies it a
// few messages later: take_requested_snapshot). A drain has no record of its own.
void snapshot_writer(const Flow& flow, PeerRecord& rec, std::uint32_t reader, std::uint32_t w, std::uint64_t seq) {
  if (reader == kDrainReader || w >= flow.board.writers()) return;
  rec.snapshot.request(w, seq);
}

}  // namespace

Received check_received(const Flow& flow, PeerRecord& rec, ReceiveCursor* cursor, std::uint32_t reader,
                        std::uint32_t lane, std::span<const std::byte> message, ReceivedAt at) {
  const std::uint64_t seed = flow.seed;
  auto who = [reader] {
    return reader == kDrainReader ? std::string("left in the channel") : "reader " + std::to_string(reader);
  };
  // Whose message it is, by its length: a frame, a compact message, or a tiny one that only the
  // lane's expected sequence identifies.
  CheckedFrame f;
  if (message.size() >= kFrameHeaderSize) {
    f = flow.frames.check(message);
  } else if (message.size() >= kCompactMin) {
    f = check_compact(message, seed);
  } else {
    f = identify_tiny(flow, reader == kDrainReader ? lane : reader, message);  // lane = its one reader
  }
  if (f.status != FrameStatus::kOk || f.writer >= flow.board.writers()) {
    PeerRecord::add(rec.corrupt, 1);
    std::string what = std::to_string(message.size()) + "-byte message at " + who() + ": ";
    if (message.size() < kCompactMin) {
      what += flow.tiny ? "not the next message of its lane's writer (seq " +
                              std::to_string(next_expected(flow, reader == kDrainReader ? lane : reader)) +
                              " or one of the " + std::to_string(kTinyLookahead) + " after it)"
                        : "shorter than any message sent in this phase";
    } else if (message.size() < kFrameHeaderSize) {
      what += "compact message's check or bytes do not match";
    } else if (f.status == FrameStatus::kTruncated) {
      what += "truncated (shorter than its frame declares)";
    } else if (f.status == FrameStatus::kOk) {
      what += "intact frame from writer " + std::to_string(f.writer) + ", which does not exist";
    } else {
      what += "not what its header's writer sent";
      if (auto bad = first_bad_byte(message, seed)) {
        what += ", first bad byte at offset " + std::to_string(*bad);
      } else {
        what += " (the check word or the stamp bytes differ)";
      }
    }
    rec.note_problem(what);
    const Suspect suspect = suspect_of(flow, reader, message);
    snapshot_writer(flow, rec, reader, suspect.writer, suspect.sequence);
    return {.outcome = FlightOutcome::kCorrupt, .writer = suspect.writer, .sequence = suspect.sequence, .t_ns = 0};
  }
  if (cursor != nullptr) {
    cursor->pending_writer.store(f.writer, std::memory_order_relaxed);
    cursor->pending_sequence.store(f.sequence, std::memory_order_relaxed);
    cursor->set(ReceiveStep::kPending, at.slot);
  }
  auto id = [&f] { return "writer " + std::to_string(f.writer) + " seq " + std::to_string(f.sequence); };
  const Mark mark = flow.ledger.mark(lane, f.writer, f.sequence, flow.exclusive_lanes);
  if (mark == Mark::kOutOfRange) {
    PeerRecord::add(rec.corrupt, 1);
    rec.note_problem(id() + " at " + who() + ": sequence beyond anything sent");
    snapshot_writer(flow, rec, reader, f.writer, flow.send_cursor(f.writer).next_seq.load(std::memory_order_relaxed));
    return {.outcome = FlightOutcome::kBeyond, .writer = f.writer, .sequence = f.sequence, .t_ns = 0};
  }
  if (mark == Mark::kDuplicate) {
    PeerRecord::add(rec.duplicated, 1);
    rec.note_problem(id() + " received again (" + who() + ")");
    snapshot_writer(flow, rec, reader, f.writer, f.sequence);
    return {.outcome = FlightOutcome::kDuplicate, .writer = f.writer, .sequence = f.sequence, .t_ns = 0};
  }
  Received got{.outcome = FlightOutcome::kOk, .writer = f.writer, .sequence = f.sequence, .t_ns = 0};
  if (f.sequence % kStampEvery == 0) got.t_ns = latency_sample(flow, rec, message, at.time_ns);
  // The order check, per reader; the drain continues the lane's reader's when tiny messages need
  // it to know what comes next.
  const std::uint32_t orderer = reader != kDrainReader ? reader : (flow.tiny ? lane : kDrainReader);
  if (orderer != kDrainReader) {
    auto& last = flow.board.last_seen(orderer, f.writer);
    const std::uint64_t before = last.load(std::memory_order_relaxed);
    if (before != kNoSequence && f.sequence < before) {
      if (flow.fifo) {
        PeerRecord::add(rec.reordered, 1);
        rec.note_problem(id() + " arrived after seq " + std::to_string(before) + " at " + who());
        snapshot_writer(flow, rec, reader, f.writer, f.sequence);
        got.outcome = FlightOutcome::kReordered;
      }
    } else {
      last.store(f.sequence, std::memory_order_relaxed);
    }
  }
  return got;
}

std::uint64_t latency_sample(const Flow& flow, PeerRecord& rec, std::span<const std::byte> message,
                             std::uint64_t received_ns) {
  if (frame_stamp_bytes(message.size()) != 8) return 0;  // a stamp cut short: not a sample
  const std::uint64_t stamp = flow.frames.stamp(message);
  if (stamp == 0) return 0;
  const std::uint64_t now = received_ns != 0 ? received_ns : monotonic_ns();
  if (stamp <= now) rec.latency.record(now - stamp);
  return now;
}

void take_requested_snapshot(const Flow& flow, PeerRecord& rec, bool now) {
  const std::uint32_t w = rec.snapshot.writer.load(std::memory_order_relaxed);
  if (w < flow.board.writers()) rec.snapshot.take_if_due(flow.board.writer(w).recorder, flow.cursor_now(w), now);
}

}  // namespace shmh::stress
