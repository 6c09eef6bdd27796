#include <array>

#include "stress/workload.h"
#include "stress/workloads/broadcast.h"
#include "stress/workloads/churn.h"
#include "stress/workloads/queue.h"
#include "stress/workloads/regions.h"

namespace shmh::stress {

std::span<const WorkloadDescriptor* const> workloads() {
  static const std::array<const WorkloadDescriptor*, 4> all = {
      &queue_workload(),
      &broadcast_workload(),
      &regions_workload(),
      &churn_workload(),
  };
  return all;
}

const WorkloadDescriptor* find_workload(std::string_view name) {
  for (const auto* w : workloads()) {
    if (w->name == name) return w;
  }
  return nullptr;
}

}  // namespace shmh::stress
