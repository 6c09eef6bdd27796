#include "report/conform_text.h"

#include <fmt/format.h>

#include <string>

namespace shmh {

std::string render_conform_verdict(const conform::ConformReport& r) {
  const std::uint64_t sequences = r.sysv_sequences + r.posix_sequences;
  if (r.pass()) {
    return fmt::format("verdict: PASS ({} pinned cases and {} random sequences answer as Linux)\n", r.pinned,
                       sequences);
  }
  return fmt::format("verdict: FAIL ({} deviation{} from Linux; {} pinned cases, {} random sequences)\n",
                     r.deviations.size(), r.deviations.size() == 1 ? "" : "s", r.pinned, sequences);
}

std::string render_conform_text(const conform::ConformReport& r) {
  std::string out;
  std::uint64_t skipped = 0;
  for (const auto& [area, n] : r.areas) {
    const std::string verdict =
        n.deviations == 0 ? "as Linux" : fmt::format("{} deviation{}", n.deviations, n.deviations == 1 ? "" : "s");
    out += fmt::format("  {:<16} {:>3} cases  {}{}{}\n", area, n.cases, verdict,
                       n.skipped > 0 ? fmt::format(" ({} skipped: they need another user)", n.skipped) : "",
                       n.refused > 0 ? fmt::format(" ({} refused: this sandbox may not write the sysctl they set;"
                                                   " run as root)",
                                                   n.refused)
                                     : "");
    skipped += n.skipped;
  }
  out += fmt::format("  random           {} System V + {} POSIX/memfd sequences from seed {} ({} calls)\n",
                     r.sysv_sequences, r.posix_sequences, r.seed, r.steps);
  if (skipped > 0) out += "  (another user needs root outside a user namespace: run as root for the skipped cases)\n";
  for (const auto& d : r.deviations) {
    out += fmt::format("DEVIATION {} \"{}\"{}\n", d.area, d.name, d.source.empty() ? "" : " — " + d.source);
    if (!d.kernel_answer.empty())
      out += fmt::format("  this kernel: {}   Linux: {}\n", d.kernel_answer, d.linux_answer);
    for (std::size_t i = 0; i < d.steps.size(); ++i) out += fmt::format("  {:>2}. {}\n", i + 1, d.steps[i]);
    if (!d.detail.empty()) out += "  " + d.detail + "\n";
  }
  return out + render_conform_verdict(r);
}

}  // namespace shmh
