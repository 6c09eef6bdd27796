// plugin_ops: fuzzes ANY channel — a plugin .so or a built-in — with sequences of operations checked
// against what the channel promises (core/model/queue_model.h). The channel is named at start by
// $SHMH_FUZZ_CHANNEL (a path to a plugin, or ring / pipe / boost-mq; default ring), so one binary
// serves every user: `shmharness fuzz channel PATH.so` sets it.
//
// The input is a geometry and up to 64 operations by the channel's simulated peers — two writers
// and two readers where the channel declares MULTI_WRITER / MULTI_READER, else one of each, each with
// its own handle: sends of 0, 1, max-1, max, max+1 or any size; receives into a buffer of
// max_message bytes, of exactly the next message's length, one byte short of it, 0 bytes or any
// size; zero and short (1 ms) timeouts; a peer's handle closed and opened again; and — unless the
// channel declares NOT_CRASH_TOLERANT — a peer whose process opens its own handle, makes one
// operation and is SIGKILLed right after it, without closing (its replacement opens a new handle).
// Every answer is checked as it comes; at the end the channel is drained and must hold exactly
// what the model still holds.
//
// Messages identify themselves: byte 0 is (writer << 7 | sequence mod 128), every later byte a
// function of (writer, sequence, offset); a 0-byte message carries nothing, so only writer 0 sends
// them and they are told apart by order. A disagreement prints one line and traps (a libFuzzer
// crash). The channel's objects live in a private IPC namespace and /dev/shm (core/sandbox): an
// input that traps leaves nothing behind.
#include <fuzzer/FuzzedDataProvider.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "core/model/queue_model.h"
#include "core/process/child_process.h"
#include "core/sys/sys.h"
#include "fuzz/common/channel_under_test.h"
#include "fuzz/common/deferred_init.h"

namespace {

using shmh::Channel;
using shmh::model::QueueModel;

constexpr int kMaxSteps = 64;
constexpr int kMaxWaits = 4;                 // a waiting call on a full or empty channel: ~1 ms
constexpr int kMaxKills = 4;                 // a fork: ~1 ms, ~3 ms under ASan
constexpr std::int64_t kWaitNs = 1'000'000;  // "short": sleeps on a full or empty channel
constexpr std::uint32_t kMaxMessage = shmh::fuzzing::kMaxFuzzMessage;

shmh::fuzzing::ChannelUnderTest g_target;
bool g_kills = false;  // unless the channel declares NOT_CRASH_TOLERANT

void start_forker();  // below: the helper that forks peers to be killed

void init_target() {
  g_target.load("plugin_ops");
  g_kills = !g_target.declares(SHMH_CHANNEL_NOT_CRASH_TOLERANT);
  if (g_kills) start_forker();
}
shmh::fuzzing::DeferredInit g_init(init_target);

void trace(int step, const std::string& what, std::int64_t rc) {
  if (g_target.trace)
    std::fprintf(stderr, "step %d: %s -> %s (%lld)\n", step, what.c_str(), QueueModel::status_name(rc),
                 static_cast<long long>(rc));
}

[[noreturn]] void finding(int step, const std::string& what) {
  std::fprintf(stderr, "plugin_ops: channel %s (%s) and the model disagree at step %d: %s\n", g_target.spec.c_str(),
               g_target.vtable().name, step, what.c_str());
  __builtin_trap();
}

void fill(std::vector<std::byte>& buf, std::uint32_t writer, std::uint64_t seq, std::uint32_t length) {
  shmh::fuzzing::fill_message(buf, writer, seq, length);
}

// Whose the `n` received bytes are, when they are whole: see the header.
std::optional<QueueModel::Delivered> identify(const QueueModel& model, std::uint32_t writers,
                                              std::span<const std::byte> got) {
  if (got.empty()) return model.identify_empty();
  const auto b0 = static_cast<std::uint8_t>(got[0]);
  const std::uint32_t writer = b0 >> 7U;
  const std::uint64_t seq = b0 & 0x7fU;
  if (writer >= writers || seq >= model.next_seq(writer) || model.length_of(writer, seq) != got.size()) {
    return std::nullopt;
  }
  std::vector<std::byte> want;
  fill(want, writer, seq, static_cast<std::uint32_t>(got.size()));
  if (!std::equal(want.begin(), want.end(), got.begin())) return std::nullopt;
  return QueueModel::Delivered{writer, seq};
}

// The bytes a receive that returned `rc` into `capacity` bytes left in the buffer.
std::size_t received_bytes(std::int64_t rc, std::size_t capacity) {
  return rc < 0 ? 0 : std::min(static_cast<std::size_t>(rc), capacity);
}

// What a peer forked to be killed did: its one operation's result, and what it received.
struct Doomed {
  std::int64_t rc = 0;
  std::int32_t opened = 0;  // 1 once its handle opened
  std::array<char, SHMH_MESSAGE_MAX> error{};
  std::array<std::byte, kMaxMessage + 1> bytes{};
};

// Forks the peers that die after one operation. A fork copies the forking process's page tables:
// under ASan, with the fuzzer's corpus grown, ~20 ms per fork (the target ran at 15 exec/s on
// ring). So a helper forked at start, while this process is small, forks them and reports how
// each ended; what the peer did is in a mapping all three share.
class PeerForker {
 public:
  struct Request {
    std::uint32_t writer = 0;  // 1: send as writer `who`; 0: receive
    std::uint32_t who = 0;
    std::uint64_t seq = 0;
    std::uint32_t length = 0;
    std::uint64_t capacity = 0;  // receive buffer
    std::array<char, SHMH_ADDRESS_MAX> address{};
  };
  struct Ended {
    std::int32_t signal = 0;
    std::int32_t code = 0;
  };

