#include "stress/replay_command.h"

#include <chrono>
#include <cstdio>

#include "stress/campaign_plan.h"
#include "stress/phase_descriptor.h"

namespace shmh::stress {
namespace {

std::string duration_text(std::chrono::milliseconds d) {
  const auto ms = d.count();
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + "s" : std::to_string(ms) + "ms";
}

std::string rate_text(double rate) {
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", rate);
  return text;
}

// --messages alone runs each phase until its messages are sent (the CLI sets a day's duration).
constexpr std::chrono::hours kMessagesOnly{24};

}  // namespace

std::string shell_quote(std::string_view text) {
  bool plain = !text.empty();
  for (const char c : text) {
    const bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      std::string_view("_./:=@%+,-").find(c) != std::string_view::npos;
    plain = plain && safe;
  }
  if (plain) return std::string(text);
  std::string quoted = "'";
  for (const char c : text) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

std::string replay_command(const StressOptions& o, std::string_view phase) {
  std::string cmd = "shmharness stress --channel " + shell_quote(o.channel);
  cmd += " --backend " + std::string(to_string(o.backend));
  if (o.mode == PeerMode::kThreads) cmd += " --threads";
  if (o.workload) cmd += " --workload " + *o.workload;
  if (o.writers) cmd += " --writers " + std::to_string(*o.writers);
  if (o.readers) cmd += " --readers " + std::to_string(*o.readers);
  if (o.msg_min || o.msg_max) {
    const std::uint32_t min = o.msg_min.value_or(0);
    cmd += " --msg-size " + std::to_string(min) + ":" + std::to_string(o.msg_max.value_or(min));
  }
  if (o.capacity) cmd += " --capacity " + std::to_string(*o.capacity);
  if (o.kill_rate) cmd += " --kill " + rate_text(*o.kill_rate);
  if (o.pause_rate) cmd += " --pause " + rate_text(*o.pause_rate);
  if (o.no_kill) cmd += " --no-kill";
  if (o.pin_cpus) cmd += " --pin-cpus";
  for (const auto& v : o.workload_options) {
    cmd += " " + std::string(v.option->flag) + " " + shell_quote(v.text.empty() ? std::to_string(v.value) : v.text);
  }
  if (!(o.messages && o.duration == kMessagesOnly)) cmd += " --duration " + duration_text(o.duration);
  if (o.messages) cmd += " --messages " + std::to_string(*o.messages);
  if (o.watchdog != StressOptions{}.watchdog) cmd += " --watchdog " + duration_text(o.watchdog);
  cmd += " --seed " + std::to_string(o.seed);
  // A campaign phase: replay it alone. A narrowed run is one phase already; --phase given stays.
  if (!narrows(o)) {
    if (o.phase) {
      cmd += " --phase " + *o.phase;
    } else if (find_phase(phase) != nullptr) {
      cmd += " --phase " + std::string(phase);
    }
  }
  return cmd;
}

}  // namespace shmh::stress
