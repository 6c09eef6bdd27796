// posix_api: the input is a sequence of up to 64 POSIX shm and memfd calls — shm_open (fuzzed
// names: slashes, empty, ".", "..", NAME_MAX edges, arbitrary bytes; access modes, O_CREAT,
// O_EXCL, O_TRUNC, modes, a size), tagged creation, shm_unlink, memfd_create (flags, size, mode),
// close, ftruncate, posix_fallocate, fchmod, F_ADD_SEALS, pwrite, mmap (lengths, offsets,
// protections, shared or private), munmap, and loads and stores through the mappings — now and
// then as another user (setfsuid), all through core/segment (PosixSegment, MemfdSegment, FdObject). Each runs on the
// kernel and on the model (core/model/posix_model); any difference in result, errno, an object's fstat, seals or bytes,
// or the tmpfs blocks in use traps with a message naming the call, its arguments and both answers.
//
// Runs inside a private IPC + mount namespace entered once at start (LLVMFuzzerInitialize) whose
// /dev/shm is a 16-page tmpfs, so a full /dev/shm (ENOSPC, and the SIGBUS the model predicts and
// the driver avoids) is reachable and nothing leaks; every input starts from an empty /dev/shm.
#include <fcntl.h>
#include <fuzzer/FuzzedDataProvider.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/model/posix_differential.h"
#include "core/sandbox/sandbox.h"
#include "core/sys/sys.h"
#include "fuzz/common/call_stats.h"
#include "fuzz/common/deferred_init.h"

namespace {

using shmh::model::PosixLimits;
using shmh::model::PosixOp;
using shmh::model::PosixStep;

constexpr std::uint64_t kPage = 4096;
constexpr PosixLimits kLimits{.page_size = kPage, .tmpfs_pages = 16, .umask = 022};
constexpr uid_t kOtherUid = 65534;
constexpr gid_t kOtherGid = 65534;
bool g_other_allowed = false;  // setfsuid needs root

std::string consume_name(FuzzedDataProvider& in) {
  const auto& fixed = shmh::model::edge_names();
  const auto pick = in.ConsumeIntegralInRange<std::size_t>(0, fixed.size());
  if (pick < fixed.size()) return fixed[pick];
  return in.ConsumeRandomLengthString(300);
}

PosixStep consume_step(FuzzedDataProvider& in, int fds, int maps) {
  PosixStep s;
  s.op = static_cast<PosixOp>(in.ConsumeIntegralInRange<int>(0, static_cast<int>(PosixOp::kCount) - 1));
  // 1 in 8 calls come from another user. 7, not 0, selects it: an exhausted input reads as 0.
  s.other = g_other_allowed && in.ConsumeIntegralInRange<int>(0, 7) == 7;
  const bool map_op = s.op == PosixOp::kMunmap || s.op == PosixOp::kStore || s.op == PosixOp::kLoad;
  s.target = in.ConsumeIntegralInRange<int>(0, map_op ? maps : fds);
  switch (s.op) {
    case PosixOp::kOpen:
    case PosixOp::kUnlink:
    case PosixOp::kMemfd:
    case PosixOp::kOpenTagged:
      // A size now and then: create() / MemfdSegment::create ftruncate after opening.
      s.length = in.ConsumeBool() ? 0 : in.ConsumeIntegralInRange<std::int64_t>(0, 12 * kPage);
      s.with_mode = in.ConsumeBool();
      s.flags = in.ConsumeIntegral<std::uint16_t>();
      s.flags = s.op != PosixOp::kMemfd ? (s.flags & (O_ACCMODE | O_CREAT | O_EXCL | O_TRUNC))
                                        : (s.flags & 0x11b);  // memfd: known flags but MFD_HUGETLB, one unknown bit
      if ((s.flags & O_ACCMODE) == O_ACCMODE && s.op == PosixOp::kOpen) s.flags &= ~O_WRONLY;
      s.mode = in.ConsumeIntegral<std::uint16_t>() & 0777;
      s.name = consume_name(in);
      break;
    case PosixOp::kTruncate: {
      const std::int64_t lengths[] = {0,
                                      1,
                                      static_cast<std::int64_t>(kPage),
                                      -1,
                                      in.ConsumeIntegralInRange<std::int64_t>(0, 24 * kPage),
                                      in.ConsumeIntegral<std::int64_t>()};
      s.length = lengths[in.ConsumeIntegralInRange<int>(0, 5)];
      break;
    }
    case PosixOp::kSeal:
      s.flags = in.ConsumeIntegral<std::uint8_t>() & 0x7f;
      break;
    case PosixOp::kFallocate:
      s.offset = in.ConsumeBool() ? 0 : in.ConsumeIntegralInRange<std::uint64_t>(0, 20 * kPage);
      s.length = in.ConsumeIntegralInRange<std::int64_t>(0, 20 * kPage);
      break;
    case PosixOp::kChmod:
      s.mode = in.ConsumeIntegral<std::uint16_t>() & 0777;
      break;
    case PosixOp::kReopen:
      s.flags = in.PickValueInArray({O_RDONLY, O_WRONLY, O_RDWR}) | (in.ConsumeBool() ? O_TRUNC : 0);
      break;
    case PosixOp::kPwrite:
      s.offset = in.ConsumeIntegralInRange<std::uint64_t>(0, 20 * kPage);
      s.length = in.ConsumeIntegralInRange<std::int64_t>(1, static_cast<std::int64_t>(kPage - s.offset % kPage));
      s.byte = in.ConsumeIntegral<std::uint8_t>();
      break;
    case PosixOp::kMmap:
      s.length = in.ConsumeIntegralInRange<std::int64_t>(0, 16 * kPage);
      s.offset = in.ConsumeBool() ? in.ConsumeIntegralInRange<std::uint64_t>(0, 8 * kPage)
                                  : in.ConsumeIntegralInRange<std::uint64_t>(0, 8) * kPage;
      s.prot = in.PickValueInArray({PROT_READ | PROT_WRITE, PROT_READ, PROT_NONE});
      s.flags = in.PickValueInArray({MAP_SHARED, MAP_PRIVATE, 0});
      break;
    default:  // munmap, store, load
      s.offset = in.ConsumeIntegralInRange<std::uint64_t>(0, 16 * kPage);
      s.byte = in.ConsumeIntegral<std::uint8_t>();
      break;
  }
  return s;
}

}  // namespace

