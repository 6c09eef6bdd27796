#include "stress/finding.h"

namespace shmh::stress {

std::optional<FindingKind> finding_kind_named(std::string_view name) {
  for (const auto& k : kFindingKinds) {
    if (k.name == name) return k.kind;
  }
  return std::nullopt;
}

}  // namespace shmh::stress
