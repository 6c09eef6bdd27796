#include "report/stress_text.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/units.h"
#include "stress/replay_command.h"

namespace shmh {
namespace {

std::string si(double v) {
  if (v >= 1e9) return fmt::format("{:.2f} G", v / 1e9);
  if (v >= 1e6) return fmt::format("{:.2f} M", v / 1e6);
  if (v >= 1e3) return fmt::format("{:.1f} k", v / 1e3);
  return fmt::format("{:.0f} ", v);
}

std::string duration_ns(std::uint64_t ns) {
  if (ns >= 1'000'000'000) return fmt::format("{:.2f} s", static_cast<double>(ns) / 1e9);
  if (ns >= 1'000'000) return fmt::format("{:.2f} ms", static_cast<double>(ns) / 1e6);
  if (ns >= 1'000) return fmt::format("{:.1f} µs", static_cast<double>(ns) / 1e3);
  return fmt::format("{} ns", ns);
}

// A phase whose counts are not an exactly-once account (hostile): what it counted, nothing it did not.
std::string hostile_counts_line(const stress::Counts& c) {
  return fmt::format("sent {} received {} intact, damaged {} refused {} (losses and duplicates are not counted)",
                     c.sent, c.received, c.damaged, c.refused);
}

std::string counts_line(const stress::Counts& c) {
  std::string line = fmt::format("sent {} received {} lost {} duplicated {} corrupt {} reordered {} abandoned {}",
                                 c.sent, c.received, c.lost, c.duplicated, c.corrupt, c.reordered, c.abandoned);
  if (c.stranded > 0) line += fmt::format(" stranded {}", c.stranded);
  if (c.damaged > 0 || c.refused > 0) line += fmt::format(" damaged {} refused {}", c.damaged, c.refused);
  return line;
}

std::string latency_line(const stress::Latency& l) {
  if (l.samples == 0) return "latency: no samples";
  return fmt::format("latency p50 {} p99 {} p99.9 {} max {}", duration_ns(l.p50), duration_ns(l.p99),
                     duration_ns(l.p999), duration_ns(l.max));
}

}  // namespace

std::string render_stress_progress(const stress::ProgressSnapshot& s) {
  // A run bounded by --messages alone has no meaningful total time: show the elapsed time only.
  const std::string clock = s.total_s > 0 && s.total_s < 86400 ? fmt::format("{:.1f}/{:.1f} s", s.elapsed_s, s.total_s)
                                                               : fmt::format("{:.1f} s", s.elapsed_s);
  return fmt::format("[{}] phase {}/{} {}  {}ops  {}ops/s  {} kills  {} findings", clock, s.phase_index + 1, s.phases,
                     s.phase, si(static_cast<double>(s.operations)), si(s.ops_per_s), s.kills, s.findings);
}

std::string render_stress_verdict(const stress::StressResult& r) {
  const auto v = r.verdict();
  std::string why;
  switch (v) {
    case stress::Verdict::kPass:
      why = "every check held";
      break;
    case stress::Verdict::kFail:
      why = fmt::format("{} finding(s)", r.findings.size());
      break;
    case stress::Verdict::kInterrupted:
      why = "interrupted: partial results, no finding so far";
      break;
    case stress::Verdict::kError:
      why = r.error_message();
      break;
  }
  return fmt::format("verdict: {} ({}); seed {} (replay with --seed {})\n", stress::to_string(v), why, r.options.seed,
                     r.options.seed);
}

std::string render_finding_head(const stress::Finding& f, const stress::StressOptions& options,
                                std::string_view indent) {
  return fmt::format("{}FINDING {} [{}]: {}\n{}        replay: {}\n", indent, stress::to_string(f.kind), f.phase,
                     f.detail, indent, stress::replay_command(options, f.phase));
}

std::string render_finding_history(const stress::Finding& f, std::string_view indent) {
  constexpr std::size_t kPerPeer = 3;   // the text's excerpt; the JSON has all kHistoryEntries
  constexpr std::size_t kSnapshot = 6;  // around the message a reader found wrong
  constexpr std::size_t kEvents = 3;
  std::string out;
  for (const auto& h : f.history) {
    const bool snapshot = h.now.empty();
    if (h.last.empty() && snapshot) continue;
    std::string line = fmt::format("{}{}", indent, out.empty() ? "history: " : "         ");
    line += h.peer;
    if (!snapshot) line += fmt::format(" (pid {}, incarnation {}; at the end: {})", h.pid, h.incarnation, h.now);
    // The last few; for a snapshot, those around the sequence the reader's problem is about.
    std::size_t to = h.last.size();
    if (snapshot && h.around != stress::kUnknownSeq) {
      for (std::size_t i = 0; i < h.last.size(); ++i) {
        if (h.last[i].seq >= h.around) {
          to = std::min(h.last.size(), i + kSnapshot / 2);
          break;
        }
      }
    }
    const std::size_t keep = snapshot ? kSnapshot : kPerPeer;
    const std::size_t from = to > keep ? to - keep : 0;
    std::string ops;
    for (std::size_t i = from; i < to; ++i) {
      ops += ops.empty() ? "" : ", ";
      // A restart between two entries: the ones after it are the next incarnation's.
      if (i > from && h.last[i].incarnation != h.last[i - 1].incarnation) {
        ops += fmt::format("incarnation {}: ", h.last[i].incarnation);
      }
      ops += stress::describe(h.last[i]);
    }
    line += ops.empty() ? ": no operation recorded"
                        : ": " + std::string(from > 0 ? "… " : "") + ops + (to < h.last.size() ? " …" : "");
    out += line + "\n";
  }
  if (!f.events.empty()) {
    const std::size_t from = f.events.size() > kEvents ? f.events.size() - kEvents : 0;
    std::string events;
    for (std::size_t i = from; i < f.events.size(); ++i) {
      events += fmt::format("{}{:.2f} s {}", events.empty() ? "" : "; ", f.events[i].t_s, f.events[i].what);
    }
    out += fmt::format("{}events: {}{}\n", indent, from > 0 ? "… " : "", events);
  }
  return out;
}

std::string render_stress_text(const stress::StressResult& r) {
  std::string out;
  for (const auto& p : r.phases) {
    const auto& ph = p.phase;
    std::string head = fmt::format("  {:<13} {:<9} {}", ph.name, ph.workload, p.shape);
    if (!p.fitted.empty()) head += fmt::format(" (fitted: {})", p.fitted);
    if (!p.ran) {
      out += fmt::format("{}  skipped: {}\n", head, p.skipped);
      continue;
    }
    out += fmt::format("{}  {:.1f} s  {}{}  {}B/s\n", head, p.seconds, si(p.per_s()), p.unit, si(p.bytes_per_s()));
    out += fmt::format("      {}\n", p.exactly_once ? counts_line(p.counts) : hostile_counts_line(p.counts));
    std::string extra = latency_line(p.latency);
    if (p.kills > 0) extra += fmt::format("; {} kills, {} restarts", p.kills, p.restarts);
    if (p.pauses > 0) extra += fmt::format("; {} pauses", p.pauses);
    if (p.channel_abandoned > 0) extra += fmt::format("; channel reclaimed {} abandoned slot(s)", p.channel_abandoned);
    if (p.scribbles > 0) extra += fmt::format("; {} place(s) of the shared bytes damaged", p.scribbles);
    out += fmt::format("      {}\n", extra);
  }
  std::string shown_for;  // a phase's history is the same for all its findings: shown once
  for (const auto& f : r.findings) {
    out += render_finding_head(f, r.options, "");
    const std::string history = render_finding_history(f, "        ");
    if (history.empty()) continue;
    if (shown_for == f.phase) {
      out += "        history: as above\n";
    } else {
      out += history;
      shown_for = f.phase;
    }
  }
  if (r.cut_short) {
    std::string not_run;
    for (const auto& p : r.phases) {
      if (!p.ran && p.skipped.starts_with("not run:")) not_run += (not_run.empty() ? "" : ", ") + p.phase.name;
    }
    out += fmt::format("cut short by --fail-fast after the first finding; not run: {}\n", not_run);
  }
  const auto total = r.total();
  out += fmt::format("total: {}\n", counts_line(total));
  out += fmt::format("       {}msg/s, {}B/s, {}; leaked segments: {}\n", si(r.msgs_per_s()), si(r.bytes_per_s()),
                     latency_line(r.latency), r.leaked_segments);
  out += render_stress_verdict(r);
  return out;
}

}  // namespace shmh
