#include "core/channel/ring/ring.h"

#include <sched.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <climits>
#include <cstring>
#include <new>

#include "core/channel/channel_error.h"
#include "core/sys/futex.h"
#include "core/sys/membarrier.h"
#include "core/sys/sys.h"

namespace shmh::ring {
namespace {

using Clock = std::chrono::steady_clock;

// How long a waiter spins on its slot before sleeping on the futex: long enough to cover a peer
// that is mid-operation on the other core (a 64 KiB copy and checksum take a few µs; a sleeping
// reader costs the writer a futex_wake and itself tens of µs to wake), short enough that a waiter
// never burns a core (design: spin-only rings collapse when peers outnumber cores). Measured in
// time, not in pause instructions, whose latency differs 10x between CPU generations.
constexpr std::chrono::microseconds kSpinTime{30};
constexpr unsigned kSpinCheckEvery = 32;  // pauses between clock reads while spinning
// A sleep is at most this long, so a waiter re-checks for dead claimers and for its deadline.
constexpr std::chrono::milliseconds kSlice{5};
// Timeouts are clamped to a day so that now + timeout cannot overflow the clock.
constexpr std::int64_t kMaxTimeoutNs = 86'400LL * 1'000'000'000LL;

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

std::uint64_t header_checksum(std::uint32_t version, std::uint32_t fence, const Geometry& g) noexcept {
  struct {
    std::uint32_t version;
    std::uint32_t fence;
    Geometry g;
  } covered{version, fence, g};
  return XXH3_64bits(&covered, sizeof covered);
}

Result<void> validate_geometry(const Geometry& g, std::size_t mapped) {
  auto bad = [](const char* what) -> Result<void> { return logic_error("ring header", what); };
  if (g.slot_count < 2 || g.slot_count > kMaxSlots || !std::has_single_bit(g.slot_count)) {
    return bad("slot count is not a power of two in 2..2^24");
  }
  if (g.max_message == 0 || g.max_message > kMaxMessage) return bad("max message size out of range");
  if (g.slot_size % kCacheLine != 0 || g.slot_size < kSlotHeaderSize + g.max_message ||
      g.slot_size > kSlotHeaderSize + g.max_message + kCacheLine) {
    return bad("slot size does not fit the max message size");
  }
  if (g.header_size != kHeaderSize) return bad("header size differs from this layout's");
  if (g.total_size != g.header_size + g.slot_count * g.slot_size) return bad("total size does not add up");
  if (g.total_size > mapped) return bad("ring is larger than the mapped segment");
  return {};
}

}  // namespace

Result<Geometry> plan(std::uint64_t capacity, std::uint64_t max_message) {
  if (capacity == 0 || capacity > kMaxSlots) return logic_error("ring", "capacity must be 1..16777216 messages");
  if (max_message == 0 || max_message > kMaxMessage) return logic_error("ring", "max message must be 1 B..1 GiB");
  Geometry g;
  // At least two slots: with one, a published turn (pos + 1) equals the next lap's free turn
  // (pos + slot_count) and a writer would overwrite the unread message (found by channel_ops).
  g.slot_count = std::max<std::uint64_t>(2, std::bit_ceil(capacity));
  g.max_message = max_message;
  g.slot_size = (kSlotHeaderSize + max_message + kCacheLine - 1) / kCacheLine * kCacheLine;
  g.header_size = kHeaderSize;
  g.total_size = g.header_size + g.slot_count * g.slot_size;
  return g;
}

Ring::Ring(std::byte* base, const Geometry& geometry, FenceMode fence, Participant* me)
    : header_(reinterpret_cast<RingHeader*>(base)),
      slots_(base + geometry.header_size),
      geometry_(geometry),
      mask_(geometry.slot_count - 1),
      membarrier_(fence == FenceMode::kMembarrier),
      me_(me),
      pid_(static_cast<std::uint32_t>(::getpid())) {}

Result<Ring> Ring::create(std::span<std::byte> memory, const Geometry& geometry, FenceMode fence) {
  if (auto ok = validate_geometry(geometry, memory.size()); !ok) return ok.error();
  if (fence == FenceMode::kMembarrier && !sys::register_global_membarrier()) fence = FenceMode::kFenced;
  // The segment is fresh (zero-filled by the kernel): construct the atomics in place, then the
  // slots' turns, and publish the magic last so an early attacher sees "not initialised".
  auto* h = new (memory.data()) RingHeader();
  h->layout_version = kLayoutVersion;
  h->fence_mode = static_cast<std::uint32_t>(fence);
  h->geometry = geometry;
  h->checksum = header_checksum(kLayoutVersion, h->fence_mode, geometry);
  for (std::uint64_t i = 0; i < geometry.slot_count; ++i) {
    auto* s = new (memory.data() + geometry.header_size + i * geometry.slot_size) SlotHeader();
    s->seq.store(i, std::memory_order_relaxed);
  }
  h->magic.store(kMagic, std::memory_order_release);
  return attach(memory);
}

Result<Ring> Ring::attach(std::span<std::byte> memory) {
  if (memory.size() < kHeaderSize) return logic_error("ring header", "segment is smaller than a ring header");
  auto* h = reinterpret_cast<RingHeader*>(memory.data());
  if (h->magic.load(std::memory_order_acquire) != kMagic) {
    return logic_error("ring header", "bad magic: not a ring, or its creator has not finished initialising it");
  }
  // Copy what we validate, so a peer rewriting the header later cannot change what we use.
  const std::uint32_t version = h->layout_version;
  const std::uint32_t fence = h->fence_mode;
  const Geometry g = h->geometry;
  const std::uint64_t checksum = h->checksum;
  if (version != kLayoutVersion) {
    return logic_error("ring header", "layout version " + std::to_string(version) + ", this build reads " +
                                          std::to_string(kLayoutVersion));
  }
  if (checksum != header_checksum(version, fence, g)) return logic_error("ring header", "header checksum mismatch");
  if (auto ok = validate_geometry(g, memory.size()); !ok) return ok.error();
  if (fence > static_cast<std::uint32_t>(FenceMode::kMembarrier)) {
    return logic_error("ring header", "unknown fence mode " + std::to_string(fence));
  }
  // Our publishes skip their fence from the first one on: we must be inside the waiters' barrier.
  if (fence == static_cast<std::uint32_t>(FenceMode::kMembarrier) && !sys::register_global_membarrier()) {
    return logic_error("ring",
                       "this ring orders wake-ups with membarrier(2), which this process cannot use "
                       "(kernel < 4.16, or a seccomp filter denies it): create the ring where every "
                       "peer can, or with FenceMode::kFenced");
  }

  // Take a participant entry: a free one, or one whose process is gone.
  const auto pid = static_cast<std::uint32_t>(::getpid());
  for (auto& p : h->participants) {
    std::uint32_t owner = p.pid.load(std::memory_order_acquire);
    if (owner != 0 && sys::process_alive(static_cast<pid_t>(owner))) continue;
    if (p.pid.compare_exchange_strong(owner, pid, std::memory_order_acq_rel)) {
      p.send_intent.store(0, std::memory_order_release);
      p.recv_intent.store(0, std::memory_order_release);
      return Ring(memory.data(), g, static_cast<FenceMode>(fence), &p);
    }
  }
  return logic_error("ring",
                     "all " + std::to_string(kMaxParticipants) + " participant entries belong to live processes");
}

Ring::Ring(Ring&& other) noexcept
    : header_(std::exchange(other.header_, nullptr)),
      slots_(other.slots_),
      geometry_(other.geometry_),
      mask_(other.mask_),
      membarrier_(other.membarrier_),
      me_(std::exchange(other.me_, nullptr)),
      pid_(other.pid_),
      hooks_(std::move(other.hooks_)) {}

Ring& Ring::operator=(Ring&& other) noexcept {
  if (this != &other) {
    release_participant();
    header_ = std::exchange(other.header_, nullptr);
    slots_ = other.slots_;
    geometry_ = other.geometry_;
    mask_ = other.mask_;
    membarrier_ = other.membarrier_;
    me_ = std::exchange(other.me_, nullptr);
    pid_ = other.pid_;
    hooks_ = std::move(other.hooks_);
  }
  return *this;
}

Ring::~Ring() { release_participant(); }

void Ring::release_participant() noexcept {
  if (me_ == nullptr) return;
  me_->send_intent.store(0, std::memory_order_release);
  me_->recv_intent.store(0, std::memory_order_release);
  std::uint32_t mine = pid_;
  me_->pid.compare_exchange_strong(mine, 0, std::memory_order_acq_rel);
  me_ = nullptr;
}

SlotHeader* Ring::slot(std::uint64_t pos) const noexcept {
  return reinterpret_cast<SlotHeader*>(slots_ + (pos & mask_) * geometry_.slot_size);
}

bool Ring::live_intent(std::uint64_t pos, bool send_side) const noexcept {
  for (const auto& p : header_->participants) {
    const auto& intent = send_side ? p.send_intent : p.recv_intent;
    if (intent.load(std::memory_order_acquire) != pos + 1) continue;
    const std::uint32_t owner = p.pid.load(std::memory_order_acquire);
    if (owner != 0 && sys::process_alive(static_cast<pid_t>(owner))) return true;
  }
  return false;
}

// A writer claimed `pos` (head moved past it) but never published: if no live process intends to
// send at pos, its claimer died. Publish the slot as abandoned so readers move on.
bool Ring::reclaim_unpublished(std::uint64_t pos) noexcept {
  if (live_intent(pos, /*send_side=*/true)) return false;
  std::uint64_t expected = pos;
  if (!slot(pos)->seq.compare_exchange_strong(expected, (pos + 1) | kAbandonedBit, std::memory_order_acq_rel)) {
    return false;  // published or reclaimed meanwhile
  }
#if !defined(SHMH_PLANTED_BUG_RING_UNCOUNTED_ABANDON)  // test-only (fuzz/planted-bug.sh): not counted
  header_->abandoned_sends.fetch_add(1, std::memory_order_relaxed);
#endif
  wake_readers();
  return true;
}

// A reader claimed `pos` (tail moved past it) but never released the slot: if no live process
// intends to receive at pos, its claimer died with the message. Release the slot for writers.
bool Ring::reclaim_unreleased(std::uint64_t pos) noexcept {
  if (live_intent(pos, /*send_side=*/false)) return false;
  SlotHeader* s = slot(pos);
  std::uint64_t expected = s->seq.load(std::memory_order_acquire);
  if ((expected & ~kAbandonedBit) != pos + 1) return false;
  if (!s->seq.compare_exchange_strong(expected, pos + geometry_.slot_count, std::memory_order_acq_rel)) return false;
  header_->abandoned_recvs.fetch_add(1, std::memory_order_relaxed);
  wake_writers();
  return true;
}

// Dekker with a waiter: it sets readers_wake_wanted, then re-reads the slot; we publish the slot,
// then read the flag. Between the two there must be a full barrier on one side or the other:
// kFenced puts it on ours (the publish is a seq_cst store, a locked instruction on x86, paid by
// every message); kMembarrier puts it on the waiter's, which runs membarrier(2) after setting the
// flag and before re-reading the slot — then either our flag load comes after the barrier it forced
// on our CPU (and sees the flag), or our publish came before it (and the waiter sees the slot). The
// publish then needs only release order and a compiler barrier: no store-buffer drain per message,
// measured in README "Benchmarks". One of the two sees the other, so a sleeper is never missed.
// The flag is taken by the first publish after it was set: later ones find it clear and make no
// syscall while the woken reader is still on its way back (the waiter re-sets it each time it goes
// to sleep). A waiter that read data_seq after our increment sees our publish (the increment is a
// release after it), so it does not sleep; one that read it before is woken, or fails its futex_wait.
void Ring::publish(SlotHeader* s, std::uint64_t turn) noexcept {
  if (membarrier_) {
    s->seq.store(turn, std::memory_order_release);
    std::atomic_signal_fence(std::memory_order_seq_cst);  // the flag load stays after the store
  } else {
    s->seq.store(turn, std::memory_order_seq_cst);
  }
}

// The waiter's side of the barrier, after it set a wake-wanted flag and before it re-reads its
// slot. False when it may not sleep: membarrier(2) failed, so a publisher may not see the flag.
bool Ring::order_before_sleep() noexcept { return !membarrier_ || sys::global_membarrier(); }

void Ring::wake_readers() noexcept {
  if (header_->readers_wake_wanted.load(membarrier_ ? std::memory_order_relaxed : std::memory_order_seq_cst) != 0 &&
      header_->readers_wake_wanted.exchange(0, std::memory_order_seq_cst) != 0) {
    header_->data_seq.fetch_add(1, std::memory_order_release);
    sys::futex_wake(header_->data_seq, INT_MAX);
  }
}

void Ring::wake_writers() noexcept {
  if (header_->writers_wake_wanted.load(membarrier_ ? std::memory_order_relaxed : std::memory_order_seq_cst) != 0 &&
      header_->writers_wake_wanted.exchange(0, std::memory_order_seq_cst) != 0) {
    header_->space_seq.fetch_add(1, std::memory_order_release);
    sys::futex_wake(header_->space_seq, INT_MAX);
  }
}

// The clock is read only once an operation has to wait: a send or recv that succeeds at once
// costs no clock read.
class Ring::Waiter {
 public:
  explicit Waiter(std::int64_t timeout_ns) noexcept : timeout_ns_(timeout_ns) {}
  [[nodiscard]] bool may_wait() const noexcept { return timeout_ns_ > 0; }
  // True while the caller should keep spinning on its slot before doing anything costlier.
  bool spin() noexcept {
    if (spin_over_) return false;
    if (++tries_ % kSpinCheckEvery == 0) {
      const auto now = Clock::now();
      if (tries_ == kSpinCheckEvery) {
        spin_start_ = now;
      } else if (now - spin_start_ > kSpinTime) {
        spin_over_ = true;
        return false;
      }
    }
    cpu_relax();
    return true;
  }
  // The time left to sleep, or zero when the deadline has passed.
  Clock::duration sleep_slice() noexcept {
    const auto now = Clock::now();
    if (!started_) {
      deadline_ = now + std::chrono::nanoseconds(std::min(timeout_ns_, kMaxTimeoutNs));
      started_ = true;
    }
    if (now >= deadline_) return Clock::duration::zero();
    return std::min<Clock::duration>(kSlice, deadline_ - now);
  }

