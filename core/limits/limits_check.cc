#include "core/limits/limits_check.h"

#include <algorithm>

namespace shmh {

bool LimitsOutcome::pass() const {
  const bool reqs = std::all_of(requirements.begin(), requirements.end(), [](const auto& r) { return r.pass; });
  const bool probed =
      !probe || std::all_of(probe->items.begin(), probe->items.end(), [](const auto& i) { return i.pass; });
  const bool tested =
      !selftest || std::all_of(selftest->begin(), selftest->end(), [](const auto& l) { return l.pass; });
  const bool clean = !audit || audit->empty();
  return reqs && probed && tested && clean;
}

Result<LimitsOutcome> run_limits(const LimitsRequest& request) {
  LimitsOutcome out;
  auto snapshot = read_limits();
  if (!snapshot) return snapshot.error();
  out.snapshot = std::move(*snapshot);
  out.requirements = evaluate(out.snapshot, request.requirements);
  if (request.probe) {
    auto probe = run_probe(out.snapshot, request.requirements, request.probe_options);
    if (!probe) return probe.error();
    out.probe = std::move(*probe);
  }
  if (request.selftest) {
    auto lines = run_selftest();
    if (!lines) return lines.error();
    out.selftest = std::move(*lines);
  }
  if (request.audit) {
    auto findings = run_audit();
    if (!findings) return findings.error();
    out.audit = std::move(*findings);
  }
  return out;
}

}  // namespace shmh
