// Which kills a no-recovery finding names. When the watchdog sees nothing move, the kills that may
// have left the channel stuck are those before progress stopped: peers may still drain what was
// queued after the fatal kill, so which one it was cannot be known, and the latest few are named.
// Kills after progress stopped found the channel already stuck and are not named.
//
// Time is counted in the watchdog's samples (ticks), not in clock time: a kill happens after its
// tick has read the progress, and aiming and reaping it take a while (tens of ms under a
// sanitizer), so its clock time lies after the last progress seen even when it is what stopped the
// channel. Before the phase's first message moved, idle samples say nothing of a stuck channel (its
// peers may still be starting), and the first kill is the one nothing got past.
//
//   for (std::size_t i : culprit_kills(kill_ticks, last_progress_tick, progress_seen, 3)) name(kills[i]);
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace shmh::stress {

// A kill within this many samples after the last one that saw progress may still be the cause: a
// sample or two without progress is no proof that the channel was already stuck.
inline constexpr std::uint64_t kCulpritSlackTicks = 2;

// Indices into `kill_ticks` (the sample each kill happened in, in order), latest first, at most
// `max`: the kills in samples up to `last_progress_tick` + kCulpritSlackTicks — or, when no sample of
// the phase saw progress (`progress_seen` false), up to the first kill's sample + the slack.
[[nodiscard]] std::vector<std::size_t> culprit_kills(std::span<const std::uint64_t> kill_ticks,
                                                     std::uint64_t last_progress_tick, bool progress_seen,
                                                     std::size_t max);

}  // namespace shmh::stress
