#include "report/limits_json.h"

#include <nlohmann/json.hpp>

namespace shmh {
namespace {

using nlohmann::json;

json number_or_null(std::uint64_t v) { return v == kUnlimited ? json(nullptr) : json(v); }

}  // namespace

json limits_json(const LimitsOutcome& o) {
  const LimitsSnapshot& s = o.snapshot;
  json j;
  j["verdict"] = o.pass() ? "pass" : "fail";
  j["limits"] = {
      {"page_size", s.page_size},
      {"shmmax", s.shmmax},
      {"shmall_pages", s.shmall},
      {"shmmni", s.shmmni},
      {"shm_rmid_forced", s.shm_rmid_forced != 0},
      {"dev_shm",
       {{"mounted", s.dev_shm_mounted},
        {"fstype", s.dev_shm_fstype},
        {"options", s.dev_shm_options},
        {"size", s.dev_shm_size},
        {"free", s.dev_shm_free}}},
      {"memlock",
       {{"soft", number_or_null(s.memlock_soft)},
        {"hard", number_or_null(s.memlock_hard)},
        {"cap_ipc_lock", s.cap_ipc_lock}}},
      {"hugepages",
       {{"total", s.hugepages_total},
        {"free", s.hugepages_free},
        {"size", s.hugepage_size},
        {"shm_group", s.hugetlb_shm_group}}},
      {"thp_shmem", s.thp_shmem.empty() ? json(nullptr) : json(s.thp_shmem)},
      {"cgroup",
       {{"path", s.cgroup_path},
        {"memory_max", s.cgroup_memory_max ? json(*s.cgroup_memory_max) : json(nullptr)},
        {"memory_current", s.cgroup_memory_current ? json(*s.cgroup_memory_current) : json(nullptr)}}},
      {"mem_available", s.mem_available},
  };
  j["usage"] = {{"sysv_segments", s.sysv_segments_used},
                {"sysv_bytes", s.sysv_bytes_used},
                {"sysv_pages", s.sysv_pages_used},
                {"dev_shm_used", s.dev_shm_size - s.dev_shm_free}};
  j["container_hints"] = s.container_hints;
  j["remove_ipc"] = {{"logind", s.remove_ipc.logind},           {"enabled", s.remove_ipc.enabled},
                     {"source", s.remove_ipc.source},           {"uid", s.remove_ipc.uid},
                     {"sys_uid_max", s.remove_ipc.sys_uid_max}, {"applies", s.remove_ipc.applies()}};
  j["traps"] = s.traps;
  j["requirements"] = json::array();
  for (const auto& r : o.requirements) {
    j["requirements"].push_back({{"item", std::string(to_string(r.requirement.item))},
                                 {"required", r.requirement.value},
                                 {"available", number_or_null(r.available)},
                                 {"pass", r.pass},
                                 {"reason", r.reason},
                                 {"fix", r.fix.empty() ? json(nullptr) : json(r.fix)}});
  }
  j["probe"] = nullptr;
  if (o.probe) {
    json items = json::array();
    for (const auto& i : o.probe->items) {
      items.push_back({{"item", std::string(to_string(i.item))}, {"pass", i.pass}, {"detail", i.detail}});
    }
    j["probe"] = {{"where", o.probe->where}, {"bytes", o.probe->bytes}, {"items", items}};
  }
  j["selftest"] = nullptr;
  if (o.selftest) {
    j["selftest"] = json::array();
    for (const auto& l : *o.selftest) {
      j["selftest"].push_back(
          {{"limit", l.limit}, {"pass", l.pass}, {"expected", l.expected}, {"observed", l.observed}});
    }
  }
  j["audit"] = nullptr;
  if (o.audit) {
    j["audit"] = json::array();
    for (const auto& f : *o.audit) j["audit"].push_back({{"kind", f.kind}, {"object", f.object}, {"detail", f.detail}});
  }
  return j;
}

std::string render_limits_json(const LimitsOutcome& o) { return limits_json(o).dump(2) + "\n"; }

}  // namespace shmh
