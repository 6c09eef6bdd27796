#include "stress/campaign_plan.h"

#include <algorithm>

#include "core/check.h"
#include "stress/phase_descriptor.h"
#include "stress/workload.h"

namespace shmh::stress {

bool narrows(const StressOptions& o) {
  return o.workload || o.writers || o.readers || o.msg_min || o.msg_max || o.capacity || o.kill_rate || o.pause_rate;
}

std::vector<Phase> plan_phases(const StressOptions& o) {
  std::vector<Phase> phases;
  std::vector<double> weights;
  if (narrows(o)) {
    const WorkloadDescriptor* w = chosen_workload(o);
    SHMH_CHECK(w != nullptr, "plan_phases: unknown workload (validate first)");
    const PhaseDefaults& d = w->defaults;
    Phase p;
    p.workload = std::string(w->name);
    p.name = p.workload;
    p.writers = o.writers.value_or(d.writers);
    p.readers = w->has_readers ? o.readers.value_or(d.readers) : 0;
    p.msg_min = o.msg_min.value_or(d.msg_min);
    p.msg_max = o.msg_max.value_or(std::max(d.msg_max, p.msg_min));
    p.capacity = o.capacity.value_or(d.capacity);
    p.kill_rate = o.kill_rate.value_or(0);
    p.pause_rate = o.pause_rate.value_or(0);
    phases.push_back(p);
    weights.push_back(1);
  } else {
    for (const PhaseDescriptor* d : campaign_phases()) {
      Phase p;
      static_cast<PhaseShape&>(p) = d->shape;
      p.name = std::string(d->name);
      p.workload = std::string(d->workload);
      phases.push_back(p);
      weights.push_back(d->weight);
    }
  }
  double total_weight = 0;
  for (const double w : weights) total_weight += w;
  for (std::size_t i = 0; i < phases.size(); ++i) {
    const auto share = std::chrono::milliseconds(
        static_cast<std::int64_t>(static_cast<double>(o.duration.count()) * weights[i] / total_weight));
    phases[i].duration = std::max(share, std::chrono::milliseconds(1));
    phases[i].messages = o.messages;
  }
  return phases;
}

}  // namespace shmh::stress
