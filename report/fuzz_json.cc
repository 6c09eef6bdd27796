#include "report/fuzz_json.h"

#include <nlohmann/json.hpp>

namespace shmh {

nlohmann::ordered_json fuzz_json(const std::vector<fuzz::TargetReport>& reports, unsigned jobs, std::uint64_t seconds,
                                 const std::string& channel) {
  nlohmann::ordered_json doc;
  bool failed = false;
  nlohmann::ordered_json targets = nlohmann::ordered_json::array();
  for (const auto& r : reports) {
    nlohmann::ordered_json crashes = nlohmann::ordered_json::array();
    for (const auto& c : r.crashes) {
      crashes.push_back(
          {{"signature", c.signature}, {"file", c.file}, {"repro", c.repro}, {"duplicates", c.duplicates}});
    }
    failed = failed || !r.crashes.empty();
    nlohmann::ordered_json series = nlohmann::ordered_json::array();
    for (const auto& x : r.stats.series) {
      series.push_back({{"t_s", x.t_s},
                        {"execs", x.execs},
                        {"coverage_edges", x.coverage},
                        {"features", x.features},
                        {"corpus", x.corpus},
                        {"crashes", x.crashes}});
    }
    targets.push_back({{"name", r.target},
                       {"seconds", r.seconds},
                       {"execs", r.stats.execs},
                       {"exec_per_s", r.stats.exec_per_s},
                       {"coverage_edges", r.stats.coverage},
                       {"features", r.stats.features},
                       {"corpus_before", r.corpus_before},
                       {"corpus_after", r.corpus_after},
                       {"new_inputs", r.new_inputs},
                       {"interrupted", r.interrupted},
                       {"log", r.log},
                       {"crashes", crashes},
                       {"series", series}});
  }
  const bool interrupted = !reports.empty() && reports.back().interrupted;
  doc["verdict"] = failed ? "fail" : (interrupted ? "interrupted" : "pass");
  doc["options"] = {{"seconds_per_target", seconds}, {"jobs", jobs}};
  if (!channel.empty()) doc["options"]["channel"] = channel;
  doc["targets"] = targets;
  return doc;
}

std::string render_fuzz_json(const std::vector<fuzz::TargetReport>& reports, unsigned jobs, std::uint64_t seconds,
                             const std::string& channel) {
  return fuzz_json(reports, jobs, seconds, channel).dump(2) + "\n";
}

}  // namespace shmh
