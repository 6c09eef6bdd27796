// Aiming a perturbation: freezing a peer where it is inside a channel call and running its own code,
// so that a kill lands where the channel changes shared state (between a claim and its publication,
// inside a lock) rather than where it sleeps. Measured (fragile-ring, kill phase): of the stops that
// find a peer inside send or recv, about 11 in 12 find it in a system call — yielding, sleeping,
// waiting on a futex — where a kill leaves nothing half-done; beside two CPU hogs, 99 in 100. Aimed
// at "inside a call" only, the phase found the claimed-but-unpublished cell in 5 of 20 runs beside
// `stress-ng --cpu 2`; aimed at the peer's own code, in 19 of 20 (20 of 20 on a quiet machine).
//
//   if (auto id = freeze_inside_call(peers, writers, rng, AimSite::kUserCode, until)) peers.kill_and_restart(*id);
#pragma once

#include <chrono>
#include <optional>
#include <random>
#include <span>

#include "stress/perturbation.h"

namespace shmh::stress {

enum class AimSite {
  kUserCode,  // only a stop in the peer's own code; one in a system call is thawed and another tried
  kAnySite,   // anywhere inside the call, waits included (a peer killed while it waits is a case too)
};

// Freezes one of `candidates` (running, not paused) whose record shows a channel call and whose stop
// is at `site`, trying from a random candidate on until `until`; the frozen peer, or nullopt with
// every peer it tried thawed again. A site that cannot be read (no ptrace access to /proc/PID/syscall)
// counts as user code: the aim is then what it was without the site.
std::optional<PeerId> freeze_inside_call(PeerControl& peers, std::span<const PeerId> candidates, std::mt19937_64& rng,
                                         AimSite site, std::chrono::steady_clock::time_point until);

}  // namespace shmh::stress
