#include "stress/peer_board.h"

#include <sys/mman.h>
#include <time.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include "core/check.h"
#include "core/sys/sys.h"

namespace shmh::stress {

const char* to_string(Role role) { return role == Role::kWriter ? "writer" : "reader"; }

const char* to_string(PeerOp op) {
  switch (op) {
    case PeerOp::kStarting:
      return "starting";
    case PeerOp::kOpen:
      return "open";
    case PeerOp::kSend:
      return "send";
    case PeerOp::kRecv:
      return "recv";
    case PeerOp::kVerify:
      return "verify";
    case PeerOp::kWrite:
      return "write";
    case PeerOp::kRead:
      return "read";
    case PeerOp::kSyscall:
      return "syscall";
    case PeerOp::kIdle:
      return "idle";
    case PeerOp::kDone:
      return "done";
  }
  return "?";
}

std::uint64_t monotonic_ns() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<std::uint64_t>(ts.tv_nsec);
}

void PeerRecord::note_problem(const std::string& text) noexcept {
  std::uint32_t expected = 0;
  if (!first_problem_set.compare_exchange_strong(expected, 1, std::memory_order_relaxed)) return;
  const std::size_t n = text.size() < sizeof first_problem - 1 ? text.size() : sizeof first_problem - 1;
  std::memcpy(first_problem, text.data(), n);
  first_problem[n] = '\0';
}

void PeerRecord::finish() noexcept {
  ended_ns.store(monotonic_ns(), std::memory_order_relaxed);
  rss_anon_kib.store(stress::rss_anon_kib(), std::memory_order_relaxed);
  finished.store(1, std::memory_order_relaxed);
  begin(PeerOp::kDone);
}

std::uint64_t rss_anon_kib() noexcept {
  auto status = sys::read_file("/proc/self/status");
  if (!status) return 0;
  const auto at = status->find("RssAnon:");
  if (at == std::string::npos) return 0;
  return std::strtoull(status->c_str() + at + 8, nullptr, 10);
}

Result<PeerBoard> PeerBoard::create(std::uint32_t writers, std::uint32_t readers) {
  if (writers > kMaxPeersPerRole || readers > kMaxPeersPerRole) {
    return sys_error(EINVAL, "stress board", "at most 64 writers and 64 readers");
  }
  const std::size_t records = std::size_t{writers} + readers;
  const std::size_t table = std::size_t{writers} * readers * sizeof(std::atomic<std::uint64_t>);
  const std::size_t size = sizeof(Control) + records * sizeof(PeerRecord) + table;
  auto mem = sys::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (!mem) return mem.error();
  PeerBoard board;
  board.memory_ = *mem;
  board.size_ = size;
  board.writers_ = writers;
  board.readers_ = readers;
  auto* base = static_cast<std::byte*>(*mem);
  board.control_ = new (base) Control();
  base += sizeof(Control);
  board.records_ = reinterpret_cast<PeerRecord*>(base);
  for (std::size_t i = 0; i < records; ++i) new (&board.records_[i]) PeerRecord();
  base += records * sizeof(PeerRecord);
  board.last_seen_ = reinterpret_cast<std::atomic<std::uint64_t>*>(base);
  for (std::size_t i = 0; i < std::size_t{writers} * readers; ++i) {
    new (&board.last_seen_[i]) std::atomic<std::uint64_t>(kNoSequence);
  }
  return board;
}

PeerBoard::PeerBoard(PeerBoard&& other) noexcept { *this = std::move(other); }

PeerBoard& PeerBoard::operator=(PeerBoard&& other) noexcept {
  if (this != &other) {
    if (memory_ != nullptr) (void)sys::munmap(memory_, size_);
    control_ = std::exchange(other.control_, nullptr);
    records_ = std::exchange(other.records_, nullptr);
    last_seen_ = std::exchange(other.last_seen_, nullptr);
    memory_ = std::exchange(other.memory_, nullptr);
    size_ = std::exchange(other.size_, 0);
    writers_ = std::exchange(other.writers_, 0);
    readers_ = std::exchange(other.readers_, 0);
  }
  return *this;
}

PeerBoard::~PeerBoard() {
  if (memory_ != nullptr) (void)sys::munmap(memory_, size_);
}

PeerRecord& PeerBoard::writer(std::uint32_t i) const {
  SHMH_CHECK(i < writers_, "writer index out of range");
  return records_[i];
}

PeerRecord& PeerBoard::reader(std::uint32_t i) const {
  SHMH_CHECK(i < readers_, "reader index out of range");
  return records_[writers_ + i];
}

void PeerBoard::set_stop_writing() const { control_->stop_writing.store(1, std::memory_order_release); }
void PeerBoard::set_writers_done() const { control_->writers_done.store(1, std::memory_order_release); }
void PeerBoard::set_aborted() const { control_->aborted.store(1, std::memory_order_release); }

std::uint64_t PeerBoard::total_progress() const {
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < std::size_t{writers_} + readers_; ++i) {
    sum += records_[i].progress.load(std::memory_order_relaxed);
  }
  return sum;
}

std::uint64_t writers_end_ns(const PeerBoard& board, std::uint64_t start_ns, std::uint64_t now_ns) {
  std::uint64_t last = start_ns;
  for (std::uint32_t w = 0; w < board.writers(); ++w) {
    const PeerRecord& rec = board.writer(w);
    const std::uint64_t end = rec.ended_ns.load(std::memory_order_relaxed);
    if (rec.finished.load(std::memory_order_relaxed) == 0 || end < start_ns || end > now_ns) return now_ns;
    last = std::max(last, end);
  }
  return last;
}

std::string describe_mappings(const PeerBoard& board) {
  std::string out;
  for (const Role role : {Role::kWriter, Role::kReader}) {
    const std::uint32_t n = role == Role::kWriter ? board.writers() : board.readers();
    for (std::uint32_t i = 0; i < n; ++i) {
      const std::uint64_t at = board.record(role, i).mapped_at.load(std::memory_order_relaxed);
      if (at == 0) continue;
      char hex[32];
      (void)std::snprintf(hex, sizeof hex, " 0x%" PRIx64, at);
      out += (out.empty() ? "" : ", ") + std::string(to_string(role)) + " " + std::to_string(i) + hex;
    }
  }
  return out;
}

}  // namespace shmh::stress
