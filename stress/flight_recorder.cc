#include "stress/flight_recorder.h"

#include <algorithm>
#include <cstdio>
#include <unordered_set>

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

// A run as read: untrusted values, bounded when used.
struct RunView {
  std::uint64_t first = kUnknownSeq;
  std::uint64_t end = kUnknownSeq;
  std::uint32_t writer = kUnknownWriter;
  std::uint32_t incarnation = 0;
};
RunView view(const SendRun& r) {
  return {r.first.load(std::memory_order_relaxed), r.end.load(std::memory_order_relaxed),
          r.writer.load(std::memory_order_relaxed), r.incarnation.load(std::memory_order_relaxed)};
}
void copy_run(const SendRun& from, SendRun& to) {
  const RunView v = view(from);
  to.first.store(v.first, std::memory_order_relaxed);
  to.end.store(v.end, std::memory_order_relaxed);
  to.writer.store(v.writer, std::memory_order_relaxed);
  to.incarnation.store(v.incarnation, std::memory_order_relaxed);
}

// `recorded` (oldest first) with the sends the runs and the cursor imply, ordered by sequence (a
// recorded entry before an implied one of the same sequence), the last `n` of them. A sequence a
// recorded send speaks for (ok, in progress, an error: anything but a timeout, which precedes a
// retry) implies nothing; each run implies at most its last `n` sequences, so garbled bounds cost
// no more than `n` entries.
std::vector<FlightEntry> with_implied_sends(std::vector<FlightEntry> recorded, const RunView (&runs)[2],
                                            const SendCursorNow& cursor, const SizeOf& size_of, std::size_t n) {
  std::unordered_set<std::uint64_t> spoken;
  for (const auto& e : recorded) {
    if (e.op == static_cast<std::uint8_t>(PeerOp::kSend) && e.outcome != FlightOutcome::kTimeout) spoken.insert(e.seq);
  }
  std::vector<FlightEntry> all = std::move(recorded);
  const std::size_t recorded_count = all.size();
  auto imply = [&](const RunView& run, std::uint64_t end, std::uint64_t pending) {
    if (run.first == kUnknownSeq || run.writer >= kUnknownWriter || end < run.first || end > kUnknownSeq) return;
    const std::uint64_t from = end - run.first > n ? end - n : run.first;
    auto add = [&](std::uint64_t seq, FlightOutcome outcome) {
      if (spoken.contains(seq)) return;
      all.push_back({.op = static_cast<std::uint8_t>(PeerOp::kSend),
                     .outcome = outcome,
                     .incarnation = static_cast<std::uint16_t>(run.incarnation & 0xffffU),
                     .size = size_of(run.writer, seq),
                     .writer = run.writer,
                     .seq = seq,
                     .t_ns = 0});
    };
    for (std::uint64_t seq = from; seq < end; ++seq) add(seq, FlightOutcome::kOk);
    if (pending != kUnknownSeq && pending >= end && pending - end < n) add(pending, FlightOutcome::kPending);
  };
  imply(runs[1], runs[1].end, kUnknownSeq);
  imply(runs[0], cursor.next_seq, cursor.in_flight);
  if (all.size() != recorded_count) {
    std::stable_sort(all.begin(), all.end(), [](const FlightEntry& a, const FlightEntry& b) { return a.seq < b.seq; });
  }
  if (all.size() > n) all.erase(all.begin(), all.end() - static_cast<std::ptrdiff_t>(n));
  return all;
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

void FlightRecorder::start_sends(std::uint32_t writer, std::uint32_t incarnation, std::uint64_t first) noexcept {
  copy_run(runs[0], runs[1]);
  runs[1].end.store(first, std::memory_order_relaxed);
  runs[0].first.store(first, std::memory_order_relaxed);
  runs[0].end.store(kUnknownSeq, std::memory_order_relaxed);
  runs[0].writer.store(writer, std::memory_order_relaxed);
  runs[0].incarnation.store(incarnation, std::memory_order_relaxed);
}

std::vector<FlightEntry> FlightRecorder::last(std::size_t n) const {
  return read_ring(slots, kEntries, count.load(std::memory_order_acquire), n);
}

std::vector<FlightEntry> FlightRecorder::last(std::size_t n, const SendCursorNow& cursor, const SizeOf& size_of) const {
  const RunView v[2] = {view(runs[0]), view(runs[1])};
  return with_implied_sends(last(kEntries), v, cursor, size_of, std::min(n, kEntries));
}

void FlightSnapshot::request(std::uint32_t w, std::uint64_t seq) noexcept {
  if (state.load(std::memory_order_relaxed) != kNone) return;
  writer.store(w, std::memory_order_relaxed);
  around.store(seq, std::memory_order_relaxed);
  state.store(kRequested, std::memory_order_release);
}

void FlightSnapshot::take_if_due(const FlightRecorder& from, const SendCursorNow& cursor, bool now) noexcept {
  if (state.load(std::memory_order_relaxed) != kRequested) return;
  const std::uint64_t end = from.count.load(std::memory_order_acquire);
  if (!now) {
    FlightEntry newest;
    const std::uint64_t seq = around.load(std::memory_order_relaxed);
    const bool recorded_past =
        end > 0 && decode(from.slots[(end - 1) % FlightRecorder::kEntries], &newest) && newest.seq >= seq + kPast;
    if (seq == kUnknownSeq || (!recorded_past && cursor.next_seq < seq + kPast)) return;
  }
  copy_run(from.runs[0], runs[0]);
  copy_run(from.runs[1], runs[1]);
  next_seq.store(cursor.next_seq, std::memory_order_relaxed);
  in_flight.store(cursor.in_flight, std::memory_order_relaxed);
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

std::vector<FlightEntry> FlightSnapshot::entries(const SizeOf& size_of) const {
  const RunView v[2] = {view(runs[0]), view(runs[1])};
  return with_implied_sends(
      read_ring(slots, kEntries, std::min<std::uint64_t>(count.load(std::memory_order_acquire), kEntries), kEntries), v,
      {next_seq.load(std::memory_order_relaxed), in_flight.load(std::memory_order_relaxed)}, size_of, kEntries);
}

}  // namespace shmh::stress