  void start() {
    auto mem = shmh::sys::mmap(nullptr, sizeof(Doomed), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    auto requests = shmh::sys::pipe();
    auto replies = shmh::sys::pipe();
    if (!mem || !requests || !replies) internal_error("cannot set up the helper that forks peers");
    doomed_ = new (*mem) Doomed{};
    auto helper = shmh::ChildProcess::spawn([&]() -> shmh::ChildReport {
      shmh::sys::close(requests->write);
      shmh::sys::close(replies->read);
      serve(requests->read, replies->write);
      return {};
    });
    if (!helper) internal_error("fork of the helper: " + helper.error().message());
    helper_ = std::move(*helper);
    shmh::sys::close(requests->read);
    shmh::sys::close(replies->write);
    to_helper_ = requests->write;
    from_helper_ = replies->read;
  }

  // Runs `r` in a peer forked by the helper; what it did is in doomed().
  Ended run(const Request& r) {
    *doomed_ = Doomed{};
    Ended ended;
    if (!exact(::write, to_helper_, &r, sizeof r) || !exact(::read, from_helper_, &ended, sizeof ended)) {
      internal_error("the helper that forks peers is gone");
    }
    return ended;
  }
  [[nodiscard]] const Doomed& doomed() const { return *doomed_; }

 private:
  [[noreturn]] static void internal_error(const std::string& what) {
    std::fprintf(stderr, "plugin_ops: internal error: %s\n", what.c_str());
    std::_Exit(2);
  }
  template <class Io, class Buf>
  static bool exact(Io io, int fd, Buf* buf, std::size_t n) {
    auto* at = reinterpret_cast<char*>(const_cast<void*>(static_cast<const void*>(buf)));
    while (n > 0) {
      const ssize_t done = io(fd, at, n);
      if (done < 0 && errno == EINTR) continue;
      if (done <= 0) return false;
      at += done;
      n -= static_cast<std::size_t>(done);
    }
    return true;
  }
  // The helper: one peer per request, until this process closes the pipe.
  void serve(int requests, int replies) {
    Request r;
    while (exact(::read, requests, &r, sizeof r)) {
      auto peer = shmh::ChildProcess::spawn([&]() -> shmh::ChildReport {
        auto ch = Channel::open(g_target.vtable(), std::string(r.address.data()));
        if (!ch) {
          std::snprintf(doomed_->error.data(), doomed_->error.size(), "%s", ch.error().message().c_str());
          return {3, "open failed"};
        }
        doomed_->opened = 1;
        if (r.writer != 0) {
          std::vector<std::byte> message;
          fill(message, r.who, r.seq, r.length);
          doomed_->rc = ch->send(message, 0);
        } else {
          doomed_->rc = ch->recv(std::span(doomed_->bytes).first(r.capacity), 0);
        }
        std::snprintf(doomed_->error.data(), doomed_->error.size(), "%s", ch->last_error().message);
        (void)shmh::sys::kill(::getpid(), SIGKILL);  // no close: the handle dies with the process
        return {4, "outlived SIGKILL"};
      });
      Ended ended{.signal = -1, .code = -1};
      if (peer) {
        if (auto exit = peer->wait()) ended = {.signal = exit->signal, .code = exit->code};
      }
      if (!exact(::write, replies, &ended, sizeof ended)) return;
    }
  }

  Doomed* doomed_ = nullptr;  // MAP_SHARED: this process, the helper and its peers
  std::optional<shmh::ChildProcess> helper_;
  int to_helper_ = -1;
  int from_helper_ = -1;
};
PeerForker g_forker;
void start_forker() { g_forker.start(); }

class Run {
 public:
  Run(Channel creator, std::uint32_t capacity, std::uint32_t max_message)
      : creator_(std::move(creator)),
        max_message_(max_message),
        writers_(g_target.declares(SHMH_CHANNEL_MULTI_WRITER) ? 2U : 1U),
        readers_(g_target.declares(SHMH_CHANNEL_MULTI_READER) ? 2U : 1U),
        model_({.capacity = capacity,
                .max_message = max_message,
                .fifo_per_writer = g_target.declares(SHMH_CHANNEL_FIFO_PER_WRITER),
                .writers = writers_}),
        buffer_(max_message + 1) {
    for (std::uint32_t i = 0; i < writers_ + readers_; ++i) handles_.push_back(open(-1));
  }

