#include "core/limits/limits_snapshot.h"

#include <sys/resource.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <sstream>
#include <vector>

#include "core/cleanup/sysvipc_table.h"
#include "core/sys/proc_number.h"
#include "core/sys/sys.h"

namespace shmh {
namespace {

// "Key:   value kB" lines of /proc/meminfo, /proc/self/status.
std::optional<std::uint64_t> field(const std::string& text, const std::string& key) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) != 0) continue;
    std::istringstream fields(line.substr(key.size() + 1));
    std::string value, unit;
    fields >> value >> unit;
    auto v = sys::parse_u64(value);
    if (!v) return std::nullopt;
    return unit == "kB" ? *v * 1024 : *v;
  }
  return std::nullopt;
}

// The /dev/shm line of /proc/self/mountinfo (the last one wins: later mounts hide earlier ones):
// fstype and the mount options joined with the super options.
void read_mountinfo(const std::string& text, const std::string& mount_point, LimitsSnapshot& s) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string id, parent, dev, root, point, options;
    f >> id >> parent >> dev >> root >> point >> options;
    if (point != mount_point) continue;
    std::string tok;
    while (f >> tok && tok != "-") {
    }
    std::string fstype, source, super;
    f >> fstype >> source >> super;
    s.dev_shm_mounted = true;
    s.dev_shm_fstype = fstype;
    // Both lists carry "rw" (and may repeat others): each option once, in the order first seen.
    s.dev_shm_options.clear();
    std::istringstream all(options.append(",").append(super));
    std::vector<std::string> seen;
    for (std::string opt; std::getline(all, opt, ',');) {
      if (opt.empty() || std::find(seen.begin(), seen.end(), opt) != seen.end()) continue;
      seen.push_back(opt);
      s.dev_shm_options += (s.dev_shm_options.empty() ? "" : ",") + opt;
    }
  }
}

bool has_cap_ipc_lock(const std::string& status) {
  std::istringstream in(status);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("CapEff:", 0) != 0) continue;
    std::uint64_t caps = 0;
    std::string hex = line.substr(7);
    hex.erase(0, hex.find_first_not_of(" \t"));
    std::from_chars(hex.data(), hex.data() + hex.size(), caps, 16);
    constexpr int kCapIpcLock = 14;  // linux/capability.h
    return (caps >> kCapIpcLock) & 1U;
  }
  return false;
}

}  // namespace

std::optional<std::uint64_t> cgroup_headroom(const LimitsSnapshot& s) {
  if (!s.cgroup_memory_max) return std::nullopt;
  const std::uint64_t current = s.cgroup_memory_current.value_or(0);
  return *s.cgroup_memory_max > current ? *s.cgroup_memory_max - current : 0;
}

