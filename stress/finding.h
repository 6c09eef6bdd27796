// Finding: one thing a stress run proved wrong, and FindingKind, the closed list of what can be
// wrong. The kinds are the stable vocabulary of the reports: each has a name (the JSON "kind", the
// JUnit failure type, the text report's "FINDING <name>") that never changes once released, and a
// one-line meaning that the README's schema table repeats.
//
//   out.findings.push_back(Finding{FindingKind::kLost, phase.name, "3 message(s) sent and never received: ..."});
//   to_string(FindingKind::kLost)   // "lost"
//
// Adding a kind: one enumerator and one row of kFindingKinds below (the static_asserts keep the two
// in step); reporters and schema pick it up from here.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "stress/flight_recorder.h"

namespace shmh::stress {

enum class FindingKind {
  kLost,
  kDuplicated,
  kCorrupt,
  kReordered,
  kStall,
  kPeerCrash,
  kNoRecovery,
  kStranded,
  kLostWakeup,
  kChannelError,
  kTornRead,
  kStaleRead,
  kChurnMismatch,
  kLeak,
  kSetup,
  kBadAnswer,
  kMaxValue = kBadAnswer,
};

struct FindingKindInfo {
  FindingKind kind;
  std::string_view name;     // stable: JSON, JUnit, text
  std::string_view meaning;  // one line, for --help and the README
};

inline constexpr std::array<FindingKindInfo, static_cast<std::size_t>(FindingKind::kMaxValue) + 1> kFindingKinds{{
    {FindingKind::kLost, "lost", "a message sent (send returned OK) was never received, and no kill explains it"},
    {FindingKind::kDuplicated, "duplicated", "an intact message was received more than once"},
    {FindingKind::kCorrupt, "corrupt",
     "a received message differs from what its header's writer sent as that sequence (a payload byte, the check word, "
     "the length), or carried a sequence never sent"},
    {FindingKind::kReordered, "reordered", "a message arrived after a later one of its writer (FIFO channels)"},
    {FindingKind::kStall, "stall", "no peer made progress for the watchdog's time; names who is stuck in what"},
    {FindingKind::kPeerCrash, "peer-crash", "a peer died on its own (a signal, a sanitizer, a failed open)"},
    {FindingKind::kNoRecovery, "no-recovery",
     "nothing moved after a peer was killed inside a channel call: names the kill (the channel does not survive a "
     "peer's death; declare SHMH_CHANNEL_NOT_CRASH_TOLERANT or pass --no-kill if that is by design)"},
    {FindingKind::kStranded, "stranded",
     "messages sent but still in a channel that stopped moving (stall, no-recovery, a peer crash): not counted as "
     "lost"},
    {FindingKind::kLostWakeup, "lost-wakeup",
     "a recv timed out while a message sent well before its deadline was in the channel (or a send on an empty one)"},
    {FindingKind::kChannelError, "channel-error", "a channel call failed with an error other than a timeout"},
    {FindingKind::kTornRead, "torn-read", "regions: a reader accepted a record mixing two versions"},
    {FindingKind::kStaleRead, "stale-read", "regions: a reader accepted a record older than one it had accepted"},
    {FindingKind::kChurnMismatch, "churn-mismatch", "churn: the kernel's answer differed from the predicted one"},
    {FindingKind::kLeak, "leak", "a shared-memory object outlived the run"},
    {FindingKind::kSetup, "setup", "a peer could not be started"},
    {FindingKind::kBadAnswer, "bad-answer",
     "hostile: a call answered outside the ABI — a length beyond the caller's buffer or max_message, or a status the "
     "ABI does not define"},
}};

static_assert(
    [] {
      for (std::size_t i = 0; i < kFindingKinds.size(); ++i) {
        if (static_cast<std::size_t>(kFindingKinds[i].kind) != i) return false;
      }
      return true;
    }(),
    "kFindingKinds rows must follow the enumerators' order");

// The stable name ("lost", "peer-crash", ...).
constexpr std::string_view to_string(FindingKind kind) { return kFindingKinds[static_cast<std::size_t>(kind)].name; }

// The kind with that stable name, if any.
std::optional<FindingKind> finding_kind_named(std::string_view name);

// A peer's recent history, from its flight recorder, when the phase ended — or, for a snapshot, a
// writer's as a reader copied it the moment it saw its first problem.
struct PeerHistory {
  std::string peer;  // "writer 0", "writer 0 when reader 1 saw its first problem"
  std::int32_t pid = 0;
  std::uint32_t incarnation = 0;
  std::string now;                     // what it was doing at the end ("in send of seq 500"); "" for a snapshot
  std::vector<FlightEntry> last;       // oldest first
  std::uint64_t around = kUnknownSeq;  // a snapshot: the sequence the reader's problem is about
};

// Something the runner did to the peers: a kill (and restart), a pause. `t_s` since the phase began.
struct PhaseEvent {
  double t_s = 0;
  std::string what;
};

struct Finding {
  FindingKind kind = FindingKind::kSetup;
  std::string phase;                 // the phase it was found in; "end" for the run's final checks
  std::string detail;                // one line: who, what, where ("writer 1 seq 7 at reader 0: byte 31 differs")
  std::vector<PeerHistory> history;  // the phase's peers' last operations (finding_history.h)
  std::vector<PhaseEvent> events;    // the runner's last kills and pauses before the phase ended
  // When it showed, in seconds since its phase began: when the driver saw it (a stall, a crash) or
  // saw the phase's first problem reported by a peer; -1 when only the end-of-phase checks saw it.
  double t_s = -1;
};

}  // namespace shmh::stress