  void send(int step, std::uint32_t w, std::uint32_t length, std::int64_t timeout) {
    if (w != 0 && length == 0) length = 1;  // 0-byte messages are writer 0's (the header)
    fill(message_, w, model_.next_seq(w), length);
    Channel& ch = handles_[w];
    const int rc = ch.send(message_, timeout);
    trace(step,
          "writer " + std::to_string(w) + " sends seq " + std::to_string(model_.next_seq(w)) + " of " +
              std::to_string(length) + " bytes",
          rc);
    agree(step, model_.sent(w, length, rc), ch);
  }

  void recv(int step, std::uint32_t r, std::size_t capacity, std::int64_t timeout) {
    Channel& ch = handles_[writers_ + r];
    const std::int64_t rc = ch.recv(std::span(buffer_).first(capacity), timeout);
    trace(step, "reader " + std::to_string(r) + " receives into " + std::to_string(capacity) + " bytes", rc);
    check_received(step, capacity, rc, std::span(buffer_).first(received_bytes(rc, capacity)), ch);
  }

  // Closes peer `p`'s handle (writers first, then readers) and opens another.
  void reopen(int step, std::uint32_t p) {
    if (g_target.trace) std::fprintf(stderr, "step %d: peer %u closes its handle and opens another\n", step, p);
    handles_[p].close();
    handles_[p] = open(step);
  }

  // Peer `p`'s process is replaced by one that opens its own handle, makes one operation with a
  // zero timeout and is SIGKILLed right after it; then `p` opens a handle again.
  void kill_after_op(int step, std::uint32_t p, std::uint32_t length, std::size_t capacity) {
    const bool writer = p < writers_;
    if (writer && p != 0 && length == 0) length = 1;
    handles_[p].close();
    PeerForker::Request request{.writer = writer ? 1U : 0U,
                                .who = p,
                                .seq = writer ? model_.next_seq(p) : 0,
                                .length = length,
                                .capacity = capacity};
    std::snprintf(request.address.data(), request.address.size(), "%s", creator_.address().c_str());
    const PeerForker::Ended ended = g_forker.run(request);
    const Doomed& doomed = g_forker.doomed();
    const std::string error(doomed.error.data());
    if (ended.signal != SIGKILL) {
      finding(step, std::string("a ") + (writer ? "writer" : "reader") + " forked to be killed after one operation " +
                        (ended.signal > 0 ? "died of signal " + std::to_string(ended.signal)
                                          : "ended otherwise (exit " + std::to_string(ended.code) + ")") +
                        (error.empty() ? "" : ": " + error));
    }
    if (doomed.opened == 0) finding(step, "a forked peer died before its handle opened");
    trace(step,
          std::string(writer ? "writer " : "reader ") + std::to_string(writer ? p : p - writers_) +
              (writer ? " (a process killed after it) sends seq " + std::to_string(model_.next_seq(p)) + " of " +
                            std::to_string(length) + " bytes"
                      : " (a process killed after it) receives into " + std::to_string(capacity) + " bytes"),
          doomed.rc);
    if (writer) {
      agree(step, model_.sent(p, length, static_cast<int>(doomed.rc)), error);
    } else {
      const std::int64_t rc = doomed.rc;
      const auto got = std::span<const std::byte>(doomed.bytes).first(received_bytes(rc, capacity));
      agree(step,
            model_.received(
                capacity, rc,
                rc >= 0 && rc <= static_cast<std::int64_t>(capacity) ? identify(model_, writers_, got) : std::nullopt),
            error);
    }
    handles_[p] = open(step);
  }

  // Everything the model still holds comes out, then the channel must be empty.
  void drain() {
    const int step = kMaxSteps;
    for (std::uint64_t left = model_.queued() + 1; left > 0; --left) recv(step, 0, max_message_, 0);
    if (model_.queued() != 0) finding(step, std::to_string(model_.queued()) + " message(s) never came out");
  }