Result<LimitsSnapshot> read_limits(const LimitsSources& src) {
  LimitsSnapshot s;
  s.page_size = sys::page_size();
  const std::string kernel = src.proc + "/sys/kernel/";
  for (auto [name, out] : {std::pair{"shmmax", &s.shmmax}, std::pair{"shmall", &s.shmall},
                           std::pair{"shmmni", &s.shmmni}, std::pair{"shm_rmid_forced", &s.shm_rmid_forced}}) {
    auto v = sys::read_u64(kernel + name);
    if (!v) return v.error();
    *out = *v;
  }

  auto table = sys::read_file(src.proc + "/sysvipc/shm");
  if (!table) return table.error();
  auto rows = parse_sysvipc_shm(*table);
  if (!rows) return rows.error();
  for (const auto& r : *rows) {
    ++s.sysv_segments_used;
    s.sysv_bytes_used += r.size;
    s.sysv_pages_used += (r.size + s.page_size - 1) / s.page_size;
  }

  if (auto mountinfo = sys::read_file(src.proc + "/self/mountinfo")) read_mountinfo(*mountinfo, src.dev_shm, s);
  struct statvfs vfs {};
  if (::statvfs(src.dev_shm.c_str(), &vfs) == 0) {
    s.dev_shm_size = static_cast<std::uint64_t>(vfs.f_blocks) * vfs.f_frsize;
    s.dev_shm_free = static_cast<std::uint64_t>(vfs.f_bavail) * vfs.f_frsize;
  }

  if (auto lim = sys::getrlimit(RLIMIT_MEMLOCK)) {
    s.memlock_soft = lim->rlim_cur == RLIM_INFINITY ? kUnlimited : lim->rlim_cur;
    s.memlock_hard = lim->rlim_max == RLIM_INFINITY ? kUnlimited : lim->rlim_max;
  }
  if (auto status = sys::read_file(src.proc + "/self/status")) s.cap_ipc_lock = has_cap_ipc_lock(*status);

  auto meminfo = sys::read_file(src.proc + "/meminfo");
  if (!meminfo) return meminfo.error();
  s.mem_available = field(*meminfo, "MemAvailable").value_or(0);
  s.hugepages_total = field(*meminfo, "HugePages_Total").value_or(0);
  s.hugepages_free = field(*meminfo, "HugePages_Free").value_or(0);
  s.hugepage_size = field(*meminfo, "Hugepagesize").value_or(0);
  if (auto group = sys::read_u64(src.proc + "/sys/vm/hugetlb_shm_group")) s.hugetlb_shm_group = *group;
  if (auto thp = sys::read_file(src.sys + "/kernel/mm/transparent_hugepage/shmem_enabled")) {
    const auto open = thp->find('[');
    const auto close = thp->find(']', open);
    if (open != std::string::npos && close != std::string::npos) s.thp_shmem = thp->substr(open + 1, close - open - 1);
  }

  // cgroup v2: "0::/path" in /proc/self/cgroup.
  if (auto cg = sys::read_file(src.proc + "/self/cgroup")) {
    std::istringstream in(*cg);
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("0::", 0) == 0) s.cgroup_path = line.substr(3);
    }
    if (!s.cgroup_path.empty()) {
      const std::string dir = src.cgroup_root + s.cgroup_path;
      if (auto max = sys::read_file(dir + "/memory.max"))
        s.cgroup_memory_max = sys::parse_u64(*max);  // "max" → nullopt
      if (auto cur = sys::read_file(dir + "/memory.current")) s.cgroup_memory_current = sys::parse_u64(*cur);
    }
  }

  std::error_code ec;
  if (std::filesystem::exists(src.root + ".dockerenv", ec)) {
    s.container_hints.push_back(
        "/.dockerenv exists (Docker: docker run --shm-size=SIZE sizes /dev/shm; --ipc=host uses the host's System V "
        "limits and /dev/shm instead of the container's)");
  }
  if (std::filesystem::exists(src.root + "var/run/secrets/kubernetes.io", ec)) {
    s.container_hints.push_back(
        "a Kubernetes service account is mounted (a pod: /dev/shm is the runtime's, 64 MiB by default, unless the pod "
        "mounts an emptyDir with medium: Memory there — its sizeLimit caps it and its pages count against the "
        "container's memory limit)");
  }
  if (std::filesystem::exists(src.root + "run/.containerenv", ec)) {
    s.container_hints.push_back("/run/.containerenv exists (podman)");
  }
  if (s.dev_shm_size == 64ULL << 20) {
    s.container_hints.push_back("/dev/shm is exactly 64 MiB, Docker's default (--shm-size raises it)");
  }
  if (!s.cgroup_path.empty() && s.cgroup_path != "/" && s.cgroup_memory_max) {
    s.container_hints.push_back("a memory limit applies to cgroup " + s.cgroup_path);
  }
  if (s.thp_shmem == "always" || s.thp_shmem == "force") {
    s.traps.push_back("transparent huge pages back shared memory (shmem_enabled = " + s.thp_shmem +
                      "): a touched segment or /dev/shm file takes memory in huge-page steps, not pages — budget "
                      "for it, or set /sys/kernel/mm/transparent_hugepage/shmem_enabled to advise or never");
  }
  s.remove_ipc = read_remove_ipc(src.root, src.uid.value_or(static_cast<std::uint32_t>(::getuid())));
  if (s.remove_ipc.applies()) {
    const std::string uid = std::to_string(s.remove_ipc.uid);
    s.traps.push_back("systemd-logind removes uid " + uid +
                      "'s System V segments and POSIX shm objects when its last session ends (RemoveIPC=yes from " +
                      s.remove_ipc.source + "; uid " + uid + " > SYS_UID_MAX " +
                      std::to_string(s.remove_ipc.sys_uid_max) +
                      "): run the service as a system user, or set RemoveIPC=no in "
                      "/etc/systemd/logind.conf.d/shm.conf and restart systemd-logind");
  }
  return s;
}

}  // namespace shmh
