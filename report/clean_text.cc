#include "report/clean_text.h"

#include <fmt/format.h>

#include "core/units.h"

namespace shmh {

std::string render_clean_text(const CleanReport& r) {
  std::string out;
  for (const auto& e : r.entries) {
    const auto& l = e.leftover;
    const std::string what = fmt::format("{} {} ({}, {})", l.kind == LeftoverKind::kSysv ? "sysv " : "posix", l.name,
                                         format_bytes(l.bytes), l.reason);
    switch (e.action) {
      case CleanAction::kKept:
        out += "kept          " + what + "\n";
        break;
      case CleanAction::kWouldRemove:
        out += "would remove  " + what + "\n";
        break;
      case CleanAction::kRemoved:
        out += "removed       " + what + "\n";
        break;
      case CleanAction::kFailed:
        out += fmt::format("not removed   {}: {}; run as its owner or as root\n", what, e.error);
        break;
    }
  }
  if (r.dry_run) {
    return out + fmt::format("clean --dry-run: {} leftover(s) to remove ({}), {} in use\n",
                             r.count(CleanAction::kWouldRemove), format_bytes(r.bytes()), r.count(CleanAction::kKept));
  }
  return out + fmt::format("clean: removed {} leftover(s) ({}), kept {} in use, {} failed\n",
                           r.count(CleanAction::kRemoved), format_bytes(r.bytes()), r.count(CleanAction::kKept),
                           r.count(CleanAction::kFailed));
}

}  // namespace shmh
