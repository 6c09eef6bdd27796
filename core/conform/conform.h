// Conformance of this machine's shared-memory calls to Linux's: the pinned table
// (core/conform/pinned_cases.h) and seeded random sequences of System V, POSIX and memfd calls,
// each call made on the kernel and on the models (core/model), in sandboxes (private IPC and
// /dev/shm namespaces with small limits), so nothing outside is touched and nothing is left.
// What `shmharness conform` runs on a box, a container runtime, gVisor, WSL2 or an old kernel.
//
//   auto report = shmh::conform::run_conform({.sequences = 200, .seed = 1});
//   if (report && !report->pass()) ...report->deviations[0].steps   // the shortest sequence
//
// The models are the reference: they are verified against Linux in this project's CI by the same
// pinned table and random sequences, so a disagreement here means the machine deviates (or, in a
// test-only build with a planted deviation, the model does).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace shmh::conform {

struct ConformOptions {
  std::uint64_t sequences = 1000;  // random sequences per API (System V; POSIX with memfd)
  std::uint64_t seed = 1;          // sequence i of an API uses seed + i
  std::optional<uid_t> other_uid;  // "another user" (root only); default 65534
};

// One call (or one state) where the kernel and Linux's answer differ.
struct Deviation {
  std::string api;                 // "sysv" or "posix"
  std::string area;                // a pinned case's area; "sysv/sequence", "posix/sequence"
  std::string name;                // a pinned case's name, or "seed N"
  std::string source;              // where Linux's answer is documented (pinned cases)
  std::vector<std::string> steps;  // the calls, the last one deviating (shrunk for sequences)
  std::string linux_answer;        // "EINVAL", "ok", or "" when the difference is in the state after
  std::string kernel_answer;
  std::string detail;  // the driver's line: "shmget as root ...: kernel ok, model EINVAL"
};

struct AreaCount {
  std::uint64_t cases = 0;
  std::uint64_t deviations = 0;
  std::uint64_t skipped = 0;  // need another user, and none can be had (not root)
  std::uint64_t refused = 0;  // a setup step the sandbox refused (a sysctl its user namespace does not own)
};

struct ConformReport {
  std::string kernel;   // /proc/sys/kernel/osrelease
  std::string sandbox;  // "privileged" or "user-namespace"
  bool other_user = false;
  uid_t other_uid = 0;
  gid_t other_gid = 0;
  std::map<std::string, AreaCount> areas;  // the pinned table, by area
  std::uint64_t pinned = 0;                // cases run (not skipped)
  std::uint64_t seed = 0;
  std::uint64_t sysv_sequences = 0;  // random sequences run to the end or to a deviation
  std::uint64_t posix_sequences = 0;
  std::uint64_t steps = 0;  // calls made in random sequences (shrinking not counted)
  std::vector<Deviation> deviations;

  [[nodiscard]] bool pass() const { return deviations.empty(); }
};

// Runs the pinned table, then the random sequences (stopping an API's sequences at its first
// deviation, which is shrunk). Errors: no sandbox can be made (the reason), --as-user without root
// or naming root or a user in group 0.
[[nodiscard]] Result<ConformReport> run_conform(const ConformOptions& options);

}  // namespace shmh::conform
