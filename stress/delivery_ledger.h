// DeliveryLedger: which messages arrived, shared by every reader of a phase (processes or
// threads) and surviving the kill of any of them — one bit per (lane, writer, sequence) in a
// MAP_SHARED | MAP_NORESERVE anonymous mapping, so memory is only spent on sequences that were
// sent (1 bit each). A lane is what one message must reach once: the queue has one lane (any
// reader), broadcast one per reader.
//
// audit() turns the bits, what the writers sent and what the kills left in flight into the run's
// counts: a missing message is "abandoned" when a kill explains it (its writer was killed while
// sending it, or a reader was killed between recv and recording — at most one message each), and
// "lost" otherwise.
//
//   auto ledger = DeliveryLedger::create(/*lanes=*/1, writers);
//   if (ledger->mark(0, w, seq) == Mark::kDuplicate) ...
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "stress/stress_result.h"

namespace shmh::stress {

enum class Mark { kFirst, kDuplicate, kOutOfRange };

// What the writers and kills of a phase left for the audit.
struct SendRecord {
  std::vector<std::uint64_t> next_seq;                // per writer: sequences below were attempted
  std::vector<std::vector<std::uint64_t>> in_doubt;   // per writer: in flight when it was killed
  std::vector<std::uint64_t> reader_kills_receiving;  // per lane: reader kills between recv and record
};

struct Audit {
  Counts counts;  // sent, received, lost, abandoned (duplicated/corrupt/reordered come from readers)
  std::vector<std::string> lost_examples;  // "writer 1 seq 17 (lane 0)", the first few
  std::uint64_t phantom = 0;               // bits set for sequences never sent: a forged identity
};

class DeliveryLedger {
 public:
  // Errors: EINVAL for 0 lanes or writers; mmap's.
  static Result<DeliveryLedger> create(std::uint32_t lanes, std::uint32_t writers);

  DeliveryLedger() = default;
  DeliveryLedger(DeliveryLedger&& other) noexcept;
  DeliveryLedger& operator=(DeliveryLedger&& other) noexcept;
  DeliveryLedger(const DeliveryLedger&) = delete;
  DeliveryLedger& operator=(const DeliveryLedger&) = delete;
  ~DeliveryLedger();

  // Sequences each writer may send in one phase (writers stop there).
  [[nodiscard]] std::uint64_t capacity() const { return bits_per_writer_; }

  // Records an arrival; kOutOfRange when lane, writer or sequence is outside the ledger (the
  // identity came from a message: never trusted). Lock-free, any process or thread; `exclusive`
  // when only one reader at a time records into this lane (no atomic read-modify-write then).
  // Inline: a reader calls it for every message.
  Mark mark(std::uint32_t lane, std::uint32_t writer, std::uint64_t sequence, bool exclusive = false) const noexcept {
    if (lane >= lanes_ || writer >= writers_ || sequence >= bits_per_writer_) return Mark::kOutOfRange;
    std::atomic_ref<std::uint64_t> word(words(lane, writer)[sequence / 64]);
    const std::uint64_t bit = std::uint64_t{1} << (sequence % 64);
    std::uint64_t before = 0;
    if (exclusive) {
      before = word.load(std::memory_order_relaxed);
      word.store(before | bit, std::memory_order_relaxed);
    } else {
      before = word.fetch_or(bit, std::memory_order_relaxed);
    }
    return (before & bit) != 0 ? Mark::kDuplicate : Mark::kFirst;
  }
  [[nodiscard]] bool has(std::uint32_t lane, std::uint32_t writer, std::uint64_t sequence) const noexcept;

  // After every peer has ended. `sent` per writer counts as sent on every lane.
  [[nodiscard]] Audit audit(const SendRecord& sent) const;

 private:
  [[nodiscard]] std::uint64_t* words(std::uint32_t lane, std::uint32_t writer) const noexcept {
    const std::uint64_t stream = std::uint64_t{lane} * writers_ + writer;
    return static_cast<std::uint64_t*>(memory_) + stream * (bits_per_writer_ / 64);
  }

  void* memory_ = nullptr;
  std::size_t size_ = 0;
  std::uint32_t lanes_ = 0;
  std::uint32_t writers_ = 0;
  std::uint64_t bits_per_writer_ = 0;
};

}  // namespace shmh::stress
