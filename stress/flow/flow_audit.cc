#include "stress/flow/flow_audit.h"

#include <string>
#include <vector>

#include "stress/latency_summary.h"

namespace shmh::stress {
namespace {

// The first problem text among the records whose counter `field` is non-zero.
std::string first_problem(const std::vector<const PeerRecord*>& records,
                          std::atomic<std::uint64_t> PeerRecord::*field) {
  for (const auto* r : records) {
    if ((r->*field).load() != 0 && r->first_problem_set.load() != 0) return r->first_problem;
  }
  return "(no example recorded)";
}

}  // namespace

void audit_flow(Flow& flow, const PeerRecord& leftovers, std::uint64_t kills, bool stalled, PhaseOutcome& out) {
  const Phase& phase = flow.phase;
  auto add = [&out](FindingKind kind, std::string detail) {
    out.findings.push_back(Finding{.kind = kind, .phase = out.result.phase.name, .detail = std::move(detail)});
  };
  flow.sends.next_seq.clear();
  for (std::uint32_t w = 0; w < phase.writers; ++w) flow.sends.next_seq.push_back(flow.send_cursor(w).next_seq.load());
  const Audit audit = flow.ledger.audit(flow.sends);
  Counts& c = out.result.counts;
  c = audit.counts;
  std::vector<const PeerRecord*> readers;
  readers.reserve(std::size_t{phase.readers} + 1);
  for (std::uint32_t r = 0; r < phase.readers; ++r) readers.push_back(&flow.board.reader(r));
  readers.push_back(&leftovers);
  std::vector<const PeerRecord*> all = readers;
  for (std::uint32_t w = 0; w < phase.writers; ++w) all.push_back(&flow.board.writer(w));
  stats::LatencyHistogram latency;
  std::uint64_t errors = 0;
  std::uint64_t lost_wakeups = 0;
  for (const auto* r : all) {
    lost_wakeups += r->lost_wakeups.load();
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

  std::string examples;
  for (const auto& e : audit.lost_examples) examples += (examples.empty() ? "" : ", ") + e;
  if (stalled && c.lost > 0) {
    // The channel stopped moving and was not drained (calling it might hang): what is missing is
    // stuck in it, not lost — the stall or no-recovery finding is the bug.
    c.stranded = c.lost;
    c.lost = 0;
    add(FindingKind::kStranded,
        std::to_string(c.stranded) + " message(s) sent and still in the channel when it stopped moving: " + examples);
  }
  if (c.lost > 0) {
    add(FindingKind::kLost, std::to_string(c.lost) + " message(s) sent and never received, beyond what " +
                                std::to_string(kills) + " kill(s) left in flight: " + examples);
  }
  if (c.duplicated > 0) {
    add(FindingKind::kDuplicated,
        std::to_string(c.duplicated) + " duplicate(s): " + first_problem(all, &PeerRecord::duplicated));
  }
  if (c.corrupt > 0) {
    // A pointer stored in shared memory shows as corruption once peers map at different addresses.
    const std::string where = describe_mappings(flow.board);
    add(FindingKind::kCorrupt,
        std::to_string(c.corrupt) + " corrupt message(s): " +
            (audit.phantom > 0 && c.corrupt == audit.phantom ? std::string("intact frames with sequences never sent")
                                                             : first_problem(all, &PeerRecord::corrupt)) +
            (where.empty() ? "" : "; peers mapped the channel at " + where));
  }
  if (c.reordered > 0) {
    add(FindingKind::kReordered,
        std::to_string(c.reordered) + " out of order: " + first_problem(all, &PeerRecord::reordered));
  }
  if (lost_wakeups > 0) {
    add(FindingKind::kLostWakeup, std::to_string(lost_wakeups) + " wait(s) ended without what was there: " +
                                      first_problem(all, &PeerRecord::lost_wakeups));
  }
  if (errors > 0) {
    add(FindingKind::kChannelError,
        std::to_string(errors) + " failed call(s): " + first_problem(all, &PeerRecord::errors));
  }
}

}  // namespace shmh::stress