 private:
  std::int64_t timeout_ns_;
  unsigned tries_ = 0;
  bool spin_over_ = false;  // spin once per operation; after the first sleep, sleep directly
  Clock::time_point spin_start_;
  bool started_ = false;
  Clock::time_point deadline_;
};

int Ring::send(const void* data, std::size_t length, std::int64_t timeout_ns, shmh_error* err) noexcept {
  if (length > geometry_.max_message) {
    return channel_fail(err, SHMH_ETOOBIG, 0, "message of %zu bytes > max %llu", length,
                        static_cast<unsigned long long>(geometry_.max_message));
  }
  Waiter waiter(timeout_ns);
  for (;;) {
    std::uint64_t pos = header_->head.load(std::memory_order_relaxed);
    SlotHeader* s = slot(pos);
    const std::uint64_t seq = s->seq.load(std::memory_order_acquire);
    if (seq == pos) {
      me_->send_intent.store(pos + 1, std::memory_order_relaxed);
      // acq_rel: the intent store above is visible to anyone who sees head moved past pos.
      if (header_->head.compare_exchange_weak(pos, pos + 1, std::memory_order_acq_rel, std::memory_order_relaxed)) {
        if (hooks_.after_send_claim) hooks_.after_send_claim();
        s->length.store(static_cast<std::uint32_t>(length), std::memory_order_relaxed);
        if (length != 0) std::memcpy(reinterpret_cast<std::byte*>(s) + kSlotHeaderSize, data, length);
        publish(s, pos + 1);
        me_->send_intent.store(0, std::memory_order_relaxed);
        wake_readers();
        return SHMH_OK;
      }
      continue;
    }
    const auto diff = static_cast<std::int64_t>((seq & ~kAbandonedBit) - pos);
    if (diff > 0) {
      // Someone else claimed pos: head must have moved. If it has not, the turn is impossible.
      if (header_->head.load(std::memory_order_acquire) == pos) {
        return channel_fail(err, SHMH_ECORRUPT, 0, "slot turn %llu is ahead of head %llu",
                            static_cast<unsigned long long>(seq), static_cast<unsigned long long>(pos));
      }
      continue;
    }
    // The slot still holds the message from one lap ago: the ring is full, or a reader holds it.
    // Spin on the slot alone first (reading head or tail here would steal the peers' hot lines).
    if (waiter.may_wait() && waiter.spin()) continue;
    if (header_->closed.load(std::memory_order_acquire) != 0) return channel_fail(err, SHMH_ECLOSED, 0, "ring closed");
    if (!waiter.may_wait()) return channel_fail(err, SHMH_ETIMEOUT, 0, "ring full");
    const auto slice = waiter.sleep_slice();
    if (slice == Clock::duration::zero()) return channel_fail(err, SHMH_ETIMEOUT, 0, "ring full for the whole timeout");
    header_->writers_wake_wanted.store(1, std::memory_order_seq_cst);
    const bool may_sleep = order_before_sleep();
    const std::uint32_t seen = header_->space_seq.load(std::memory_order_acquire);
    if (s->seq.load(std::memory_order_seq_cst) == seq) {
      if (may_sleep) {
        sys::futex_wait(header_->space_seq, seen, slice);
      } else {
        ::sched_yield();
      }
    }
    // Still the same turn after a sleep, and a reader took the slot: maybe that reader died.
    const std::uint64_t prev = pos - geometry_.slot_count;
    if (s->seq.load(std::memory_order_acquire) == seq && header_->tail.load(std::memory_order_acquire) > prev) {
      reclaim_unreleased(prev);
    }
  }
}

std::int64_t Ring::recv(void* buffer, std::size_t capacity, std::int64_t timeout_ns, shmh_error* err) noexcept {
  Waiter waiter(timeout_ns);
  for (;;) {
    std::uint64_t pos = header_->tail.load(std::memory_order_relaxed);
    SlotHeader* s = slot(pos);
    const std::uint64_t seq = s->seq.load(std::memory_order_acquire);
    const auto diff = static_cast<std::int64_t>((seq & ~kAbandonedBit) - (pos + 1));
    if (diff == 0) {
      const bool abandoned = (seq & kAbandonedBit) != 0;
      // Read the length before claiming: until pos is claimed and released, no writer can reuse
      // the slot, so if the claim below succeeds this length is the message's.
      const std::uint32_t length = s->length.load(std::memory_order_relaxed);
#if defined(SHMH_PLANTED_BUG_RING_TOOBIG_EDGE)  // test-only (fuzz/planted-bug.sh): an exact fit refused
      if (!abandoned && length <= geometry_.max_message && length >= capacity && length != 0) {
#else
      if (!abandoned && length <= geometry_.max_message && length > capacity) {
#endif
        return channel_fail(err, SHMH_ETOOBIG, 0, "message of %u bytes > receive buffer of %zu", length, capacity);
      }
      me_->recv_intent.store(pos + 1, std::memory_order_relaxed);
      if (!header_->tail.compare_exchange_weak(pos, pos + 1, std::memory_order_acq_rel, std::memory_order_relaxed)) {
        continue;
      }
      if (hooks_.after_recv_claim) hooks_.after_recv_claim();
      const bool corrupt = !abandoned && length > geometry_.max_message;
      if (!abandoned && !corrupt && length != 0) {
        std::memcpy(buffer, reinterpret_cast<const std::byte*>(s) + kSlotHeaderSize, length);
      }
      publish(s, pos + geometry_.slot_count);  // the slot is free for the next lap's writer
      me_->recv_intent.store(0, std::memory_order_relaxed);
      wake_writers();
      if (corrupt) {
        return channel_fail(err, SHMH_ECORRUPT, 0, "slot %llu: length %u > max message %llu (slot released)",
                            static_cast<unsigned long long>(pos), length,
                            static_cast<unsigned long long>(geometry_.max_message));
      }
      if (abandoned) continue;  // a dead writer's slot: skip it, counted when reclaimed
      return static_cast<std::int64_t>(length);
    }
    if (diff > 0) {
      if (header_->tail.load(std::memory_order_acquire) == pos) {
        return channel_fail(err, SHMH_ECORRUPT, 0, "slot turn %llu is ahead of tail %llu",
                            static_cast<unsigned long long>(seq), static_cast<unsigned long long>(pos));
      }
      continue;
    }
    // Nothing published at pos yet: empty, or a writer claimed it and has not published. Spin on
    // the slot alone first (reading head here would steal the writer's hot line).
    if (waiter.may_wait() && waiter.spin()) continue;
    const std::uint64_t head = header_->head.load(std::memory_order_acquire);
    if (head == pos && header_->closed.load(std::memory_order_acquire) != 0) {
      return channel_fail(err, SHMH_ECLOSED, 0, "ring closed and empty");
    }
    if (head < pos || head - pos > geometry_.slot_count) {
      // Our tail may be stale (other readers moved on while we looked): only a tail that did not
      // move across the head load proves tail <= head <= tail + slots was broken.
      if (header_->tail.load(std::memory_order_acquire) != pos) continue;
      return channel_fail(err, SHMH_ECORRUPT, 0, "head %llu and tail %llu are inconsistent",
                          static_cast<unsigned long long>(head), static_cast<unsigned long long>(pos));
    }
    if (!waiter.may_wait()) return channel_fail(err, SHMH_ETIMEOUT, 0, "ring empty");
    const auto slice = waiter.sleep_slice();
    if (slice == Clock::duration::zero())
      return channel_fail(err, SHMH_ETIMEOUT, 0, "ring empty for the whole timeout");
    header_->readers_wake_wanted.store(1, std::memory_order_seq_cst);
    const bool may_sleep = order_before_sleep();
    const std::uint32_t seen = header_->data_seq.load(std::memory_order_acquire);
    if (s->seq.load(std::memory_order_seq_cst) == seq) {
      if (may_sleep) {
        sys::futex_wait(header_->data_seq, seen, slice);
      } else {
        ::sched_yield();
      }
    }
    if (s->seq.load(std::memory_order_acquire) == seq && header_->head.load(std::memory_order_acquire) > pos) {
      reclaim_unpublished(pos);
    }
  }
}

void Ring::close_ring() noexcept {
  header_->closed.store(1, std::memory_order_release);
  header_->data_seq.fetch_add(1, std::memory_order_release);
  header_->space_seq.fetch_add(1, std::memory_order_release);
  sys::futex_wake(header_->data_seq, INT_MAX);
  sys::futex_wake(header_->space_seq, INT_MAX);
}

Stats Ring::stats() const noexcept {
  return {header_->abandoned_sends.load(std::memory_order_relaxed),
          header_->abandoned_recvs.load(std::memory_order_relaxed)};
}

}  // namespace shmh::ring
