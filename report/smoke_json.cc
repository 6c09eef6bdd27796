#include "report/smoke_json.h"

#include <nlohmann/json.hpp>

namespace shmh {

std::string render_smoke_json(const ShareCheckResult& r, std::uint64_t size, const std::string& sandbox) {
  nlohmann::ordered_json doc;
  doc["schema"] = "shmharness-smoke/1";
  doc["verdict"] = to_string(r.outcome());
  doc["seed"] = r.seed;
  doc["size"] = size;
  doc["sandbox"] = sandbox;
  auto backends = nlohmann::ordered_json::array();
  for (const auto& b : r.backends) {
    backends.push_back({{"backend", std::string(to_string(b.backend))},
                        {"outcome", to_string(b.outcome)},
                        {"bytes_checked", b.bytes_checked},
                        {"seconds", b.seconds},
                        {"detail", b.detail}});
  }
  doc["backends"] = backends;
  return doc.dump(2) + "\n";
}

}  // namespace shmh
