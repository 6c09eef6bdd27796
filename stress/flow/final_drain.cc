#include "stress/flow/final_drain.h"

#include <signal.h>

#include <cerrno>
#include <vector>

#include "core/process/child_process.h"
#include "stress/flow/receive_check.h"

namespace shmh::stress {
namespace {

constexpr int kMaxDrained = 1'000'000;  // per lane: a channel that never empties is not drained forever

Result<void> drain_into(const Flow& flow, PeerRecord& into) {
  std::vector<std::byte> buffer(flow.phase.msg_max);
  for (std::uint32_t lane = 0; lane < flow.lanes(); ++lane) {
    auto ch = Channel::open(*flow.vtable, flow.addresses[lane]);
    if (!ch) return logic_error("final drain", "open " + flow.addresses[lane] + ": " + ch.error().message());
    for (int i = 0; i < kMaxDrained; ++i) {
      const std::int64_t n = ch->recv(buffer, 0);
      if (n < 0) break;
      const Received got =
          check_received(flow, into, nullptr, kDrainReader, lane, std::span(buffer).first(static_cast<std::size_t>(n)));
      if (got.outcome == FlightOutcome::kOk) PeerRecord::add(into.ok, 1);
    }
  }
  return {};
}

}  // namespace

Result<void> drain_leftovers(const Flow& flow, PeerRecord& leftovers) {
  if (flow.options.mode == PeerMode::kThreads) return drain_into(flow, leftovers);
  auto shared = PeerBoard::create(0, 1);
  if (!shared) return shared.error();
  auto child = ChildProcess::spawn([&]() -> ChildReport {
    auto drained = drain_into(flow, shared->reader(0));
    return drained ? ChildReport{} : ChildReport{1, drained.error().message()};
  });
  if (!child) return logic_error("final drain", child.error().message());
  auto exit = child->wait(kFinalDrainLimit);
  if (!exit) {
    (void)child->kill(SIGKILL);
    (void)child->wait();
    return sys_error(ETIMEDOUT, "final drain", "recv with timeout 0 on the channel hung for 10 s");
  }
  const PeerRecord& got = shared->reader(0);
  leftovers.corrupt.store(got.corrupt.load());
  leftovers.duplicated.store(got.duplicated.load());
  leftovers.ok.store(got.ok.load());
  leftovers.bytes.store(got.bytes.load());
  if (got.first_problem_set.load() != 0) leftovers.note_problem(got.first_problem);
  if (!exit->ok()) return logic_error("final drain", exit->describe());
  return {};
}

}  // namespace shmh::stress
