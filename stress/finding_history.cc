#include "stress/finding_history.h"

#include <algorithm>

#include "stress/peer_group.h"

namespace shmh::stress {
namespace {

PeerHistory history_of(const PeerBoard& board, PeerId id, std::string now, const ImpliedSends* implied) {
  const PeerRecord& rec = board.record(id.role, id.index);
  PeerHistory h;
  h.peer = describe(id);
  h.pid = rec.pid.load(std::memory_order_relaxed);
  h.incarnation = rec.incarnation.load(std::memory_order_relaxed);
  h.now = std::move(now);
  h.last = implied != nullptr && id.role == Role::kWriter
               ? rec.recorder.last(kHistoryEntries, implied->cursor(id.index), implied->size_of)
               : rec.recorder.last(kHistoryEntries);
  return h;
}

// Sampled times since the phase began (a recorded 0 stays "not sampled"; nothing recorded before
// the start is trusted as such: it reads as the start).
void relative_times(std::vector<FlightEntry>& entries, std::uint64_t start_ns) {
  for (auto& e : entries) {
    if (e.t_ns != 0) e.t_ns = e.t_ns > start_ns ? e.t_ns - start_ns : 1;
  }
}

}  // namespace

void attach_history(std::vector<Finding>& findings, const PeerBoard& board, const DriveOutcome& drive,
                    const ImpliedSends* implied) {
  const std::vector<PhaseEvent>& events = drive.events;
  // The driver's word for what each peer was doing at the end (writers, then readers).
  auto doing = [&drive](std::size_t i) { return i < drive.doing.size() ? drive.doing[i] : std::string("unknown"); };
  std::vector<PeerHistory> peers;
  for (std::uint32_t w = 0; w < board.writers() && peers.size() < kHistoryPeers; ++w) {
    peers.push_back(history_of(board, {Role::kWriter, w}, doing(w), implied));
  }
  for (std::uint32_t r = 0; r < board.readers() && peers.size() < kHistoryPeers; ++r) {
    peers.push_back(history_of(board, {Role::kReader, r}, doing(std::size_t{board.writers()} + r), implied));
  }
  for (std::uint32_t r = 0; r < board.readers(); ++r) {
    const FlightSnapshot& snap = board.reader(r).snapshot;
    if (snap.state.load(std::memory_order_acquire) != FlightSnapshot::kTaken) continue;
    PeerHistory h;
    h.peer = "writer " + std::to_string(snap.writer.load(std::memory_order_relaxed)) + " when reader " +
             std::to_string(r) + " saw its first problem";
    h.around = snap.around.load(std::memory_order_relaxed);
    static const SizeOf no_sizes = [](std::uint32_t, std::uint64_t) { return 0U; };
    const auto all = snap.entries(implied != nullptr ? implied->size_of : no_sizes);
    // Those around the sequence the problem is about, if the copy holds it; else the latest.
    for (const auto& e : all) {
      if (h.around != kUnknownSeq && e.seq + kHistoryEntries / 2 >= h.around &&
          e.seq < h.around + kHistoryEntries / 2) {
        h.last.push_back(e);
      }
    }
    if (h.last.empty()) {
      const std::size_t from = all.size() > kHistoryEntries ? all.size() - kHistoryEntries : 0;
      h.last.assign(all.begin() + static_cast<std::ptrdiff_t>(from), all.end());
    }
    peers.push_back(std::move(h));
  }
  for (auto& h : peers) relative_times(h.last, drive.start_ns);
  const std::size_t first_event = events.size() > kHistoryEvents ? events.size() - kHistoryEvents : 0;
  const std::vector<PhaseEvent> recent(events.begin() + static_cast<std::ptrdiff_t>(first_event), events.end());
  for (auto& f : findings) {
    // What a peer saw as it happened is marked when the first peer reported a problem; what only
    // the end-of-phase audit can know (lost, stranded, leaked) stays at -1.
    const bool audit_only =
        f.kind == FindingKind::kLost || f.kind == FindingKind::kStranded || f.kind == FindingKind::kLeak;
    if (f.t_s < 0 && !audit_only) f.t_s = drive.first_problem_t_s;
    if (!f.history.empty() || !f.events.empty()) continue;
    f.history = peers;
    f.events = recent;
  }
}

}  // namespace shmh::stress
