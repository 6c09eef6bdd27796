#include "report/fuzz_text.h"

#include <fmt/format.h>

namespace shmh {

std::string render_fuzz_text(const std::vector<fuzz::TargetReport>& reports) {
  std::string out = fmt::format("{:<14} {:>6} {:>11} {:>8} {:>6} {:>8} {:>8} {:>7}\n", "target", "time", "execs",
                                "exec/s", "cov", "features", "new", "crashes");
  std::size_t crashes = 0;
  for (const auto& r : reports) {
    out += fmt::format("{:<14} {:>5}s {:>11} {:>8} {:>6} {:>8} {:>8} {:>7}{}\n", r.target, r.seconds, r.stats.execs,
                       r.stats.exec_per_s, r.stats.coverage, r.stats.features, r.new_inputs, r.crashes.size(),
                       r.interrupted ? "  (interrupted)" : "");
    crashes += r.crashes.size();
  }
  for (const auto& r : reports) {
    for (const auto& c : r.crashes) {
      out += fmt::format("\ncrash in {}: {}\n  input:     {}{}\n  reproduce: {}\n", r.target, c.signature, c.file,
                         c.duplicates != 0 ? fmt::format(" (+{} duplicates)", c.duplicates) : "", c.repro);
    }
  }
  const bool interrupted = !reports.empty() && reports.back().interrupted;
  if (crashes != 0) {
    out += fmt::format("\nverdict: fail ({} unique crash(es){})\n", crashes, interrupted ? ", run interrupted" : "");
  } else {
    out += interrupted ? "\nverdict: interrupted (no crash so far; the results above are partial)\n"
                       : "\nverdict: pass (no crash)\n";
  }
  return out;
}

std::string render_fuzz_list(const std::vector<fuzz::TargetStatus>& targets, const fuzz::FuzzLayout& layout) {
  std::string out =
      fmt::format("{:<14} {:>7} {:>11} {:>7}  {}\n", "target", "corpus", "regressions", "binary", "what it checks");
  for (const auto& t : targets) {
    out += fmt::format("{:<14} {:>7} {:>11} {:>7}  {}\n", t.target.name, t.corpus, t.regressions,
                       t.built ? "yes" : "no", t.target.summary);
  }
  return out +
         fmt::format("\nfuzz pieces from the {}\nlibFuzzer binaries: {}  (build: cmake --workflow --preset fuzz)\n",
                     layout.where, layout.fuzzer_dir);
}

std::string render_fuzz_coverage(const fuzz::CoverageReport& report, std::size_t targets, double fail_under) {
  std::string out = fmt::format("line coverage of core/ by the corpora of {} target(s):\n", targets);
  for (const auto& a : report.areas) {
    out += fmt::format("  {:<20} {:6.1f}%  ({} of {} lines){}\n", a.prefix, a.percent(), a.covered, a.lines,
                       a.below(fail_under) ? "  below --fail-under" : "");
  }
  return out + fmt::format("html: {}\nlcov: {}\n", report.html, report.lcov);
}

}  // namespace shmh
