// The `ring` channel's layout in shared memory (layout version 2). Everything a process reads from
// here may have been written by a hostile or broken peer: the reader validates the header once at
// attach and then uses its own copy of the geometry; every position and length read afterwards is
// checked before use.
//
//   offset 0       RingHeader  (immutable part: magic, version, geometry, checksum)
//   +64, +128 ...  hot words on their own cache lines: head, tail, futex words, counters
//   +kParticipantsOffset  Participant[kMaxParticipants] (who intends to claim which position)
//   header_size    Slot[slot_count], each slot_size bytes: SlotHeader then the payload
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace shmh::ring {

inline constexpr std::uint64_t kMagic = 0x474e495248484d53ULL;  // "SHMHRING" read little-endian
inline constexpr std::uint32_t kLayoutVersion = 2;              // 2: wake-wanted flags instead of waiter counts
inline constexpr std::size_t kCacheLine = 64;
inline constexpr std::uint32_t kMaxParticipants = 128;
inline constexpr std::uint64_t kMaxSlots = std::uint64_t{1} << 24;
inline constexpr std::uint64_t kMaxMessage = std::uint64_t{1} << 30;
// Set in a slot's sequence word when a reader reclaimed the slot of a writer that died between
// claiming and publishing it: the consumer skips it and counts it abandoned.
inline constexpr std::uint64_t kAbandonedBit = std::uint64_t{1} << 63;

// How a publish (or release) is ordered against the peer's wake-wanted flag, chosen by the creator
// and covered by the header checksum (every peer must use the same one):
//   kFenced      the publish is a seq_cst store (a full fence on every message);
//   kMembarrier  the publish is a release store, and a waiter about to sleep runs membarrier(2)
//                GLOBAL_EXPEDITED instead (a barrier on every running peer's CPU, only when someone
//                sleeps). Each peer registers at attach; one that cannot is refused.
enum class FenceMode : std::uint32_t { kFenced = 0, kMembarrier = 1 };

// Geometry, written once by the creator and covered by the checksum.
struct Geometry {
  std::uint64_t slot_count = 0;   // a power of two, 1 .. kMaxSlots
  std::uint64_t slot_size = 0;    // bytes per slot, a multiple of kCacheLine, ≥ header + max_message
  std::uint64_t max_message = 0;  // 1 .. kMaxMessage
  std::uint64_t header_size = 0;  // offset of slot 0
  std::uint64_t total_size = 0;   // header_size + slot_count * slot_size
};

struct alignas(kCacheLine) Participant {
  std::atomic<std::uint32_t> pid;  // 0: free
  std::uint32_t reserved;
  // Position + 1 this participant is claiming (0: none). Written before the claiming CAS and
  // cleared after publishing/releasing, so a claim always has a visible owner.
  std::atomic<std::uint64_t> send_intent;
  std::atomic<std::uint64_t> recv_intent;
};

struct RingHeader {
  // Cache line 0: immutable after creation.
  std::atomic<std::uint64_t> magic;  // written last, with release, by the creator
  std::uint32_t layout_version;
  std::uint32_t fence_mode;  // FenceMode (0 in rings made before it existed: kFenced)
  Geometry geometry;
  std::uint64_t checksum;  // XXH3-64 of layout_version, fence_mode and geometry

  alignas(kCacheLine) std::atomic<std::uint64_t> head;      // next position to claim for sending
  alignas(kCacheLine) std::atomic<std::uint64_t> tail;      // next position to claim for receiving
  alignas(kCacheLine) std::atomic<std::uint32_t> data_seq;  // futex: bumped after a publish
  // 1: a reader is going to sleep on data_seq and no writer has woken it yet. A writer that
  // publishes takes it (exchange to 0) and wakes: one futex_wake per sleep, however many messages
  // it publishes before the sleeper runs again (a waiter count stayed non-zero until then, and
  // every publish of that window paid a useless futex_wake syscall).
  std::atomic<std::uint32_t> readers_wake_wanted;
  alignas(kCacheLine) std::atomic<std::uint32_t> space_seq;  // futex: bumped after a release
  std::atomic<std::uint32_t> writers_wake_wanted;            // the same, for writers waiting for room
  alignas(kCacheLine) std::atomic<std::uint64_t> abandoned_sends;
  std::atomic<std::uint64_t> abandoned_recvs;
  std::atomic<std::uint32_t> closed;  // set by destroy: waiters return SHMH_ECLOSED

  alignas(kCacheLine) Participant participants[kMaxParticipants];
};

struct SlotHeader {
  std::atomic<std::uint64_t> seq;  // Vyukov turn: pos (free), pos+1 (published), pos+slots (released)
  // Bytes of payload; validated against max_message by the reader. Atomic (relaxed) because a
  // reader may look at it before its claim succeeds, while a writer of the next lap rewrites it.
  std::atomic<std::uint32_t> length;
  std::uint32_t reserved;
};

inline constexpr std::size_t kSlotHeaderSize = sizeof(SlotHeader);
inline constexpr std::size_t kHeaderSize = (sizeof(RingHeader) + kCacheLine - 1) / kCacheLine * kCacheLine;

static_assert(std::atomic<std::uint64_t>::is_always_lock_free && std::atomic<std::uint32_t>::is_always_lock_free,
              "cross-process atomics must be lock-free (no hidden locks in process-local memory)");
static_assert(sizeof(SlotHeader) == 16);

}  // namespace shmh::ring
