#include "core/sys/stop_site.h"

#include <charconv>
#include <string>

#include "core/sys/sys.h"

namespace shmh::sys {

StopSite parse_stop_site(std::string_view text) {
  const auto space = text.find(' ');
  if (space == std::string_view::npos || space == 0) return StopSite::kUnknown;  // "running", "", junk
  const std::string_view first = text.substr(0, space);
  long nr = 0;
  const auto [end, ec] = std::from_chars(first.data(), first.data() + first.size(), nr);
  if (ec != std::errc{} || end != first.data() + first.size() || nr < -1) return StopSite::kUnknown;
  return nr == -1 ? StopSite::kUserCode : StopSite::kSyscall;
}

StopSite stop_site(pid_t pid) {
  const auto text = read_file("/proc/" + std::to_string(pid) + "/syscall");
  return text ? parse_stop_site(*text) : StopSite::kUnknown;
}

}  // namespace shmh::sys
