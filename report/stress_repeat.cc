#include "report/stress_repeat.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "report/stress_json.h"
#include "report/stress_text.h"

namespace shmh {
namespace {

std::string seeds_text(const std::vector<std::uint64_t>& seeds) {
  std::string text;
  for (const auto s : seeds) text += (text.empty() ? "" : ", ") + std::to_string(s);
  return text;
}

std::size_t runs_with_findings(const std::vector<stress::StressResult>& runs) {
  std::size_t n = 0;
  for (const auto& r : runs) n += r.findings.empty() ? 0U : 1U;
  return n;
}

}  // namespace

std::vector<RepeatTallyRow> tally_repeats(const std::vector<stress::StressResult>& runs) {
  std::vector<RepeatTallyRow> rows;
  for (const auto& r : runs) {
    for (const auto& f : r.findings) {
      auto row = rows.begin();
      while (row != rows.end() && !(row->kind == f.kind && row->phase == f.phase)) ++row;
      if (row == rows.end()) {
        rows.push_back({.kind = f.kind, .phase = f.phase, .seeds = {}});
        row = rows.end() - 1;
      }
      if (row->seeds.empty() || row->seeds.back() != r.options.seed) row->seeds.push_back(r.options.seed);
    }
  }
  return rows;
}

stress::Verdict repeat_verdict(const std::vector<stress::StressResult>& runs, std::size_t planned) {
  bool error = false, interrupted = runs.size() < planned;
  for (const auto& r : runs) {
    switch (r.verdict()) {
      case stress::Verdict::kFail:
        return stress::Verdict::kFail;
      case stress::Verdict::kError:
        error = true;
        break;
      case stress::Verdict::kInterrupted:
        interrupted = true;
        break;
      case stress::Verdict::kPass:
        break;
    }
  }
  if (error) return stress::Verdict::kError;
  return interrupted ? stress::Verdict::kInterrupted : stress::Verdict::kPass;
}

std::string render_repeat_run(const stress::StressResult& run, std::size_t index, std::size_t planned) {
  std::string out = fmt::format("run {}/{}: {}", index + 1, planned, render_stress_verdict(run));
  for (const auto& f : run.findings) out += render_finding_head(f, run.options, "  ");
  if (run.error) out += fmt::format("  error: {}\n", run.error_message());
  return out;
}

std::string render_repeat_summary(const std::vector<stress::StressResult>& runs, std::size_t planned) {
  std::string out =
      fmt::format("repeat: {} of {} run(s), {} with findings\n", runs.size(), planned, runs_with_findings(runs));
  for (const auto& row : tally_repeats(runs)) {
    out += fmt::format("  {} [{}] in {} of {} run(s) (seeds {})\n", stress::to_string(row.kind), row.phase,
                       row.seeds.size(), runs.size(), seeds_text(row.seeds));
  }
  const auto v = repeat_verdict(runs, planned);
  const std::uint64_t first = runs.empty() ? 0 : runs.front().options.seed;
  out += fmt::format("verdict: {}; first seed {} (replay the repeats with --seed {} --repeat {})\n",
                     stress::to_string(v), first, first, planned);
  return out;
}

std::string render_repeat_json(const std::vector<stress::StressResult>& runs, std::size_t planned) {
  using Json = nlohmann::ordered_json;
  Json doc;
  doc["schema"] = "shmharness-stress-repeat/1";
  doc["verdict"] = stress::to_string(repeat_verdict(runs, planned));
  doc["repeat"] = planned;
  doc["runs_done"] = runs.size();
  doc["runs_with_findings"] = runs_with_findings(runs);
  Json tally = Json::array();
  for (const auto& row : tally_repeats(runs)) {
    tally.push_back({{"kind", std::string(stress::to_string(row.kind))},
                     {"phase", row.phase},
                     {"runs", row.seeds.size()},
                     {"seeds", row.seeds}});
  }
  doc["tally"] = tally;
  Json all = Json::array();
  for (const auto& r : runs) all.push_back(stress_json(r));
  doc["runs"] = all;
  return doc.dump(2) + "\n";
}

}  // namespace shmh