namespace {

void init_target() {
  auto kind = shmh::enter_sandbox({.dev_shm_bytes = kLimits.tmpfs_pages * kPage});
  if (!kind) {
    std::fprintf(stderr, "posix_api: %s\n", kind.error().message().c_str());
    std::exit(2);  // NOLINT(concurrency-mt-unsafe): fuzzer init, single-threaded
  }
  shmh::sys::set_umask(kLimits.umask);
  g_other_allowed = ::geteuid() == 0;
}

shmh::fuzzing::DeferredInit g_init(init_target);
shmh::fuzzing::CallStats g_stats("posix_api");

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  g_init.on_initialize();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  g_init.on_input();
  FuzzedDataProvider in(data, size);
  shmh::model::PosixDifferential diff(kLimits, kOtherUid, kOtherGid);
  int step = 0;
  for (; step < 64 && in.remaining_bytes() > 0; ++step) {
    const PosixStep s = consume_step(in, static_cast<int>(diff.fds()), static_cast<int>(diff.mappings()));
    const std::string mismatch = diff.run(s);
    if (!mismatch.empty()) {
      std::fprintf(stderr, "posix_api: kernel and model disagree at step %d: %s\n", step, mismatch.c_str());
      __builtin_trap();
    }
  }
  g_stats.add(step);
  if (const std::string mismatch = diff.compare_contents(); !mismatch.empty()) {
    std::fprintf(stderr, "posix_api: kernel and model disagree at the end: %s\n", mismatch.c_str());
    __builtin_trap();
  }
  return 0;
}
