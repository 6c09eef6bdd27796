#include "stress/peer_aim.h"

namespace shmh::stress {

std::optional<PeerId> freeze_inside_call(PeerControl& peers, std::span<const PeerId> candidates, std::mt19937_64& rng,
                                         AimSite site, std::chrono::steady_clock::time_point until) {
  if (candidates.empty()) return std::nullopt;
  std::uniform_int_distribution<std::size_t> start(0, candidates.size() - 1);
  do {
    // From a random peer on, so no index is favoured when several are inside.
    const std::size_t first = start(rng);
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      const PeerId id = candidates[(first + i) % candidates.size()];
      if (peers.paused(id) || !inside_channel_call(peers.current_op(id))) continue;
      // Asleep in a system call now: a stop would find it there (a cheap look, no stop needed).
      if (site == AimSite::kUserCode && peers.site(id) == sys::StopSite::kSyscall) continue;
      const auto frozen = peers.freeze(id);
      if (!frozen) break;
      const bool at_site = site == AimSite::kAnySite || frozen->site != sys::StopSite::kSyscall;
      if (inside_channel_call(frozen->op) && at_site) return id;
      peers.thaw(id);
      break;
    }
  } while (std::chrono::steady_clock::now() < until);
  return std::nullopt;
}

}  // namespace shmh::stress