  void finish() {
    for (auto& h : handles_) h.close();
    if (auto done = creator_.destroy(); !done) finding(kMaxSteps, "destroy: " + done.error().message());
  }

  [[nodiscard]] std::uint32_t writers() const { return writers_; }
  [[nodiscard]] std::uint32_t readers() const { return readers_; }
  [[nodiscard]] const QueueModel& model() const { return model_; }

 private:
  Channel open(int step) {
    auto ch = Channel::open(g_target.vtable(), creator_.address());
    if (!ch) finding(step, "open: " + ch.error().message());
    return std::move(*ch);
  }
  void check_received(int step, std::size_t capacity, std::int64_t rc, std::span<const std::byte> got,
                      const Channel& ch) {
    const bool whole = rc >= 0 && static_cast<std::size_t>(rc) <= capacity;
    agree(step, model_.received(capacity, rc, whole ? identify(model_, writers_, got) : std::nullopt), ch);
  }
  static void agree(int step, const std::string& disagreement, const Channel& ch) {
    agree(step, disagreement, std::string(ch.last_error().message));
  }
  static void agree(int step, const std::string& disagreement, const std::string& channel_said) {
    if (disagreement.empty()) return;
    finding(step, disagreement + (channel_said.empty() ? "" : " (the channel said: " + channel_said + ")"));
  }

  Channel creator_;
  std::uint32_t max_message_;
  std::uint32_t writers_;
  std::uint32_t readers_;
  QueueModel model_;
  std::vector<Channel> handles_;  // writers, then readers
  std::vector<std::byte> message_;
  std::vector<std::byte> buffer_;
};

enum class Op { kSend, kRecv, kReopen, kKill, kMaxValue = kKill };

std::uint32_t pick_length(FuzzedDataProvider& in, std::uint32_t max) {
  switch (in.ConsumeIntegralInRange<int>(0, 5)) {
    case 0:
      return 0;
    case 1:
      return 1;
    case 2:
      return max - 1;
    case 3:
      return max;
    case 4:
      return max + 1;  // ETOOBIG
    default:
      return in.ConsumeIntegralInRange<std::uint32_t>(0, max);
  }
}

std::size_t pick_buffer(FuzzedDataProvider& in, const QueueModel& model, std::uint32_t max) {
  const std::uint32_t next = model.smallest_next();
  switch (in.ConsumeIntegralInRange<int>(0, 4)) {
    case 0:
      return max;
    case 1:
      return next;  // exact fit (0 when empty)
    case 2:
      return next == 0 ? 0 : next - 1;  // one byte short
    case 3:
      return 0;
    default:
      return in.ConsumeIntegralInRange<std::size_t>(0, max);
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  g_init.on_initialize();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  g_init.on_input();
  FuzzedDataProvider in(data, size);
  auto made = g_target.create_from(in);
  if (!made) return 0;
  const std::uint32_t max_message = made->max_message;
  Run run(std::move(made->creator), made->capacity, max_message);
  int waits = 0;
  int kills = 0;
  for (int step = 0; step < kMaxSteps && in.remaining_bytes() > 0; ++step) {
    const Op op = in.ConsumeEnum<Op>();
    const bool wait = in.ConsumeIntegralInRange<int>(0, 7) == 7 && waits < kMaxWaits;
    if (wait) ++waits;
    const std::int64_t timeout = wait ? kWaitNs : 0;
    switch (op) {
      case Op::kSend:
        run.send(step, in.ConsumeIntegralInRange<std::uint32_t>(0, run.writers() - 1), pick_length(in, max_message),
                 timeout);
        break;
      case Op::kRecv: {
        const auto r = in.ConsumeIntegralInRange<std::uint32_t>(0, run.readers() - 1);
        run.recv(step, r, pick_buffer(in, run.model(), max_message), timeout);
        break;
      }
      case Op::kReopen:
        run.reopen(step, in.ConsumeIntegralInRange<std::uint32_t>(0, run.writers() + run.readers() - 1));
        break;
      case Op::kKill: {
        const auto p = in.ConsumeIntegralInRange<std::uint32_t>(0, run.writers() + run.readers() - 1);
        const std::uint32_t length = pick_length(in, max_message);
        const std::size_t buffer = pick_buffer(in, run.model(), max_message);
        if (!g_kills || kills >= kMaxKills) break;
        ++kills;
        run.kill_after_op(step, p, length, buffer);
        break;
      }
    }
  }
  run.drain();
  run.finish();
  return 0;
}
