#include "report/stress_json.h"

#include <nlohmann/json.hpp>

#include "core/segment/backend.h"
#include "stress/peer_board.h"
#include "stress/replay_command.h"
#include "stress/workload.h"

namespace shmh {
namespace {

using Json = nlohmann::ordered_json;

template <class T>
Json optional_json(const std::optional<T>& v) {
  return v ? Json(*v) : Json(nullptr);
}

Json counts_json(const stress::Counts& c) {
  return {{"sent", c.sent},           {"received", c.received},     {"lost", c.lost},
          {"stranded", c.stranded},   {"duplicated", c.duplicated}, {"corrupt", c.corrupt},
          {"reordered", c.reordered}, {"abandoned", c.abandoned},   {"bytes", c.bytes},
          {"damaged", c.damaged},     {"refused", c.refused}};
}

Json latency_json(const stress::Latency& l) {
  return {{"samples", l.samples}, {"p50", l.p50}, {"p99", l.p99}, {"p999", l.p999}, {"max", l.max}};
}

Json events_json(const std::vector<stress::PhaseEvent>& events) {
  Json out = Json::array();
  for (const auto& e : events) out.push_back({{"t_s", e.t_s}, {"what", e.what}});
  return out;
}

}  // namespace

Json stress_json(const stress::StressResult& r) {
  const auto& o = r.options;
  Json doc;
  doc["schema"] = "shmharness-stress/1";
  doc["verdict"] = stress::to_string(r.verdict());
  doc["seed"] = o.seed;
  doc["options"] = {{"channel", o.channel},
                    {"backend", std::string(to_string(o.backend))},
                    {"peers", stress::to_string(o.mode)},
                    {"workload", optional_json(o.workload)},
                    {"writers", optional_json(o.writers)},
                    {"readers", optional_json(o.readers)},
                    {"msg_size_min", optional_json(o.msg_min)},
                    {"msg_size_max", optional_json(o.msg_max)},
                    {"capacity", optional_json(o.capacity)},
                    {"kill_rate", optional_json(o.kill_rate)},
                    {"pause_rate", optional_json(o.pause_rate)},
                    {"no_kill", o.no_kill},
                    {"pin_cpus", o.pin_cpus},
                    {"phase", optional_json(o.phase)},
                    {"fail_fast", o.fail_fast},
                    {"duration_ms", o.duration.count()},
                    {"messages", optional_json(o.messages)},
                    {"watchdog_ms", o.watchdog.count()}};
  // Every workload's own options (churn's segment_size_mib, ...), given or default.
  for (const auto* w : stress::workloads()) {
    for (const auto* opt : w->options) doc["options"][std::string(opt->json_name)] = stress::option_value(o, *opt);
  }
  doc["kernel"] = r.kernel;
  doc["channel"] = r.channel_name;
  doc["sandbox"] = r.sandbox;
  doc["seconds"] = r.seconds;
  doc["counts"] = counts_json(r.total());
  doc["throughput"] = {{"msgs_per_s", r.msgs_per_s()}, {"bytes_per_s", r.bytes_per_s()}};
  doc["latency_ns"] = latency_json(r.latency);
  Json phases = Json::array();
  for (const auto& p : r.phases) {
    const auto& ph = p.phase;
    Json j = {{"name", ph.name},
              {"workload", ph.workload},
              {"writers", ph.writers},
              {"readers", ph.readers},
              {"msg_size_min", ph.msg_min},
              {"msg_size_max", ph.msg_max},
              {"capacity", ph.capacity},
              {"kill_rate", ph.kill_rate},
              {"pause_rate", ph.pause_rate},
              {"op_timeout_ns", ph.op_timeout_ns},
              {"fitted", p.fitted},
              {"ran", p.ran}};
    if (p.ran) {
      j["seconds"] = p.seconds;
      j["active_seconds"] = p.active_seconds;
      j["counts"] = counts_json(p.counts);
      j["latency_ns"] = latency_json(p.latency);
      j["kills"] = p.kills;
      j["pauses"] = p.pauses;
      j["channel_abandoned"] = p.channel_abandoned;
      j["scribbles"] = p.scribbles;
      j["exactly_once"] = p.exactly_once;
      j["rss_anon_kib"] = {{"runner", p.runner_rss_anon_kib}, {"peers", p.peers_rss_anon_kib}};
      Json timeline = Json::array();
      for (const auto& t : p.timeline) {
        timeline.push_back({{"t_s", t.t_s}, {"operations", t.operations}, {"kills", t.kills}, {"pauses", t.pauses}});
      }
      j["timeline"] = timeline;
      Json bins = Json::array();
      for (const auto& b : p.latency_bins) bins.push_back({{"upper_ns", b.upper_ns}, {"count", b.count}});
      j["latency_histogram"] = bins;
      j["events"] = events_json(p.events);
    } else {
      j["skipped"] = p.skipped;
    }
    phases.push_back(j);
  }
  doc["phases"] = phases;
  Json findings = Json::array();
  for (const auto& f : r.findings) {
    Json history = Json::array();
    for (const auto& h : f.history) {
      Json last = Json::array();
      for (const auto& e : h.last) {
        last.push_back({{"op", stress::to_string(static_cast<stress::PeerOp>(e.op))},
                        {"outcome", stress::to_string(e.outcome)},
                        {"incarnation", e.incarnation},
                        {"size", e.size},
                        {"writer", e.writer == stress::kUnknownWriter ? Json(nullptr) : Json(e.writer)},
                        {"seq", e.seq == stress::kUnknownSeq ? Json(nullptr) : Json(e.seq)},
                        {"t_ns", e.t_ns == 0 ? Json(nullptr) : Json(e.t_ns)}});
      }
      history.push_back({{"peer", h.peer},
                         {"pid", h.now.empty() ? Json(nullptr) : Json(h.pid)},
                         {"incarnation", h.now.empty() ? Json(nullptr) : Json(h.incarnation)},
                         {"now", h.now.empty() ? Json(nullptr) : Json(h.now)},
                         {"around", h.around == stress::kUnknownSeq ? Json(nullptr) : Json(h.around)},
                         {"last", last}});
    }
    findings.push_back({{"kind", std::string(stress::to_string(f.kind))},
                        {"phase", f.phase},
                        {"detail", f.detail},
                        {"t_s", f.t_s < 0 ? Json(nullptr) : Json(f.t_s)},
                        {"replay", stress::replay_command(o, f.phase)},
                        {"history", history},
                        {"events", events_json(f.events)}});
  }
  doc["findings"] = findings;
  doc["leaked_segments"] = r.leaked_segments;
  doc["interrupted"] = r.interrupted;
  doc["cut_short"] = r.cut_short;
  doc["error"] = r.error ? Json(r.error_message()) : Json(nullptr);
  return doc;
}

std::string render_stress_json(const stress::StressResult& r) { return stress_json(r).dump(2) + "\n"; }

}  // namespace shmh
