#include "core/limits/sysctl_fix.h"

#include <algorithm>
#include <optional>

namespace shmh {
namespace {

// The running value of a key a fix can set.
std::optional<std::uint64_t> running(const LimitsSnapshot& s, const std::string& key) {
  if (key == "kernel.shmmni") return s.shmmni;
  if (key == "kernel.shmmax") return s.shmmax;
  if (key == "kernel.shmall") return s.shmall;
  if (key == "vm.nr_hugepages") return s.hugepages_total;
  return std::nullopt;
}

constexpr std::uint64_t kIpcMni = 32768;  // ipc/util.h: the most ids per IPC type without ipcmni_extend

void add_once(std::vector<std::string>& list, const std::string& item) {
  if (std::find(list.begin(), list.end(), item) == list.end()) list.push_back(item);
}

}  // namespace

SysctlFix plan_sysctl_fix(const LimitsSnapshot& s, const std::vector<RequirementResult>& results) {
  SysctlFix fix;
  for (const auto& r : results) {
    if (r.pass) continue;
    for (const auto& want : r.sysctls) {
      const auto now = running(s, want.key);
      if (now && *now >= want.value) continue;  // never lower (nor rewrite) a value already high enough
      auto same = std::find_if(fix.settings.begin(), fix.settings.end(),
                               [&](const SysctlSetting& have) { return have.key == want.key; });
      if (same == fix.settings.end()) {
        fix.settings.push_back(want);
      } else {
        same->value = std::max(same->value, want.value);
      }
    }
    // The other steps of the fix, as the report words them.
    for (const auto& want : r.sysctls) {
      if (want.key == "kernel.shmmni" && want.value > kIpcMni) {
        add_once(fix.by_hand, "kernel.shmmni above " + std::to_string(kIpcMni) +
                                  " needs the kernel's ipcmni_extend boot parameter (IPCMNI is 32768 without it)");
      }
    }
    std::string rest = r.fix;
    while (!rest.empty()) {
      const auto cut = rest.find("; ");
      std::string step = rest.substr(0, cut);
      rest = cut == std::string::npos ? "" : rest.substr(cut + 2);
      if (step.rfind("sysctl -w ", 0) == 0) continue;
      add_once(fix.by_hand, step);
    }
  }
  return fix;
}

std::string render_sysctl_dropin(const SysctlFix& fix, const std::string& requirements) {
  std::string out =
      "# Written by `shmharness limits --fix-file` for: " + requirements +
      "\n# Each setting raises the running value to what the requirements need; none lowers one.\n"
      "# Apply: install -m 0644 THIS_FILE /etc/sysctl.d/60-shm-requirements.conf && sysctl --system\n"
      "# (in a container these are the host's or the runtime's: docker run --sysctl, a pod's securityContext)\n";
  if (fix.settings.empty()) out += "# No sysctl to raise: every kernel limit already meets the requirements.\n";
  for (const auto& set : fix.settings) out += set.key + " = " + std::to_string(set.value) + "\n";
  if (!fix.by_hand.empty()) {
    out += "#\n# Not sysctls — change by hand:\n";
    for (const auto& step : fix.by_hand) out += "#   " + step + "\n";
  }
  return out;
}

}  // namespace shmh
