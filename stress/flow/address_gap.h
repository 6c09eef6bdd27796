// AddressGap: makes each peer map its channel at an address of its own. Peers forked from one
// runner share its layout, so without this every peer's open() maps the channel at the same
// address and a channel that stores absolute pointers in shared memory works by luck. Before
// opening, a peer
//  1. plugs the holes between its mappings near the top of the address space (where mmap places
//     new mappings, highest fitting hole first) with PROT_NONE reservations — holes its runner left
//     by unmapping earlier channels, the same in every peer, would otherwise take the channel at the
//     same address in all of them;
//  2. reserves a PROT_NONE gap below them whose size depends on its role, index and incarnation —
//     distinct for any two peers running at once.
// The kernel then maps the channel right below the gap: at a different address in each peer, so a
// pointer followed in the wrong process lands in someone else's layout or in a gap (SIGSEGV).
// Reservations are address space only (no memory) and stay while the peer runs.
//
//   AddressGap gap = AddressGap::reserve(seed, id, incarnation);
//   MappingsBefore before;                  // the mappings now
//   ...open the channel...
//   record.mapped_at = before.lowest_new();  // where the open put it (describe_mappings reports it)
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "stress/peer_board.h"
#include "stress/peer_group.h"

namespace shmh::stress {

class AddressGap {
 public:
  // Reserves the peer's gap; an empty gap when the reservation fails (the run goes on, only this
  // peer's address is then not varied).
  static AddressGap reserve(std::uint64_t seed, PeerId id, std::uint32_t incarnation) noexcept;
  AddressGap() = default;
  AddressGap(AddressGap&& other) noexcept;
  AddressGap& operator=(AddressGap&& other) noexcept;
  AddressGap(const AddressGap&) = delete;
  AddressGap& operator=(const AddressGap&) = delete;
  ~AddressGap();

  // The gap's size (0: not reserved).
  [[nodiscard]] std::size_t bytes() const { return bytes_; }

 private:
  struct Region {
    void* base = nullptr;
    std::size_t bytes = 0;
  };
  void release() noexcept;

  std::vector<Region> regions_;  // the plugs, then the gap
  std::size_t bytes_ = 0;
};

// The start addresses of this process's mappings at construction, to find those an open added.
class MappingsBefore {
 public:
  MappingsBefore();
  // The lowest start address of a mapping that exists now and did not then (0: none, or
  // /proc/self/maps unreadable).
  [[nodiscard]] std::uint64_t lowest_new() const;

 private:
  std::vector<std::uint64_t> starts_;  // sorted
};

}  // namespace shmh::stress
