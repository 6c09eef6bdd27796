#include "stress/flow/receive_check.h"

#include <string>

#include "core/framing/frame.h"

namespace shmh::stress {

void check_received(const Flow& flow, PeerRecord& rec, ReceiveCursor* cursor, std::uint32_t reader, std::uint32_t lane,
                    std::span<const std::byte> message) {
  const std::uint64_t seed = flow.seed;
  const auto f = check_frame(message, seed);
  auto who = [reader] {
    return reader == kDrainReader ? std::string("left in the channel") : "reader " + std::to_string(reader);
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
  if (cursor != nullptr) {
    cursor->pending_writer.store(f.writer, std::memory_order_relaxed);
    cursor->pending_sequence.store(f.sequence, std::memory_order_relaxed);
    cursor->set(ReceiveStep::kPending);
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
  if (reader != kDrainReader) {
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

}  // namespace shmh::stress
