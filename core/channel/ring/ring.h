// Ring: the reference channel — a bounded multi-producer multi-consumer queue of whole messages in
// one shared-memory region (layout: ring_layout.h). Vyukov-style per-slot 64-bit turns, hot words
// on their own cache lines, futex wait/wake with bounded slices (no unbounded spinning), and
// recovery from peers that die mid-operation: every claim is preceded by a visible intent of the
// claimer's pid, so a waiter that finds a claimed slot whose claimer is dead reclaims it and counts
// it abandoned. The reader validates the header once at attach and bounds-checks every value it
// reads afterwards; corruption is reported (SHMH_ECORRUPT), never trusted.
//
//   auto ring = shmh::ring::Ring::create(memory, *shmh::ring::plan(64, 256));   // the creator
//   auto peer = shmh::ring::Ring::attach(memory);                             // any other handle
//   peer->send(data, 64, 1'000'000, &err);                                    // 1 ms timeout
//
// Precondition: `memory` stays mapped for the Ring's life; one thread uses a Ring at a time, in the
// process that attached it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>

#include "core/channel/ring/ring_layout.h"
#include "core/channel/shmh_channel.h"
#include "core/result.h"

namespace shmh::ring {

// The geometry for `capacity` messages (rounded up to a power of two, at least 2) of up to `max_message`
// bytes. Fails on 0 or on sizes past kMaxSlots / kMaxMessage.
[[nodiscard]] Result<Geometry> plan(std::uint64_t capacity, std::uint64_t max_message);

// Points where a test can stop or kill the process in the middle of an operation. Test-only: the
// harness never sets them.
struct Hooks {
  std::function<void()> after_send_claim;  // slot claimed, payload not yet written or published
  std::function<void()> after_recv_claim;  // slot claimed for reading, not yet copied or released
};

struct Stats {
  std::uint64_t abandoned_sends = 0;
  std::uint64_t abandoned_recvs = 0;
};

class Ring {
 public:
  // Lays out a new ring in zeroed `memory` (≥ geometry.total_size) and attaches to it. `fence`
  // kMembarrier is used when this process can register for membarrier(2), else kFenced.
  static Result<Ring> create(std::span<std::byte> memory, const Geometry& geometry,
                             FenceMode fence = FenceMode::kMembarrier);
  // Attaches to a ring another process created. Validates magic, version, checksum and geometry
  // against `memory`'s size; errors have no errno and say what is wrong. Takes a participant entry
  // (EAGAIN-like failure when all kMaxParticipants belong to live processes). A kMembarrier ring
  // registers this process for membarrier(2), and is refused when it cannot.
  static Result<Ring> attach(std::span<std::byte> memory);

  Ring(Ring&& other) noexcept;
  Ring& operator=(Ring&& other) noexcept;
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;
  ~Ring();  // frees the participant entry

  // Sends one message. SHMH_OK, SHMH_ETOOBIG (> max_message), SHMH_ETIMEOUT (full for the whole
  // timeout), SHMH_ECLOSED, SHMH_ECORRUPT (positions that cannot happen in a consistent ring).
  int send(const void* data, std::size_t length, std::int64_t timeout_ns, shmh_error* err) noexcept;
  // Receives one message: its length, or SHMH_ETIMEOUT (empty), SHMH_ETOOBIG (longer than
  // `capacity`; it stays queued), SHMH_ECLOSED (destroyed and empty), SHMH_ECORRUPT (a bad length or
  // position: the slot is released and the next call goes on).
  std::int64_t recv(void* buffer, std::size_t capacity, std::int64_t timeout_ns, shmh_error* err) noexcept;
  // Marks the ring closed and wakes every waiter (before the segment is removed).
  void close_ring() noexcept;
  // Gives back the participant entry now; the Ring must not be used afterwards. Call it before the
  // memory is unmapped (the destructor would otherwise touch unmapped memory).
  void detach() noexcept { release_participant(); }

  [[nodiscard]] Stats stats() const noexcept;
  [[nodiscard]] const Geometry& geometry() const { return geometry_; }
  [[nodiscard]] FenceMode fence_mode() const { return membarrier_ ? FenceMode::kMembarrier : FenceMode::kFenced; }
  void set_hooks(Hooks hooks) { hooks_ = std::move(hooks); }

 private:
  class Waiter;
  Ring(std::byte* base, const Geometry& geometry, FenceMode fence, Participant* me);
  [[nodiscard]] SlotHeader* slot(std::uint64_t pos) const noexcept;
  [[nodiscard]] bool live_intent(std::uint64_t pos, bool send_side) const noexcept;
  bool reclaim_unpublished(std::uint64_t pos) noexcept;
  bool reclaim_unreleased(std::uint64_t pos) noexcept;
  void wake_readers() noexcept;
  void wake_writers() noexcept;
  void publish(SlotHeader* s, std::uint64_t turn) noexcept;
  [[nodiscard]] bool order_before_sleep() noexcept;
  void release_participant() noexcept;

  RingHeader* header_ = nullptr;
  std::byte* slots_ = nullptr;
  Geometry geometry_;  // our validated copy: never re-read from shared memory
  std::uint64_t mask_ = 0;
  bool membarrier_ = false;  // FenceMode::kMembarrier
  Participant* me_ = nullptr;
  std::uint32_t pid_ = 0;
  Hooks hooks_;
};

}  // namespace shmh::ring
