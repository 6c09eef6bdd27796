#include "stress/stress_result.h"

namespace shmh::stress {

Counts& Counts::operator+=(const Counts& o) {
  sent += o.sent;
  received += o.received;
  lost += o.lost;
  stranded += o.stranded;
  duplicated += o.duplicated;
  corrupt += o.corrupt;
  damaged += o.damaged;
  refused += o.refused;
  reordered += o.reordered;
  abandoned += o.abandoned;
  bytes += o.bytes;
  return *this;
}

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::kPass:
      return "pass";
    case Verdict::kFail:
      return "fail";
    case Verdict::kInterrupted:
      return "interrupted";
    case Verdict::kError:
      return "error";
  }
  return "?";
}

Counts StressResult::total() const {
  Counts c;
  for (const auto& p : phases) {
    if (p.exactly_once) {
      c += p.counts;
    } else {
      c.damaged += p.counts.damaged;
      c.refused += p.counts.refused;
    }
  }
  return c;
}

double StressResult::msgs_per_s() const {
  double secs = 0;
  for (const auto& p : phases) secs += p.exactly_once ? p.active_seconds : 0;
  return secs > 0 ? static_cast<double>(total().received) / secs : 0;
}

double StressResult::bytes_per_s() const {
  double secs = 0;
  for (const auto& p : phases) secs += p.exactly_once ? p.active_seconds : 0;
  return secs > 0 ? static_cast<double>(total().bytes) / secs : 0;
}

double PhaseResult::per_s() const {
  return active_seconds > 0 ? static_cast<double>(counts.received) / active_seconds : 0;
}

double PhaseResult::bytes_per_s() const {
  return active_seconds > 0 ? static_cast<double>(counts.bytes) / active_seconds : 0;
}

std::string StressResult::error_message() const {
  if (!error) return {};
  return error_phase.empty() ? error->message() : error_phase + ": " + error->message();
}

Verdict StressResult::verdict() const {
  if (!findings.empty()) return Verdict::kFail;
  if (error) return Verdict::kError;
  if (interrupted) return Verdict::kInterrupted;
  return Verdict::kPass;
}

}  // namespace shmh::stress
