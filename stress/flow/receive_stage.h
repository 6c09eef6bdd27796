// ReceiveStages: where a reader receives its messages when it checks each one after receiving the
// next — two slots per reader in shared memory, so a message received but not yet checked survives
// the reader's SIGKILL and the runner checks it itself (kill_accounting.h).
//
// Why: checked right after its recv, a message's check and the next recv form one chain, and the
// reader's CPU waits on the next message's cache lines with nothing to do; checked one recv later,
// the check runs while those lines travel. Measured 1 -> 1, 64 B on the spsc example where the VM
// runs both peers close: 23.5 - 24.2 M msg/s checked at once, 33.8 - 36.2 M one recv later (README
// "Benchmarks").
//
//   auto stages = ReceiveStages::create(readers, msg_max);   // before any peer starts
//   std::span<std::byte> into = stages->slot(r, i);          // i < kSlots
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "core/result.h"
#include "core/segment/mapping.h"

namespace shmh::stress {

class ReceiveStages {
 public:
  static constexpr std::uint32_t kSlots = 2;
  // Messages above this size are checked at once (two slots each per reader would be memory for
  // little gain: a large message's copy dwarfs its check's chain).
  static constexpr std::size_t kMaxMessage = std::size_t{64} * 1024;

  // Errors: EINVAL for 0 readers or msg_max above kMaxMessage; mmap's.
  static Result<ReceiveStages> create(std::uint32_t readers, std::size_t msg_max);

  [[nodiscard]] bool empty() const noexcept { return !memory_.mapped(); }
  // Slot `i` (< kSlots) of reader `r` (< readers): msg_max bytes.
  [[nodiscard]] std::span<std::byte> slot(std::uint32_t r, std::uint32_t i) const noexcept;

 private:
  Mapping memory_;          // shared, anonymous: inherited by forked peers
  std::size_t stride_ = 0;  // bytes per slot: msg_max rounded up to a cache line
  std::size_t msg_max_ = 0;
};

}  // namespace shmh::stress
