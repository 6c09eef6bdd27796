#include "report/conform_json.h"

#include <nlohmann/json.hpp>

namespace shmh {

std::string render_conform_json(const conform::ConformReport& r) {
  nlohmann::ordered_json doc;
  doc["schema"] = "shmharness-conform/1";
  doc["verdict"] = r.pass() ? "pass" : "fail";
  doc["kernel"] = r.kernel;
  doc["sandbox"] = r.sandbox;
  doc["other_user"] = r.other_user ? nlohmann::ordered_json{{"uid", r.other_uid}, {"gid", r.other_gid}}
                                   : nlohmann::ordered_json(nullptr);
  auto areas = nlohmann::ordered_json::array();
  for (const auto& [area, n] : r.areas) {
    areas.push_back({{"area", area},
                     {"cases", n.cases},
                     {"deviations", n.deviations},
                     {"skipped", n.skipped},
                     {"refused", n.refused}});
  }
  doc["pinned"] = {{"cases", r.pinned}, {"areas", areas}};
  doc["sequences"] = {{"seed", r.seed}, {"sysv", r.sysv_sequences}, {"posix", r.posix_sequences}, {"calls", r.steps}};
  auto deviations = nlohmann::ordered_json::array();
  for (const auto& d : r.deviations) {
    deviations.push_back({{"api", d.api},
                          {"area", d.area},
                          {"name", d.name},
                          {"source", d.source},
                          {"steps", d.steps},
                          {"linux", d.linux_answer},
                          {"kernel", d.kernel_answer},
                          {"detail", d.detail}});
  }
  doc["deviations"] = deviations;
  return doc.dump(2) + "\n";
}

}  // namespace shmh
