#include "report/stat_file.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace shmh {
namespace {

using Json = nlohmann::json;

constexpr const char* kSchema = "shmharness-stat/1";

}  // namespace

std::string render_stat_file(const StatSnapshot& s) {
  const auto& p = s.progress;
  Json peers = Json::array();
  for (const auto& peer : p.peers) {
    peers.push_back({{"peer", peer.peer},
                     {"pid", peer.pid},
                     {"incarnation", peer.incarnation},
                     {"progress", peer.progress},
                     {"doing", peer.doing}});
  }
  const Json doc = {{"schema", kSchema},
                    {"state", s.state},
                    {"verdict", s.verdict.empty() ? Json(nullptr) : Json(s.verdict)},
                    {"runner_pid", s.runner_pid},
                    {"seed", s.seed},
                    {"channel", s.channel},
                    {"phase", p.phase},
                    {"phase_index", p.phase_index},
                    {"phases", p.phases},
                    {"elapsed_s", p.elapsed_s},
                    {"total_s", p.total_s},
                    {"operations", p.operations},
                    {"ops_per_s", p.ops_per_s},
                    {"bytes", p.bytes},
                    {"kills", p.kills},
                    {"findings", p.findings},
                    {"peers", peers}};
  return doc.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

Result<StatSnapshot> parse_stat_file(const std::string& text) {
  const Json doc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object())
    return logic_error("stat file", "not JSON (a stat file is a JSON object)");
  const auto schema = doc.find("schema");
  if (schema == doc.end() || !schema->is_string() || schema->get<std::string>() != kSchema) {
    return logic_error("stat file", std::string("not a ") + kSchema + " file (written by stress --stat-file)");
  }
  StatSnapshot s;
  try {
    s.state = doc.at("state").get<std::string>();
    if (s.state != "running" && s.state != "ended") return logic_error("stat file", "unknown state '" + s.state + "'");
    s.verdict = doc.at("verdict").is_null() ? "" : doc.at("verdict").get<std::string>();
    s.runner_pid = doc.at("runner_pid").get<std::int64_t>();
    s.seed = doc.at("seed").get<std::string>();
    s.channel = doc.at("channel").get<std::string>();
    auto& p = s.progress;
    p.phase = doc.at("phase").get<std::string>();
    p.phase_index = doc.at("phase_index").get<std::size_t>();
    p.phases = doc.at("phases").get<std::size_t>();
    p.elapsed_s = doc.at("elapsed_s").get<double>();
    p.total_s = doc.at("total_s").get<double>();
    p.operations = doc.at("operations").get<std::uint64_t>();
    p.ops_per_s = doc.at("ops_per_s").get<double>();
    p.bytes = doc.at("bytes").get<std::uint64_t>();
    p.kills = doc.at("kills").get<std::uint64_t>();
    p.findings = doc.at("findings").get<std::uint64_t>();
    for (const auto& peer : doc.at("peers")) {
      p.peers.push_back(stress::PeerStat{.peer = peer.at("peer").get<std::string>(),
                                         .pid = peer.at("pid").get<std::int32_t>(),
                                         .incarnation = peer.at("incarnation").get<std::uint32_t>(),
                                         .progress = peer.at("progress").get<std::uint64_t>(),
                                         .doing = peer.at("doing").get<std::string>()});
    }
  } catch (const Json::exception& e) {
    return logic_error("stat file", std::string("a key is missing or of the wrong type: ") + e.what());
  }
  return s;
}

std::string render_stat_text(const StatSnapshot& s, bool runner_alive) {
  const auto& p = s.progress;
  std::string out;
  if (s.state == "ended") {
    out += fmt::format("run ended: verdict {} (seed {}, {})\n", s.verdict, s.seed, s.channel);
  } else if (!runner_alive) {
    out += fmt::format("run gone without ending: runner pid {} no longer exists (killed?); last seen:\n", s.runner_pid);
  } else {
    out += fmt::format("running: pid {}, seed {}, {}\n", s.runner_pid, s.seed, s.channel);
  }
  out += fmt::format("phase {}/{} {}  {:.1f}/{:.1f} s  {} operations  {:.0f}/s  {} kills  {} findings\n",
                     p.phase_index + 1, p.phases, p.phase, p.elapsed_s, p.total_s, p.operations, p.ops_per_s, p.kills,
                     p.findings);
  if (p.peers.empty()) return out;
  out += fmt::format("  {:<10} {:>8} {:>5} {:>14}  {}\n", "PEER", "PID", "INC", "OPERATIONS", "DOING");
  for (const auto& peer : p.peers) {
    out += fmt::format("  {:<10} {:>8} {:>5} {:>14}  {}\n", peer.peer, peer.pid, peer.incarnation, peer.progress,
                       peer.doing);
  }
  return out;
}

}  // namespace shmh
