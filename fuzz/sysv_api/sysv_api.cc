// sysv_api: the input is a sequence of up to 64 System V calls — shmget, shmat (SHM_RDONLY,
// SHM_EXEC, SHM_RND, SHM_REMAP, fixed and unaligned addresses), shmdt, IPC_STAT, IPC_SET,
// IPC_RMID, SHM_LOCK/UNLOCK, IPC_INFO, SHM_INFO, SHM_STAT/SHM_STAT_ANY, writes of
// kernel.shm_rmid_forced (segments then go at their last detach) with fuzzed keys, sizes,
// flags, modes and targets, now and then made by another uid (a long-lived peer process) — each
// run on the kernel (through core/segment's SysvSegment) and on the model (core/model). Any
// difference in result, errno, address, index, usage counts or a segment's IPC_STAT traps with a
// message naming the call, its arguments and both answers.
//
// Runs inside a private IPC + mount namespace entered once at start (LLVMFuzzerInitialize) with
// small limits, so ENOSPC and EINVAL at the limits are reachable and nothing leaks; every input
// starts from an empty namespace (the driver removes what it made).
#include <fuzzer/FuzzedDataProvider.h>
#include <sys/shm.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "core/model/sysv_differential.h"
#include "core/sandbox/sandbox.h"
#include "fuzz/common/call_stats.h"
#include "fuzz/common/deferred_init.h"

namespace {

using shmh::model::Limits;
using shmh::model::SysvOp;
using shmh::model::SysvStep;

constexpr std::uint64_t kPage = 4096;
constexpr Limits kLimits{.shmmax = 16 * kPage, .shmall = 32, .shmmni = 6, .page_size = kPage, .memlock = 4 * kPage};
constexpr uid_t kOtherUid = 65534;
constexpr gid_t kOtherGid = 65534;
shmh::model::OtherUidPeer* g_other = nullptr;  // "another uid" (root only; null otherwise)

SysvStep consume_step(FuzzedDataProvider& in, int targets) {
  SysvStep s;
  s.op = static_cast<SysvOp>(in.ConsumeIntegralInRange<int>(0, static_cast<int>(SysvOp::kCount) - 1));
  // 1 in 8 calls come from another uid (a long-lived peer process). 7, not 0, selects it: an
  // exhausted input reads as 0.
  s.other = g_other != nullptr && s.op != SysvOp::kDt && in.ConsumeIntegralInRange<int>(0, 7) == 7;
  const key_t keys[] = {0, 0x100, 0x101, static_cast<key_t>(in.ConsumeIntegral<std::int32_t>())};
  s.key = keys[in.ConsumeIntegralInRange<int>(0, 3)];
  const std::uint64_t sizes[] = {0,
                                 1,
                                 kPage - 1,
                                 kPage,
                                 kPage + 1,
                                 kLimits.shmmax,
                                 kLimits.shmmax + 1,
                                 in.ConsumeIntegralInRange<std::uint64_t>(0, 40 * kPage)};
  s.size = sizes[in.ConsumeIntegralInRange<int>(0, 7)];
  s.flags = static_cast<int>(in.ConsumeIntegral<std::uint16_t>()) & (0777 | IPC_CREAT | IPC_EXCL);
  if (s.op == SysvOp::kAt) {
    s.flags = in.PickValueInArray({0, SHM_RDONLY, SHM_EXEC}) |
              in.PickValueInArray({0, SHM_RND, SHM_REMAP, SHM_RND | SHM_REMAP});
    // A fixed address now and then: a slot of a reserved range, aligned or not (root only).
    s.slot = in.ConsumeIntegralInRange<int>(-1, shmh::model::SysvDifferential::kSlots - 1);
    s.skew = in.PickValueInArray<unsigned>({0, 1, static_cast<unsigned>(kPage - 1)});
  }
  if (s.op == SysvOp::kStatIndex) s.flags = in.ConsumeBool() ? 1 : 0;  // SHM_STAT_ANY : SHM_STAT
  if (s.op == SysvOp::kGetTagged) s.other = false;                     // the peer reports no key
  s.target = in.ConsumeIntegralInRange<int>(0, targets);
  s.set_uid = in.ConsumeBool() ? 0 : kOtherUid;
  s.set_mode = in.ConsumeIntegral<std::uint16_t>() & 0777;
  // shmdt of an address inside the attachment now and then (last, so older inputs keep their steps).
  if (s.op == SysvOp::kDt) s.skew = in.PickValueInArray<unsigned>({0, 0, 1, static_cast<unsigned>(kPage)});
  if (s.op == SysvOp::kRmidForced) {
    s.other = false;  // root's sysctl, in the fuzzer's own IPC namespace
    s.flags = in.PickValueInArray({1, 0, 1, 2});
  }
  if (s.op == SysvOp::kFork || s.op == SysvOp::kChildExit) s.other = false;  // this process's child
  // A fork copies the fuzzer's page tables (~1-2 ms under ASan): 3284 exec/s without forks, 905
  // when a quarter of the fork picks fork, 1530 at one in 16. One in 32 does (31, the maximum,
  // selects it; the others ask IPC_INFO). The tests and `conform` fork far more often.
  if (s.op == SysvOp::kFork && in.ConsumeIntegralInRange<int>(0, 31) != 31) s.op = SysvOp::kInfo;
  return s;
}

}  // namespace

namespace {

void init_target() {
  auto kind = shmh::enter_sandbox(
      {.shmmax = kLimits.shmmax, .shmall = kLimits.shmall, .shmmni = kLimits.shmmni, .dev_shm_bytes = 1 << 20});
  if (!kind) {
    std::fprintf(stderr, "sysv_api: %s\n", kind.error().message().c_str());
    std::exit(2);  // NOLINT(concurrency-mt-unsafe): fuzzer init, single-threaded
  }
  if (::geteuid() == 0 && *kind == shmh::SandboxKind::kPrivileged) {
    // Started before any input, while this process has no attachment for it to inherit.
    auto peer = shmh::model::OtherUidPeer::start(kOtherUid, kOtherGid, kLimits.memlock);
    if (peer) g_other = new shmh::model::OtherUidPeer(std::move(*peer));  // lives as long as the process
  }
}

shmh::fuzzing::DeferredInit g_init(init_target);
shmh::fuzzing::CallStats g_stats("sysv_api");

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  g_init.on_initialize();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  g_init.on_input();
  FuzzedDataProvider in(data, size);
  shmh::model::SysvDifferential diff(kLimits, g_other);
  int step = 0;
  for (; step < 64 && in.remaining_bytes() > 0; ++step) {
    const SysvStep s = consume_step(in, static_cast<int>(diff.segments() + diff.attachments()) + 1);
    const std::string mismatch = diff.run(s);
    if (!mismatch.empty()) {
      std::fprintf(stderr, "sysv_api: kernel and model disagree at step %d: %s\n", step, mismatch.c_str());
      __builtin_trap();
    }
  }
  g_stats.add(step);
  return 0;
}
