#include "stress/delivery_ledger.h"

#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <string>
#include <utility>

#include "core/sys/sys.h"

namespace shmh::stress {
namespace {

constexpr std::uint64_t kMaxBitsPerWriter = std::uint64_t{1} << 30;  // 128 MiB of address space
constexpr std::uint64_t kMaxTotalBits = std::uint64_t{1} << 36;      // 8 GiB of address space
constexpr std::size_t kExamples = 5;

std::uint64_t load_word(const std::uint64_t* w) noexcept {
  return std::atomic_ref<const std::uint64_t>(*w).load(std::memory_order_relaxed);
}

// Set bits in [from, to).
std::uint64_t count_bits(const std::uint64_t* bits, std::uint64_t from, std::uint64_t to) noexcept {
  std::uint64_t n = 0;
  for (std::uint64_t i = from; i < to;) {
    if (i % 64 == 0 && i + 64 <= to) {
      n += static_cast<std::uint64_t>(std::popcount(load_word(&bits[i / 64])));
      i += 64;
    } else {
      n += (load_word(&bits[i / 64]) >> (i % 64)) & 1U;
      ++i;
    }
  }
  return n;
}

}  // namespace

Result<DeliveryLedger> DeliveryLedger::create(std::uint32_t lanes, std::uint32_t writers) {
  if (lanes == 0 || writers == 0) return sys_error(EINVAL, "delivery ledger", "needs at least one lane and writer");
  const std::uint64_t streams = std::uint64_t{lanes} * writers;
  std::uint64_t bits = std::min(kMaxBitsPerWriter, kMaxTotalBits / streams);
  bits &= ~std::uint64_t{4095};  // whole words, whole cache lines
  const std::size_t size = static_cast<std::size_t>(streams * (bits / 8));
  // NORESERVE: pages exist only once a bit in them is set.
  auto mem = sys::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (!mem) return mem.error();
  DeliveryLedger l;
  l.memory_ = *mem;
  l.size_ = size;
  l.lanes_ = lanes;
  l.writers_ = writers;
  l.bits_per_writer_ = bits;
  return l;
}

DeliveryLedger::DeliveryLedger(DeliveryLedger&& other) noexcept { *this = std::move(other); }

DeliveryLedger& DeliveryLedger::operator=(DeliveryLedger&& other) noexcept {
  if (this != &other) {
    if (memory_ != nullptr) (void)sys::munmap(memory_, size_);
    memory_ = std::exchange(other.memory_, nullptr);
    size_ = std::exchange(other.size_, 0);
    lanes_ = std::exchange(other.lanes_, 0);
    writers_ = std::exchange(other.writers_, 0);
    bits_per_writer_ = std::exchange(other.bits_per_writer_, 0);
  }
  return *this;
}

DeliveryLedger::~DeliveryLedger() {
  if (memory_ != nullptr) (void)sys::munmap(memory_, size_);
}

bool DeliveryLedger::has(std::uint32_t lane, std::uint32_t writer, std::uint64_t sequence) const noexcept {
  if (lane >= lanes_ || writer >= writers_ || sequence >= bits_per_writer_) return false;
  return (load_word(&words(lane, writer)[sequence / 64]) >> (sequence % 64) & 1U) != 0;
}

Audit DeliveryLedger::audit(const SendRecord& sent) const {
  Audit out;
  for (std::uint32_t lane = 0; lane < lanes_; ++lane) {
    std::uint64_t missing_unexplained = 0;
    std::vector<std::string> lane_examples;
    for (std::uint32_t w = 0; w < writers_; ++w) {
      const std::uint64_t next = std::min(w < sent.next_seq.size() ? sent.next_seq[w] : 0, bits_per_writer_);
      std::vector<std::uint64_t> doubt = w < sent.in_doubt.size() ? sent.in_doubt[w] : std::vector<std::uint64_t>{};
      std::sort(doubt.begin(), doubt.end());
      const std::uint64_t* bits = words(lane, w);
      const std::uint64_t received = count_bits(bits, 0, next);
      // Sequences at or past `next` were never sent; one arriving means a message passed as
      // intact under a forged identity. Only the stretch just past `next` is scanned (a forged
      // sequence lands anywhere, but scanning 128 MiB per writer would cost more than the run).
      out.phantom += count_bits(bits, next, std::min(bits_per_writer_, (next / 64 + 64) * 64));
      std::uint64_t doubt_missing = 0;
      for (const std::uint64_t s : doubt) doubt_missing += (s < next && !has(lane, w, s)) ? 1U : 0U;
      // Sent: every attempted sequence, less those in flight at a kill that never arrived.
      out.counts.sent += next - doubt_missing;
      out.counts.received += received;
      out.counts.abandoned += doubt_missing;
      const std::uint64_t missing = next - received - doubt_missing;
      missing_unexplained += missing;
      for (std::uint64_t s = 0; s < next && missing > 0 && lane_examples.size() < kExamples; ++s) {
        if (!has(lane, w, s) && !std::binary_search(doubt.begin(), doubt.end(), s)) {
          lane_examples.push_back("writer " + std::to_string(w) + " seq " + std::to_string(s) +
                                  (lanes_ > 1 ? " (reader " + std::to_string(lane) + ")" : std::string{}));
        }
      }
    }
    const std::uint64_t allowance = lane < sent.reader_kills_receiving.size() ? sent.reader_kills_receiving[lane] : 0;
    const std::uint64_t explained = std::min(allowance, missing_unexplained);
    out.counts.abandoned += explained;
    out.counts.lost += missing_unexplained - explained;
    if (missing_unexplained > explained) {
      for (auto& e : lane_examples) {
        if (out.lost_examples.size() < kExamples) out.lost_examples.push_back(std::move(e));
      }
    }
  }
  return out;
}

}  // namespace shmh::stress
