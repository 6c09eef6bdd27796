#include <array>

#include "stress/workload.h"
#include "stress/workloads/broadcast.h"
#include "stress/workloads/churn.h"
#include "stress/workloads/hostile.h"
#include "stress/workloads/queue.h"
#include "stress/workloads/regions.h"

namespace shmh::stress {

std::span<const WorkloadDescriptor* const> workloads() {
  static const std::array<const WorkloadDescriptor*, 5> all = {
      &queue_workload(), &broadcast_workload(), &regions_workload(), &churn_workload(), &hostile_workload(),
  };
  return all;
}

const WorkloadDescriptor* find_workload(std::string_view name) {
  for (const auto* w : workloads()) {
    if (w->name == name) return w;
  }
  return nullptr;
}

const WorkloadDescriptor* chosen_workload(const StressOptions& options) {
  return options.workload ? find_workload(*options.workload) : workloads().front();
}

const WorkloadOption* find_workload_option(std::string_view flag) {
  for (const auto* w : workloads()) {
    for (const auto* o : w->options) {
      if (o->flag == flag) return o;
    }
  }
  return nullptr;
}

std::string workload_names() {
  std::string names;
  for (const auto* w : workloads()) names += (names.empty() ? "" : ", ") + std::string(w->name);
  return names;
}

}  // namespace shmh::stress
