#include "core/limits/requirements.h"

#include <algorithm>
#include <array>
#include <charconv>

#include "core/units.h"

namespace shmh {
namespace {

struct ItemSpec {
  RequirementItem item;
  std::string_view key;
  bool bytes;           // a size ("64MiB") or a count
  std::uint64_t limit;  // larger values are absurd: refused as a typo, not checked
};

// Limits: Linux caps System V ids at 2^24 (ipcmni_extend); no machine has a petabyte to share.
constexpr std::array<ItemSpec, 6> kItems = {{
    {RequirementItem::kSegments, "segments", false, std::uint64_t{1} << 24},
    {RequirementItem::kSegmentSize, "segment-size", true, std::uint64_t{1} << 50},
    {RequirementItem::kTotal, "total", true, std::uint64_t{1} << 50},
    {RequirementItem::kPosix, "posix", true, std::uint64_t{1} << 50},
    {RequirementItem::kLocked, "locked", true, std::uint64_t{1} << 50},
    {RequirementItem::kHugepages, "hugepages", false, std::uint64_t{1} << 32},
}};

std::string known_keys() {
  std::string out;
  for (const auto& i : kItems) out += (out.empty() ? "" : ", ") + std::string(i.key);
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// One "key=value"; `where` prefixes errors ("item 2", "line 5").
Result<Requirement> parse_item(std::string_view text, const std::string& where) {
  const std::string shown(trim(text));
  const auto eq = text.find('=');
  if (eq == std::string_view::npos) return logic_error("requirement", where + " '" + shown + "': expected key=value");
  const std::string_view key = trim(text.substr(0, eq));
  const std::string_view value = trim(text.substr(eq + 1));
  const auto spec = std::find_if(kItems.begin(), kItems.end(), [&](const ItemSpec& i) { return i.key == key; });
  if (spec == kItems.end()) {
    return logic_error("requirement", where + ": unknown key '" + std::string(key) + "' (known: " + known_keys() + ")");
  }
  std::uint64_t v = 0;
  if (spec->bytes) {
    auto size = parse_size(value);
    if (!size) return logic_error("requirement", where + " " + std::string(key) + ": " + size.error().detail);
    v = *size;
  } else {
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc{} || end != value.data() + value.size() || value.empty()) {
      return logic_error("requirement",
                         where + " " + std::string(key) + ": '" + std::string(value) + "' is not a count");
    }
  }
  if (v > spec->limit) {
    return logic_error("requirement",
                       where + " " + std::string(key) + ": " + std::string(value) + " is absurd (more than " +
                           (spec->bytes ? format_bytes(spec->limit) : std::to_string(spec->limit)) + ")");
  }
  if (v == 0 && spec->item != RequirementItem::kHugepages && spec->item != RequirementItem::kLocked) {
    return logic_error("requirement", where + " " + std::string(key) + ": must be at least 1");
  }
  return Requirement{spec->item, v};
}

Result<void> add_unique(std::vector<Requirement>& out, const Requirement& r, const std::string& where) {
  for (const auto& existing : out) {
    if (existing.item == r.item) {
      return logic_error("requirement", where + ": '" + std::string(to_string(r.item)) + "' is given twice");
    }
  }
  out.push_back(r);
  return {};
}

std::string count_or_bytes(RequirementItem item, std::uint64_t v) {
  if (v == kUnlimited) return "unlimited";
  const bool bytes = item != RequirementItem::kSegments && item != RequirementItem::kHugepages;
  return bytes ? format_bytes(v) : std::to_string(v);
}

std::uint64_t sat_sub(std::uint64_t a, std::uint64_t b) { return a > b ? a - b : 0; }

// Applies the cgroup memory headroom to a byte requirement: shm pages are charged to the cgroup.
// Adds `sysctl -w key=value` to the fix, as text and as a setting.
void add_sysctl(RequirementResult& r, const std::string& key, std::uint64_t value) {
  r.fix += std::string(r.fix.empty() ? "" : "; ") + "sysctl -w " + key + "=" + std::to_string(value);
  r.sysctls.push_back(SysctlSetting{.key = key, .value = value});
}

void apply_cgroup(const LimitsSnapshot& s, RequirementResult& r) {
  const auto head = cgroup_headroom(s);
  if (!head || *head >= r.available) return;
  r.available = *head;
  r.reason += "; cgroup " + s.cgroup_path + " has " + format_bytes(*head) + " left under memory.max";
  if (r.requirement.value > *head) {
    r.fix += std::string(r.fix.empty() ? "" : "; ") + "raise memory.max of cgroup " + s.cgroup_path + " by " +
             format_bytes(r.requirement.value - *head) + " (docker --memory, systemd MemoryMax=)";
  }
}

}  // namespace

std::string_view to_string(RequirementItem item) {
  for (const auto& i : kItems) {
    if (i.item == item) return i.key;
  }
  return "?";
}

Result<std::vector<Requirement>> parse_requirements(std::string_view text) {
  std::vector<Requirement> out;
  std::size_t index = 0;
  while (true) {
    ++index;
    const auto comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    const std::string where = "item " + std::to_string(index);
    if (trim(item).empty()) return logic_error("requirement", where + " is empty");
    auto r = parse_item(item, where);
    if (!r) return r.error();
    if (auto ok = add_unique(out, *r, where); !ok) return ok.error();
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

Result<std::vector<Requirement>> parse_profile(std::string_view text) {
  std::vector<Requirement> out;
  std::size_t line_no = 0;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++line_no;
    if (const auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    if (trim(line).empty()) continue;
    const std::string where = "line " + std::to_string(line_no);
    auto r = parse_item(line, where);
    if (!r) return r.error();
    if (auto ok = add_unique(out, *r, where); !ok) return ok.error();
  }
  if (out.empty()) return logic_error("requirement", "the profile lists no requirement");
  return out;
}

std::vector<RequirementResult> evaluate(const LimitsSnapshot& s, const std::vector<Requirement>& requirements) {
  std::vector<RequirementResult> out;
  for (const auto& req : requirements) {
    RequirementResult r{.requirement = req};
    const std::uint64_t need = req.value;
    switch (req.item) {
      case RequirementItem::kSegments:
        r.available = sat_sub(s.shmmni, s.sysv_segments_used);
        r.reason =
            "kernel.shmmni = " + std::to_string(s.shmmni) + " with " + std::to_string(s.sysv_segments_used) + " in use";
        if (need > r.available) {
          add_sysctl(r, "kernel.shmmni", s.sysv_segments_used + need);
        }
        break;
      case RequirementItem::kSegmentSize: {
        r.available = std::min(s.shmmax, s.shmall > UINT64_MAX / s.page_size ? UINT64_MAX : s.shmall * s.page_size);
        r.reason = "kernel.shmmax = " + std::to_string(s.shmmax) + " bytes";
        if (need > s.shmmax) add_sysctl(r, "kernel.shmmax", need);
        const std::uint64_t pages = (need + s.page_size - 1) / s.page_size;
        if (pages > s.shmall) {
          add_sysctl(r, "kernel.shmall", pages);
          r.reason += ", kernel.shmall = " + std::to_string(s.shmall) + " pages";
        }
        apply_cgroup(s, r);
        break;
      }
      case RequirementItem::kTotal: {
        const std::uint64_t free_pages = sat_sub(s.shmall, s.sysv_pages_used);
        r.available = free_pages > UINT64_MAX / s.page_size ? UINT64_MAX : free_pages * s.page_size;
        r.reason = "kernel.shmall = " + std::to_string(s.shmall) + " pages of " + format_bytes(s.page_size) + " with " +
                   std::to_string(s.sysv_pages_used) + " in use";  // raw numbers: what sysctl shows
        const std::uint64_t pages = (need + s.page_size - 1) / s.page_size;
        if (pages > free_pages) add_sysctl(r, "kernel.shmall", s.sysv_pages_used + pages);
        apply_cgroup(s, r);
        break;
      }
      case RequirementItem::kPosix:
        r.available = s.dev_shm_free;
        if (!s.dev_shm_mounted && s.dev_shm_size == 0) {
          r.reason = "no /dev/shm";
          r.fix = "mount -t tmpfs -o size=" + std::to_string(need) + ",mode=1777 tmpfs /dev/shm";
          break;
        }
        r.reason = "/dev/shm (" + s.dev_shm_fstype + ") has " + format_bytes(s.dev_shm_free) + " free of " +
                   format_bytes(s.dev_shm_size);
        if (need > s.dev_shm_free) {
          const std::uint64_t used = sat_sub(s.dev_shm_size, s.dev_shm_free);
          r.fix = "mount -o remount,size=" + std::to_string(used + need) +
                  " /dev/shm (in Docker: --shm-size=" + std::to_string(used + need) + ")";
        }
        apply_cgroup(s, r);
        break;
      case RequirementItem::kLocked:
        if (s.cap_ipc_lock) {
          r.available = kUnlimited;
          r.reason = "CAP_IPC_LOCK: RLIMIT_MEMLOCK does not apply";
        } else {
          r.available = s.memlock_soft;
          r.reason = "RLIMIT_MEMLOCK = " + count_or_bytes(req.item, s.memlock_soft) + " (hard " +
                     count_or_bytes(req.item, s.memlock_hard) + ")";
          if (need > s.memlock_soft) {
            r.fix = "raise the memlock limit to " + std::to_string((need + 1023) / 1024) +
                    " KiB (ulimit -l, LimitMEMLOCK= in systemd, memlock in /etc/security/limits.conf)";
          }
        }
        break;
      case RequirementItem::kHugepages:
        r.available = s.hugepages_free;
        r.reason = std::to_string(s.hugepages_free) + " of " + std::to_string(s.hugepages_total) + " huge pages of " +
                   format_bytes(s.hugepage_size) + " free";
        if (need > s.hugepages_free) {
          add_sysctl(r, "vm.nr_hugepages", s.hugepages_total + need - s.hugepages_free);
        }
        break;
    }
    r.pass = need <= r.available;
    if (r.pass) {
      r.fix.clear();
      r.sysctls.clear();
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace shmh
