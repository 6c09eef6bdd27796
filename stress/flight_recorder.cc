#include "stress/flight_recorder.h"

#include <algorithm>
#include <cstdio>

#include "stress/peer_board.h"

namespace shmh::stress {
namespace {

bool decode(const FlightSlot& s, FlightEntry* out) {
  const std::uint64_t head = s.head.load(std::memory_order_relaxed);
  const std::uint64_t who = s.who.load(std::memory_order_relaxed);
  const auto op = static_cast<std::uint8_t>(head & 0xff);
  const auto outcome = static_cast<std::uint8_t>((head >> 8) & 0xff);
  if (op > static_cast<std::uint8_t>(PeerOp::kDone) || outcome > static_cast<std::uint8_t>(FlightOutcome::kMaxValue)) {
    return false;
  }
  out->op = op;
  out->outcome = static_cast<FlightOutcome>(outcome);
  out->incarnation = static_cast<std::uint16_t>((head >> 16) & 0xffff);
  out->size = static_cast<std::uint32_t>(head >> 32);
  out->writer = static_cast<std::uint32_t>(who >> 48);
  out->seq = who & 0xffffffffffffULL;
  out->t_ns = s.t_ns.load(std::memory_order_relaxed);
  return true;
}

// Slots [count - n, count) of a ring of `slots` entries, oldest first.
std::vector<FlightEntry> read_ring(const FlightSlot* slots, std::size_t size, std::uint64_t count, std::size_t n) {
  std::vector<FlightEntry> out;
  const std::uint64_t take = std::min<std::uint64_t>({n, size, count});
  out.reserve(take);
  for (std::uint64_t i = count - take; i < count; ++i) {
    FlightEntry e;
    if (decode(slots[i % size], &e)) out.push_back(e);
  }
  return out;
}

}  // namespace

const char* to_string(FlightOutcome outcome) {
  switch (outcome) {
    case FlightOutcome::kOk:
      return "ok";
    case FlightOutcome::kTimeout:
      return "timeout";
    case FlightOutcome::kClosed:
      return "closed";
    case FlightOutcome::kError:
      return "error";
    case FlightOutcome::kCorrupt:
      return "corrupt";
    case FlightOutcome::kDuplicate:
      return "duplicate";
    case FlightOutcome::kReordered:
      return "reordered";
    case FlightOutcome::kBeyond:
      return "never-sent";
    case FlightOutcome::kPending:
      return "in-progress";
  }
  return "?";
}

std::string describe(const FlightEntry& e) {
  std::string text = to_string(static_cast<PeerOp>(e.op));
  if (e.writer != kUnknownWriter) {
    text += " w" + std::to_string(e.writer) + "#" + (e.seq == kUnknownSeq ? std::string("?") : std::to_string(e.seq));
  }
  text += " " + std::to_string(e.size) + " B " + to_string(e.outcome);
  if (e.t_ns != 0) {
    char at[48];
    std::snprintf(at, sizeof at, " at %.3f s", static_cast<double>(e.t_ns) / 1e9);
    text += at;
  }
  return text;
}

std::vector<FlightEntry> FlightRecorder::last(std::size_t n) const {
  return read_ring(slots, kEntries, count.load(std::memory_order_acquire), n);
}

void FlightSnapshot::request(std::uint32_t w, std::uint64_t seq) noexcept {
  if (state.load(std::memory_order_relaxed) != kNone) return;
  writer.store(w, std::memory_order_relaxed);
  around.store(seq, std::memory_order_relaxed);
  state.store(kRequested, std::memory_order_release);
}

void FlightSnapshot::take_if_due(const FlightRecorder& from, bool now) noexcept {
  if (state.load(std::memory_order_relaxed) != kRequested) return;
  const std::uint64_t end = from.count.load(std::memory_order_acquire);
  if (!now) {
    FlightEntry newest;
    const std::uint64_t seq = around.load(std::memory_order_relaxed);
    const bool past = end > 0 && decode(from.slots[(end - 1) % FlightRecorder::kEntries], &newest) &&
                      seq != kUnknownSeq && newest.seq >= seq + kPast;
    if (!past) return;
  }
  const std::uint64_t n = std::min<std::uint64_t>({end, kEntries, FlightRecorder::kEntries});
  for (std::uint64_t i = 0; i < n; ++i) {
    const FlightSlot& s = from.slots[(end - n + i) % FlightRecorder::kEntries];
    slots[i].head.store(s.head.load(std::memory_order_relaxed), std::memory_order_relaxed);
    slots[i].who.store(s.who.load(std::memory_order_relaxed), std::memory_order_relaxed);
    slots[i].t_ns.store(s.t_ns.load(std::memory_order_relaxed), std::memory_order_relaxed);
  }
  count.store(n, std::memory_order_relaxed);
  state.store(kTaken, std::memory_order_release);
}

std::vector<FlightEntry> FlightSnapshot::entries() const {
  return read_ring(slots, kEntries, std::min<std::uint64_t>(count.load(std::memory_order_acquire), kEntries), kEntries);
}

}  // namespace shmh::stress
