#include "report/limits_text.h"

#include <cstdio>

#include "core/units.h"

namespace shmh {
namespace {

// The kernel's "no limit" defaults are huge numbers (shmmax = ULONG_MAX - 2^24): show them as such.
constexpr std::uint64_t kShownAsUnlimited = std::uint64_t{1} << 60;

std::string bytes_or_unlimited(std::uint64_t v) { return v >= kShownAsUnlimited ? "unlimited" : format_bytes(v); }
std::string count_or_unlimited(std::uint64_t v) { return v >= kShownAsUnlimited ? "unlimited" : std::to_string(v); }

std::string row(const std::string& name, const std::string& limit, const std::string& used, const std::string& free,
                const std::string& note) {
  char buf[256];
  (void)std::snprintf(buf, sizeof buf, "  %-18s %-14s %-14s %-14s %s\n", name.c_str(), limit.c_str(), used.c_str(),
                      free.c_str(), note.c_str());
  return buf;
}

std::string value_of(const RequirementResult& r) {
  const bool count =
      r.requirement.item == RequirementItem::kSegments || r.requirement.item == RequirementItem::kHugepages;
  auto show = [&](std::uint64_t v) { return count ? count_or_unlimited(v) : bytes_or_unlimited(v); };
  return show(r.requirement.value) + " needed, " + show(r.available) + " available";
}

}  // namespace

std::string render_limits_text(const LimitsOutcome& o) {
  const LimitsSnapshot& s = o.snapshot;
  std::string out = "Shared-memory limits\n";
  out += row("RESOURCE", "LIMIT", "USED", "FREE", "SOURCE");
  const std::uint64_t shmall_bytes = s.shmall > UINT64_MAX / s.page_size ? UINT64_MAX : s.shmall * s.page_size;
  out += row("segments", std::to_string(s.shmmni), std::to_string(s.sysv_segments_used),
             std::to_string(s.shmmni > s.sysv_segments_used ? s.shmmni - s.sysv_segments_used : 0), "kernel.shmmni");
  out += row("segment size", bytes_or_unlimited(s.shmmax), "-", "-", "kernel.shmmax");
  out += row("System V total", bytes_or_unlimited(shmall_bytes), format_bytes(s.sysv_bytes_used),
             bytes_or_unlimited(s.shmall > s.sysv_pages_used ? (s.shmall - s.sysv_pages_used) * s.page_size : 0),
             "kernel.shmall (" + count_or_unlimited(s.shmall) + " pages)");
  out += row("rmid forced", s.shm_rmid_forced != 0 ? "on" : "off", "-", "-", "kernel.shm_rmid_forced");
  out += row("/dev/shm", s.dev_shm_mounted || s.dev_shm_size ? format_bytes(s.dev_shm_size) : "not mounted",
             format_bytes(s.dev_shm_size - s.dev_shm_free), format_bytes(s.dev_shm_free),
             s.dev_shm_fstype + (s.dev_shm_options.empty() ? "" : " " + s.dev_shm_options));
  out += row(
      "locked memory", s.cap_ipc_lock ? "unlimited" : bytes_or_unlimited(s.memlock_soft), "-", "-",
      s.cap_ipc_lock ? "CAP_IPC_LOCK (RLIMIT_MEMLOCK " + bytes_or_unlimited(s.memlock_soft) + ")" : "RLIMIT_MEMLOCK");
  out +=
      row("huge pages", std::to_string(s.hugepages_total), std::to_string(s.hugepages_total - s.hugepages_free),
          std::to_string(s.hugepages_free),
          "vm.nr_hugepages (" + format_bytes(s.hugepage_size) + " each" +
              (s.hugetlb_shm_group != 0 ? "; SHM_HUGETLB for gid " + std::to_string(s.hugetlb_shm_group) : "") + ")");
  if (s.cgroup_memory_max) {
    out += row("cgroup memory", format_bytes(*s.cgroup_memory_max), format_bytes(s.cgroup_memory_current.value_or(0)),
               format_bytes(cgroup_headroom(s).value_or(0)), "memory.max of " + s.cgroup_path);
  } else {
    out += row("cgroup memory", "unlimited", s.cgroup_memory_current ? format_bytes(*s.cgroup_memory_current) : "-",
               "-", s.cgroup_path.empty() ? "no cgroup v2" : "memory.max of " + s.cgroup_path);
  }
  out += row("available memory", format_bytes(s.mem_available), "-", "-", "MemAvailable");
  if (!s.thp_shmem.empty()) out += row("THP for shm", s.thp_shmem, "-", "-", "transparent_hugepage/shmem_enabled");
  for (const auto& hint : s.container_hints) out += "  hint: looks like a container: " + hint + "\n";
  for (const auto& trap : s.traps) out += "  trap: " + trap + "\n";

  if (!o.requirements.empty()) {
    out += "\nRequirements\n";
    for (const auto& r : o.requirements) {
      out += std::string("  ") + (r.pass ? "PASS" : "FAIL") + "  " + std::string(to_string(r.requirement.item)) + ": " +
             value_of(r) + " (" + r.reason + ")\n";
      if (!r.pass) out += "        fix: " + r.fix + "\n";
    }
  }
  if (o.probe) {
    out += "\nProbe (" + format_bytes(o.probe->bytes) + " in " + o.probe->where + ")\n";
    for (const auto& i : o.probe->items) {
      out += std::string("  ") + (i.pass ? "PASS" : "FAIL") + "  " + std::string(to_string(i.item)) + ": " + i.detail +
             "\n";
    }
  }
  if (o.selftest) {
    out += "\nSelf-test (private namespaces)\n";
    for (const auto& l : *o.selftest) {
      out += std::string("  ") + (l.pass ? "PASS" : "FAIL") + "  " + l.limit + ": " + l.expected +
             (l.pass ? "" : "; observed: " + l.observed) + "\n";
    }
  }
  if (o.audit) {
    out += "\nAudit: " +
           (o.audit->empty() ? std::string("nothing found") : std::to_string(o.audit->size()) + " finding(s)") + "\n";
    for (const auto& f : *o.audit) out += "  " + f.kind + "  " + f.object + ": " + f.detail + "\n";
  }
  return out + "\n" + render_limits_verdict(o);
}

std::string render_limits_verdict(const LimitsOutcome& o) {
  return std::string("verdict: ") + (o.pass() ? "PASS" : "FAIL") + "\n";
}

}  // namespace shmh
