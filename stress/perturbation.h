// Perturbation: something the phase driver does to running peers on purpose, to expose what plain
// load does not — SIGKILL and restart (`kill`), SIGSTOP and SIGCONT (`pause`). One file each under
// stress/perturbations/, the same shape: a descriptor whose make() returns the phase's perturber (or null when the
// phase does not ask for it) and, optionally, why it cannot run in a mode. The driver ticks every active perturber
// while the writers run; a perturber acts only through PeerControl.
//
// Adding a perturbation: stress/perturbations/<name>.cc defining
// `const PerturbationDescriptor& <name>_perturbation()`, its declaration and place in the list in
// stress/perturbations/perturbations.cc, and a field in PhaseShape for its parameter.
//
//   for (const auto* p : perturbations()) if (auto one = p->make(phase, seed)) active.push_back(std::move(one));
//   ... every tick: one->tick(control, now);
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/sys/stop_site.h"
#include "stress/peer_group.h"
#include "stress/phase_descriptor.h"
#include "stress/stress_options.h"

namespace shmh::stress {

// A peer stopped by PeerControl::freeze: the operation its record showed then, and whether it was
// in a system call (waiting, yielding) or running its own code when the stop caught it.
struct Frozen {
  PeerOp op = PeerOp::kStarting;
  sys::StopSite site = sys::StopSite::kUnknown;
};

// What a perturbation may do to the phase's peers; the phase driver implements it.
class PeerControl {
 public:
  virtual ~PeerControl() = default;
  [[nodiscard]] virtual std::vector<PeerId> running_peers() const = 0;
  // SIGKILLs the peer, reaps it, lets the workload account for what it had in flight (on_kill),
  // counts the kill and restarts the peer as its next incarnation. False when it had already ended.
  virtual bool kill_and_restart(PeerId id) = 0;
  // SIGSTOPs the peer and SIGCONTs it `duration` later: alive, holding whatever it holds, making no
  // progress — as if preempted, throttled by its cgroup or stalled by its VM. The watchdog does not
  // count time while any peer is paused; every pause ends before the writers are told to stop.
  // False when the peer is not running or already paused.
  virtual bool pause(PeerId id, std::chrono::nanoseconds duration) = 0;
  [[nodiscard]] virtual bool paused(PeerId id) const = 0;
  // Moves a pause's end to `until` (now or earlier: it ends at the next tick); `why` goes into the
  // phase's events. False when the peer is not paused.
  virtual bool hold(PeerId id, std::chrono::steady_clock::time_point until, std::string_view why) = 0;
  // The peer's progress count (messages, operations): a perturber sees from it whether peers move.
  [[nodiscard]] virtual std::uint64_t progress(PeerId id) const = 0;
  // The operation the peer's record says it is in (to aim at peers inside a channel call).
  [[nodiscard]] virtual PeerOp current_op(PeerId id) const = 0;
  // SIGSTOPs the peer and waits (bounded) until it is stopped: the operation its record shows then
  // and the stop's site are where it is frozen — kill_and_restart kills it exactly there, thaw
  // lets it go on. Nullopt when it is not running, is paused, or did not stop in time (it is then
  // not stopped).
  [[nodiscard]] virtual std::optional<Frozen> freeze(PeerId id) = 0;
  // Where the peer is now, without stopping it: kSyscall while it sleeps in a system call,
  // kUnknown while it runs or is runnable (and when it cannot be read).
  [[nodiscard]] virtual sys::StopSite site(PeerId id) const = 0;
  virtual void thaw(PeerId id) = 0;
};

// One phase's running perturbation.
class Perturber {
 public:
  virtual ~Perturber() = default;
  // Called about every 5 ms while the writers run (not while the phase drains).
  virtual void tick(PeerControl& peers, std::chrono::steady_clock::time_point now) = 0;
};

struct PerturbationDescriptor {
  std::string_view name;
  std::string_view help;
  // The perturber `phase` asks for (from its PhaseShape parameters), or null. `seed` is the phase's:
  // the same seed gives the same schedule and draws (which peer a draw lands on may depend on where
  // the peers are then: aimed kills, pauses of peers that get work done).
  std::unique_ptr<Perturber> (*make)(const Phase& phase, std::uint64_t seed) = nullptr;
  // Why it cannot act in this fit, nullopt when it can; may be null.
  std::optional<std::string> (*applies_to)(const PhaseFit& fit) = nullptr;
  // How the report names it in a phase that uses it: "kill 20/s".
  std::string (*describe)(const Phase& phase) = nullptr;
};

// Every perturbation, in the order the driver ticks them.
std::span<const PerturbationDescriptor* const> perturbations();

}  // namespace shmh::stress
