#include "stress/campaign_plan.h"

namespace shmh::stress {

bool narrows(const StressOptions& o) {
  return o.workload || o.writers || o.readers || o.msg_min || o.msg_max || o.capacity || o.kill_rate;
}

std::vector<Phase> plan_phases(const StressOptions& o) {
  std::vector<Phase> phases;
  if (narrows(o)) {
    Phase p;
    p.workload = o.workload.value_or("queue");
    p.name = p.workload;
    p.writers = o.writers.value_or(2);
    p.readers = o.readers.value_or(p.workload == "churn" ? 0 : 2);
    p.msg_min = o.msg_min.value_or(kMinMessage);
    p.msg_max = o.msg_max.value_or(std::max<std::uint32_t>(256, p.msg_min));
    p.capacity = o.capacity.value_or(64);
    p.kill_rate = o.kill_rate.value_or(0);
    phases.push_back(p);
  } else {
    auto add = [&](const char* name, const char* workload, std::uint32_t w, std::uint32_t r, std::uint32_t max,
                   std::uint32_t capacity) -> Phase& {
      Phase p;
      p.name = name;
      p.workload = workload;
      p.writers = w;
      p.readers = r;
      p.msg_min = kMinMessage;
      p.msg_max = max;
      p.capacity = capacity;
      phases.push_back(p);
      return phases.back();
    };
    add("1w1r", "queue", 1, 1, 1024, 64);
    add("many", "queue", 4, 4, 4092, 16);
    add("edges", "queue", 2, 2, 4092, 2).op_timeout_ns = 0;
    Phase& bp = add("backpressure", "queue", 2, 1, 256, 8);
    bp.burst = 32;
    bp.reader_pause_us = 300;
    bp.op_timeout_ns = 1'000'000;
    add("kill", "queue", 2, 2, 512, 32).kill_rate = 20;
    add("broadcast", "broadcast", 2, 3, 512, 32);
  }
  const auto share = o.duration / static_cast<long>(phases.size());
  for (auto& p : phases) {
    p.duration = std::max(share, std::chrono::milliseconds(1));
    p.messages = o.messages;
  }
  return phases;
}

}  // namespace shmh::stress
