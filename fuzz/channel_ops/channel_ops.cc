// channel_ops: the input is a ring geometry and a sequence of up to 64 operations on it — send and
// receive by two writers and two readers (each its own attachment), sends too big, receive buffers
// too small, zero and short timeouts, closing, and peers forked to be SIGKILLed in the middle of a
// send or a receive (right after their claim, through the ring's test hooks) — checked against
// RingModel (core/model/ring_model.h) after every step: each result, each received message (writer,
// sequence, length and every payload byte: exactly once, in order), and the ring's abandoned
// counts. At the end the ring is drained and must hold exactly what the model still holds.
//
// The ring lives in one MAP_SHARED anonymous mapping, so the forked peers share it and the input
// leaves nothing behind in any namespace.
#include <fuzzer/FuzzedDataProvider.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/channel/ring/ring.h"
#include "core/model/ring_model.h"
#include "core/process/child_process.h"
#include "core/segment/mapping.h"
#include "core/sys/sys.h"

namespace {

using shmh::model::RingModel;
using Answer = RingModel::Answer;

constexpr int kWriters = 2;
constexpr int kReaders = 2;
constexpr int kMaxKills = 4;               // a fork costs ~2 ms under ASan
constexpr int kMaxWaits = 4;               // a waiting call sleeps once: ~0.3 ms
constexpr std::int64_t kWaitNs = 300'000;  // > the ring's 30 us spin, so the call sleeps once

enum class Op { kSend, kRecv, kKillWriter, kKillReader, kClose, kMaxValue = kClose };

std::uint8_t payload_byte(int writer, std::uint64_t seq, std::size_t i) {
  return static_cast<std::uint8_t>((static_cast<std::uint64_t>(writer) * 131 + seq * 31 + i * 7) ^ (i >> 8));
}

void fill(std::vector<std::uint8_t>& buf, const RingModel::Message& m) {
  buf.resize(m.length);
  for (std::size_t i = 0; i < m.length; ++i) buf[i] = payload_byte(m.writer, m.seq, i);
}

// The model's answer for a ring call's return; none for a status the model never gives.
std::optional<Answer> answer_of(std::int64_t rc) {
  if (rc >= 0) return Answer::kOk;
  switch (rc) {
    case SHMH_ETIMEOUT:
      return Answer::kTimeout;
    case SHMH_ETOOBIG:
      return Answer::kTooBig;
    case SHMH_ECLOSED:
      return Answer::kClosed;
    default:
      return std::nullopt;
  }
}

const char* name_of(std::optional<Answer> a) {
  if (!a) return "an unexpected error";
  switch (*a) {
    case Answer::kOk:
      return "ok";
    case Answer::kTimeout:
      return "ETIMEOUT";
    case Answer::kTooBig:
      return "ETOOBIG";
    case Answer::kClosed:
      return "ECLOSED";
  }
  return "an unexpected error";
}

[[noreturn]] void finding(int step, const std::string& what) {
  std::fprintf(stderr, "channel_ops: ring and model disagree at step %d: %s\n", step, what.c_str());
  __builtin_trap();
}

// A peer forked to attach, start one operation with a zero timeout and die right after its claim.
// Returns whether it died there (true) or finished without claiming (false).
bool killed_mid_operation(std::span<std::byte> memory, bool send, std::size_t max_message, int step) {
  auto child = shmh::ChildProcess::spawn([&]() -> shmh::ChildReport {
    auto ring = shmh::ring::Ring::attach(memory);
    if (!ring) return {4, ring.error().message()};
    const std::function<void()> die = [] { (void)shmh::sys::kill(::getpid(), SIGKILL); };
    ring->set_hooks({.after_send_claim = send ? die : nullptr, .after_recv_claim = send ? nullptr : die});
    std::vector<std::byte> buf(max_message);
    shmh_error err{};
    const std::int64_t rc =
        send ? ring->send(buf.data(), buf.size(), 0, &err) : ring->recv(buf.data(), buf.size(), 0, &err);
    ring->detach();
    if (rc == SHMH_ETIMEOUT || rc == SHMH_ECLOSED) return {};  // nothing to claim
    return {5, "returned " + std::to_string(rc)};
  });
  if (!child) finding(step, "fork: " + child.error().message());
  auto exit = child->wait();
  if (!exit) finding(step, "wait: " + exit.error().message());
  if (exit->signal == SIGKILL) return true;
  if (exit->code != 0) finding(step, std::string(send ? "killed writer" : "killed reader") + ": " + exit->message);
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const std::uint64_t capacity = in.PickValueInArray<std::uint64_t>({1, 2, 3, 4, 8});
  const std::uint64_t max_message = in.PickValueInArray<std::uint64_t>({1, 8, 64, 100});
  auto geometry = shmh::ring::plan(capacity, max_message);
  if (!geometry) return 0;
  auto addr = shmh::sys::mmap(nullptr, geometry->total_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (!addr) return 0;
  shmh::Mapping mapping(shmh::Mapping::Kind::kMmap, *addr, geometry->total_size);
  const std::span<std::byte> memory = mapping.bytes();
  auto creator = shmh::ring::Ring::create(memory, *geometry);
  if (!creator) finding(-1, "create: " + creator.error().message());
  std::vector<shmh::ring::Ring> writers, readers;
  for (int i = 0; i < kWriters + kReaders; ++i) {
    auto r = shmh::ring::Ring::attach(memory);
    if (!r) finding(-1, "attach: " + r.error().message());
    (i < kWriters ? writers : readers).push_back(std::move(*r));
  }

  RingModel model(geometry->slot_count, max_message);
  std::uint64_t next_seq[kWriters] = {};
  int kills = 0, waits = 0;
  std::vector<std::uint8_t> out, want;
  out.resize(max_message + 1);
  auto check_stats = [&](int step) {
    const auto stats = creator->stats();
    if (stats.abandoned_sends != model.abandoned_sends() || stats.abandoned_recvs != model.abandoned_recvs()) {
      finding(step, "abandoned sends/recvs: ring " + std::to_string(stats.abandoned_sends) + "/" +
                        std::to_string(stats.abandoned_recvs) + ", model " + std::to_string(model.abandoned_sends()) +
                        "/" + std::to_string(model.abandoned_recvs()));
    }
  };
  auto receive = [&](int step, int reader, std::size_t cap, bool wait) {
    RingModel::Message expected;
    const Answer m = model.recv(cap, wait, &expected);
    shmh_error err{};
    const std::int64_t rc = readers[static_cast<std::size_t>(reader)].recv(out.data(), cap, wait ? kWaitNs : 0, &err);
    const std::optional<Answer> k = answer_of(rc);
    if (k != m) {
      finding(step, "recv by reader " + std::to_string(reader) + " into " + std::to_string(cap) + " bytes" +
                        (wait ? " (waiting)" : "") + ": ring " + name_of(k) + " (" + err.message + "), model " +
                        name_of(m));
    }
    if (m != Answer::kOk) return m;  // k == m: a mismatch ended the run above
    fill(want, expected);
    if (static_cast<std::size_t>(rc) != want.size() || !std::equal(want.begin(), want.end(), out.begin())) {
      finding(step, "recv delivered " + std::to_string(rc) + " bytes; the model expects writer " +
                        std::to_string(expected.writer) + " message " + std::to_string(expected.seq) + " of " +
                        std::to_string(expected.length) + " bytes (lost, duplicated, reordered or corrupt)");
    }
    return m;
  };

  for (int step = 0; step < 64 && in.remaining_bytes() > 0; ++step) {
    const Op op = in.ConsumeEnum<Op>();
    const bool wait = in.ConsumeIntegralInRange<int>(0, 7) == 7 && waits < kMaxWaits;
    if (wait) ++waits;
    switch (op) {
      case Op::kSend: {
        const int w = in.ConsumeIntegralInRange<int>(0, kWriters - 1);
        const auto length = in.ConsumeIntegralInRange<std::uint32_t>(0, static_cast<std::uint32_t>(max_message) + 1);
        const RingModel::Message msg{.writer = w, .seq = next_seq[w], .length = length};
        const Answer m = model.send(msg, wait);
        fill(want, msg);
        shmh_error err{};
        const std::optional<Answer> k =
            answer_of(writers[static_cast<std::size_t>(w)].send(want.data(), want.size(), wait ? kWaitNs : 0, &err));
        if (k != m) {
          finding(step, "send by writer " + std::to_string(w) + " of " + std::to_string(length) + " bytes" +
                            (wait ? " (waiting)" : "") + ": ring " + name_of(k) + " (" + err.message + "), model " +
                            name_of(m));
        }
        if (k == Answer::kOk) ++next_seq[w];
        break;
      }
      case Op::kRecv: {
        const int r = in.ConsumeIntegralInRange<int>(0, kReaders - 1);
        const std::size_t cap = in.ConsumeBool() ? max_message : in.ConsumeIntegralInRange<std::size_t>(0, max_message);
        receive(step, r, cap, wait);
        break;
      }
      case Op::kKillWriter:
      case Op::kKillReader: {
        if (kills >= kMaxKills) break;
        ++kills;
        const bool send = op == Op::kKillWriter;
        const bool model_claims = send ? model.send_killed_after_claim() : model.recv_killed_after_claim();
        const bool ring_claimed = killed_mid_operation(memory, send, max_message, step);
        if (ring_claimed != model_claims) {
          finding(step, std::string(send ? "a writer" : "a reader") + " killed after its claim: ring " +
                            (ring_claimed ? "let it claim" : "gave it nothing") + ", model " +
                            (model_claims ? "lets it claim" : "gives it nothing"));
        }
        break;
      }
      case Op::kClose:
        if (in.ConsumeIntegralInRange<int>(0, 3) != 3) break;  // rare: closing ends the interesting part
        creator->close_ring();
        model.close();
        break;
    }
    check_stats(step);
  }
  // Drain: everything the model still holds comes out, in order, and nothing more.
  for (int guard = 0; guard < 128 && !model.drained(); ++guard) (void)receive(64, 0, max_message, true);
  (void)receive(65, 1, max_message, false);  // drained: both must now say empty (or closed)
  if (model.queued() != 0) finding(64, std::to_string(model.queued()) + " messages left after the drain");
  check_stats(64);
  for (auto& r : writers) r.detach();
  for (auto& r : readers) r.detach();
  creator->detach();
  return 0;
}
