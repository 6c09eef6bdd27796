// Reception: what a reader does with each message its recv returned — check it (receive_check.h),
// record it in its flight recorder, count it — between two channel calls. One piece so the reader
// (flow_peers.cc) and stress_bench's ReceptionCost, which measures this path on its own, run the
// same code. Every store here sits between two receives and costs the stream (README
// "Benchmarks"): counts are kept back and published every kCountEvery messages.
#pragma once

#include <cstdint>
#include <span>

#include "stress/flow/flow.h"
#include "stress/flow/receive_check.h"

namespace shmh::stress {

class Reception {
 public:
  Reception(const Flow& flow, std::uint32_t reader);

  // A message recv returned (into stage slot `at.slot`, at `at.time_ns` if the caller read the
  // clock for it). Leaves the reader's cursor at kPending about that slot (intact) or kIdle.
  void take(std::span<const std::byte> message, ReceivedAt at = {});
  // Publishes the counts kept back (call at the reader's end).
  void publish_counts() noexcept;

 private:
  // A message the fast path in take() does not pass: checked from scratch, its problem counted.
  [[gnu::noinline, gnu::cold]] void take_problem(std::span<const std::byte> message, ReceivedAt at);

  const Flow& flow_;
  std::uint32_t reader_;
  std::uint32_t lane_;
  PeerRecord& rec_;
  ReceiveCursor& cursor_;
  std::uint32_t incarnation_;
  std::uint64_t uncounted_ = 0;  // intact messages not yet added to `ok`
  std::uint64_t uncounted_bytes_ = 0;
};

}  // namespace shmh::stress
