#include "stress/workloads/churn.h"

#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <climits>
#include <optional>
#include <random>
#include <vector>

#include "core/random/splitmix.h"
#include "core/segment/tag.h"
#include "core/sys/sys.h"
#include "core/units.h"
#include "stress/finding_history.h"
#include "stress/peer_board.h"
#include "stress/peer_group.h"
#include "stress/phase_driver.h"

namespace shmh::stress {
namespace {

constexpr std::size_t kSharedSlots = 64;  // one cache line per worker in the shared segment
// One lifecycle in this many checks every page (zero when fresh, then written through the first
// attachment and read through the others); the rest check kSampledPages pages. Touching the pages
// is nearly all of a lifecycle's time, even populated: on this VM the first access to each page
// through each attachment costs ~5 µs (README "Benchmarks": at 8 MiB an every-page lifecycle took
// ~23 ms, a sampled one ~2.6 ms, so at one in 4 the every-page ones were 3/4 of the run). One in 8
// still checks a whole 8 MiB segment ~45 times a second with 2 workers.
constexpr std::uint64_t kEveryPageEvery = 8;
constexpr std::size_t kSampledPages = 64;

// --segment-size: bytes per lifecycle's segment, whole MiB (the value is in MiB).
Result<std::uint64_t> parse_segment_size(std::string_view text) {
  auto bytes = parse_size(text);
  if (!bytes || *bytes == 0 || *bytes % (1U << 20) != 0 || *bytes > (std::uint64_t{1} << 30)) {
    return logic_error("--segment-size " + std::string(text), "whole MiB, 1MiB..1GiB");
  }
  return *bytes >> 20;
}

constexpr WorkloadOption kSegmentSize{.flag = "--segment-size",
                                      .json_name = "segment_size_mib",
                                      .help = "churn: bytes per segment, whole MiB (1MiB..1GiB)",
                                      .default_text = "8MiB",
                                      .parse = parse_segment_size};

// A worker's open lifecycle, in its board record: after a kill the runner removes the segment
// under `key` when `open` is set.
struct OpenLifecycle {
  std::atomic<std::uint32_t> open{0};
  std::atomic<key_t> key{0};
};

struct Churn {
  const WorkloadEnv& env;
  PeerBoard board;
  int shared_id = -1;
  std::size_t size = 0;
};

// The tagged key of worker w's lifecycle n: unique within the run for 1024 lifecycles.
key_t lifecycle_key(std::uint32_t w, std::uint64_t n) {
  return static_cast<key_t>(kSysvTagValue | ((w & 0x3fU) << 10) | static_cast<unsigned>(n & 0x3ffU));
}

std::string describe_result(const SysError& e) { return errno_name(e.err); }

// One lifecycle's checks; returns "" or the first prediction that failed.
class Lifecycle {
 public:
  // `alone_in_process`: no other thread attaches meanwhile (process mode), so an address this
  // lifecycle detached cannot have been reused by another attachment.
  Lifecycle(key_t key, std::size_t size, std::mt19937_64& rng, bool alone_in_process)
      : key_(key), size_(size), rng_(rng), alone_(alone_in_process) {}
  ~Lifecycle() {
    for (void* a : attached_) (void)sys::shmdt(a);
    if (id_ >= 0 && !removed_) (void)sys::shmctl(id_, IPC_RMID, nullptr);
  }
  Lifecycle(const Lifecycle&) = delete;
  Lifecycle& operator=(const Lifecycle&) = delete;

  // Creates the lifecycle's segment. Errors: shmget's (EEXIST: the key is someone else's).
  Result<void> create() {
    auto id = sys::shmget(key_, size_, IPC_CREAT | IPC_EXCL | 0600);
    if (!id) return id.error();
    id_ = *id;
    return {};
  }

  // After create(): the first prediction that failed, or nullopt when every one held.
  std::optional<std::string> check() {
    if (auto again = sys::shmget(key_, size_, IPC_CREAT | IPC_EXCL | 0600); again || again.error().err != EEXIST) {
      return "shmget IPC_EXCL on an existing key: " + (again ? "succeeded" : describe_result(again.error())) +
             ", expected EEXIST";
    }
    if (auto same = sys::shmget(key_, 0, 0); !same || *same != id_) {
      return "shmget lookup by key: " + (same ? "id " + std::to_string(*same) : describe_result(same.error())) +
             ", expected id " + std::to_string(id_);
    }
    if (auto big = sys::shmget(key_, size_ + 4096, 0); big || big.error().err != EINVAL) {
      return "shmget with a size above the segment: " + (big ? "succeeded" : describe_result(big.error())) +
             ", expected EINVAL";
    }
    if (auto s = expect_stat(0600, 0, key_)) return "fresh segment: " + *s;

    const int k = 1 + static_cast<int>(rng_() % 3);
    for (int i = 0; i < k; ++i) {
      const int flags = i == 0 ? 0 : ((rng_() & 1U) != 0 ? SHM_RDONLY : 0);
      auto a = sys::shmat(id_, nullptr, flags);
      if (!a) return "shmat #" + std::to_string(i + 1) + ": " + a.error().message();
      attached_.push_back(*a);
      shmat_flags_.push_back(flags);
    }
    // Every page through every attachment in one lifecycle of kEveryPageEvery (populated first:
    // one call per attachment instead of a page fault per page); a sample of pages (first, last,
    // random) in the others.
    const std::vector<std::size_t> offsets = pages_to_check();
    const bool every_page = offsets.size() == size_ / sys::page_size();
    auto* first = static_cast<char*>(attached_[0]);
    if (auto taken = sys::shmat(id_, first + 100, SHM_RND); taken || taken.error().err != EINVAL) {
      if (taken) attached_.push_back(*taken);
      return "shmat SHM_RND onto an attached range: " + (taken ? "succeeded" : describe_result(taken.error())) +
             ", expected EINVAL";
    }
    if (auto s = expect_stat(0600, k, key_)) return "after " + std::to_string(k) + " attaches: " + *s;

    if (every_page) populate(first, shmat_flags_[0]);
    for (const std::size_t off : offsets) {
      if (std::atomic_ref<std::uint64_t>(*reinterpret_cast<std::uint64_t*>(first + off)).load() != 0) {
        return "a fresh segment is not zero at offset " + std::to_string(off);
      }
    }
    const std::uint64_t tag = rng_() | 1U;
    for (const std::size_t off : offsets) {
      std::atomic_ref<std::uint64_t>(*reinterpret_cast<std::uint64_t*>(first + off)).store(tag ^ off);
    }
    for (std::size_t a = 1; a < attached_.size(); ++a) {
      auto* view = static_cast<char*>(attached_[a]);
      if (every_page) populate(view, shmat_flags_[a]);
      for (const std::size_t off : offsets) {
        const std::uint64_t v = std::atomic_ref<std::uint64_t>(*reinterpret_cast<std::uint64_t*>(view + off)).load();
        if (v != (tag ^ off))
          return "attachment " + std::to_string(a + 1) + " reads another value at offset " + std::to_string(off);
      }
    }

    shmid_ds ds{};
    ds.shm_perm.uid = ::geteuid();
    ds.shm_perm.gid = ::getegid();
    ds.shm_perm.mode = 0640;
    if (auto set = sys::shmctl(id_, IPC_SET, &ds); !set) return "IPC_SET mode 0640: " + set.error().message();
    if (auto s = expect_stat(0640, k, key_)) return "after IPC_SET: " + *s;

    if (::geteuid() == 0) {
      if (auto l = sys::shmctl(id_, SHM_LOCK, nullptr); !l) return "SHM_LOCK as root: " + l.error().message();
      if (auto s = expect_stat(0640 | SHM_LOCKED, k, key_)) return "after SHM_LOCK: " + *s;
      if (auto u = sys::shmctl(id_, SHM_UNLOCK, nullptr); !u) return "SHM_UNLOCK: " + u.error().message();
      if (auto s = expect_stat(0640, k, key_)) return "after SHM_UNLOCK: " + *s;
    }

    if (auto rm = sys::shmctl(id_, IPC_RMID, nullptr); !rm) return "IPC_RMID while attached: " + rm.error().message();
    removed_ = true;
    if (auto s = expect_stat(0640 | SHM_DEST, k, IPC_PRIVATE)) return "after IPC_RMID while attached: " + *s;
    if (auto gone = sys::shmget(key_, 0, 0); gone || gone.error().err != ENOENT) {
      return "shmget by key after IPC_RMID: " +
             (gone ? "found id " + std::to_string(*gone) : describe_result(gone.error())) +
             ", expected ENOENT (the key is private now)";
    }
    auto late = sys::shmat(id_, nullptr, SHM_RDONLY);
    if (!late) return "shmat by id of a segment marked SHM_DEST (Linux allows it): " + late.error().message();
    attached_.push_back(*late);
    if (auto s = expect_stat(0640 | SHM_DEST, k + 1, IPC_PRIVATE)) return "after attaching a removed segment: " + *s;

    void* last = attached_.back();
    while (!attached_.empty()) {
      if (auto d = sys::shmdt(attached_.back()); !d) return "shmdt: " + d.error().message();
      attached_.pop_back();
    }
    shmid_ds gone_ds{};
    if (auto st = sys::shmctl(id_, IPC_STAT, &gone_ds); st || st.error().err != EINVAL) {
      return "IPC_STAT after the last detach of a removed segment: " +
             (st ? "succeeded" : describe_result(st.error())) + ", expected EINVAL (destroyed)";
    }
    // A second shmdt of the same address: only where no other thread may have attached there since.
    if (auto again = alone_ ? sys::shmdt(last) : Result<void>(sys_error(EINVAL, "shmdt"));
        again || again.error().err != EINVAL) {
      return "shmdt of an address no longer attached: " + (again ? "succeeded" : describe_result(again.error())) +
             ", expected EINVAL";
    }
    id_ = -1;
    return std::nullopt;
  }

 private:
  // The byte offsets of the pages this lifecycle checks: every page in one lifecycle of
  // kEveryPageEvery, else the first, the last and kSampledPages - 2 drawn at random.
  std::vector<std::size_t> pages_to_check() {
    const std::size_t page = sys::page_size();
    const std::size_t pages = size_ / page;
    std::vector<std::size_t> offsets;
    if (rng_() % kEveryPageEvery == 0 || pages <= kSampledPages) {
      offsets.reserve(pages);
      for (std::size_t p = 0; p < pages; ++p) offsets.push_back(p * page);
      return offsets;
    }
    offsets = {0, (pages - 1) * page};
    while (offsets.size() < kSampledPages) offsets.push_back(rng_() % pages * page);
    return offsets;
  }

  // Maps every page of an attachment in one call instead of one page fault per page (the page
  // faults were most of a lifecycle's time: README "Benchmarks"). Only a speed-up: the checks
  // below still read and write every page, and where the kernel has no MADV_POPULATE_* (before
  // 5.14) or refuses, they fault the pages in one by one as before.
  void populate(void* at, int shmat_flags) const {
    (void)sys::madvise(at, size_, (shmat_flags & SHM_RDONLY) != 0 ? MADV_POPULATE_READ : MADV_POPULATE_WRITE);
  }

  // The first field IPC_STAT reports differently from the prediction, or nullopt.
  std::optional<std::string> expect_stat(unsigned mode, int nattch, key_t key) const {
    shmid_ds ds{};
    if (auto st = sys::shmctl(id_, IPC_STAT, &ds); !st) return "IPC_STAT: " + st.error().message();
    std::string bad;
    auto differs = [&](const char* what, unsigned long long got, unsigned long long want, bool octal = false) {
      auto text = [octal](unsigned long long v) {
        return octal ? format_mode(static_cast<unsigned>(v)) : std::to_string(v);
      };
      if (got != want && bad.empty()) bad = std::string(what) + " " + text(got) + ", expected " + text(want);
    };
    differs("size", ds.shm_segsz, size_);
    differs("mode", ds.shm_perm.mode & 07777U, mode, /*octal=*/true);
    differs("nattch", ds.shm_nattch, static_cast<unsigned long long>(nattch));
    differs("cpid", static_cast<unsigned long long>(ds.shm_cpid), static_cast<unsigned long long>(::getpid()));
    differs("uid", ds.shm_perm.uid, ::geteuid());
    differs("key", static_cast<unsigned>(ds.shm_perm.__key), static_cast<unsigned>(key));
    if (bad.empty()) return std::nullopt;
    return "IPC_STAT " + bad;
  }

  key_t key_;
  std::size_t size_;
  std::mt19937_64& rng_;
  bool alone_;
  int id_ = -1;
  bool removed_ = false;
  std::vector<void*> attached_;
  std::vector<int> shmat_flags_;  // of the first attachments, in order
};

ChildReport worker_body(const Churn& c, std::uint32_t w) {
  PeerRecord& rec = c.board.writer(w);
  OpenLifecycle& open = rec.state<OpenLifecycle>();
  rec.begin(PeerOp::kOpen);
  auto shared = sys::shmat(c.shared_id, nullptr, 0);
  if (!shared) return ChildReport{1, "shmat of the shared segment: " + shared.error().message()};
  auto* counters = static_cast<std::uint64_t*>(*shared);
  std::vector<std::uint64_t> seen(kSharedSlots, 0);
  std::mt19937_64 rng(derive_seed(c.env.seed, (std::uint64_t{rec.incarnation.load()} << 16) | w));
  const std::uint64_t quota = writer_quota(c.env.phase.messages, c.board.writers(), w);
  while (!c.board.stop_writing() && !c.board.aborted() && rec.progress.load() < quota) {
    const std::uint64_t n = rec.progress.load();
    const key_t key = lifecycle_key(w, n);
    open.key.store(key);
    open.open.store(1);  // a segment under `key` may exist: the runner removes it after a kill
    rec.begin(PeerOp::kSyscall, n);
    std::optional<std::string> mismatch;
    bool key_taken = false;
    {
      Lifecycle life(key, c.size, rng, c.env.options.mode == PeerMode::kProcesses);
      if (auto created = life.create(); !created) {
        key_taken = created.error().err == EEXIST;
        mismatch = "shmget create: " + created.error().message();
      } else {
        mismatch = life.check();
      }
    }
    open.open.store(0);
    if (key_taken) {
      rec.progress.fetch_add(1);  // the key belongs to someone else: the next one
      continue;
    }
    rec.recorder.record(static_cast<std::uint8_t>(PeerOp::kSyscall),
                        mismatch ? FlightOutcome::kCorrupt : FlightOutcome::kOk, rec.incarnation.load(),
                        static_cast<std::uint32_t>(std::min<std::size_t>(c.size, UINT32_MAX)), w, n, 0);
    if (!mismatch) {
      rec.ok.fetch_add(1);
    } else {
      rec.corrupt.fetch_add(1);
      rec.note_problem("worker " + std::to_string(w) + " lifecycle " + std::to_string(n) + ": " + *mismatch);
    }
    // Cross-process: bump our counter in the shared segment; nobody's counter may go back.
    std::atomic_ref<std::uint64_t>(counters[std::size_t{w} * 8]).store(n + 1, std::memory_order_release);
    for (std::uint32_t j = 0; j < c.board.writers(); ++j) {
      const std::uint64_t v =
          std::atomic_ref<std::uint64_t>(counters[std::size_t{j} * 8]).load(std::memory_order_acquire);
      if (v < seen[j]) {
        rec.corrupt.fetch_add(1);
        rec.note_problem("worker " + std::to_string(w) + " saw worker " + std::to_string(j) +
                         "'s counter go back from " + std::to_string(seen[j]) + " to " + std::to_string(v) +
                         " in the shared segment");
      }
      seen[j] = v > seen[j] ? v : seen[j];
    }
    rec.done_one(c.size);
  }
  (void)sys::shmdt(*shared);
  rec.finish();
  return {};
}

// The victim's lifecycle segment, if it had one open: removed (its attachments died with it).
void remove_open_lifecycle(const Churn& c, PeerId id) {
  PeerRecord& rec = c.board.writer(id.index);
  OpenLifecycle& open = rec.state<OpenLifecycle>();
  if (open.open.load() != 0) {
    const key_t key = open.key.load();
    // Never trust the record's key: only a tagged key can be one of ours.
    if (is_tagged_key(key)) {
      if (auto leftover = sys::shmget(key, 0, 0)) (void)sys::shmctl(*leftover, IPC_RMID, nullptr);
    }
    open.open.store(0);
  }
  rec.progress.fetch_add(1);  // its lifecycle number is spent: the restart takes a fresh key
}

std::optional<std::string> unsupported(const WorkloadEnv& env) {
  if (env.phase.writers == 0) return "needs at least one worker (--writers)";
  return std::nullopt;
}

std::string describe(const Phase& p, const StressOptions& options) {
  return std::to_string(p.writers) + " workers, " + std::to_string(option_value(options, kSegmentSize)) +
         " MiB segments";
}

PhaseOutcome run(WorkloadEnv& env) {
  PhaseOutcome out;
  out.result.phase = env.phase;
  out.result.phase.readers = 0;
  auto board = PeerBoard::create(env.phase.writers, 0);
  if (!board) {
    out.error = board.error();
    return out;
  }
  board->init_states<OpenLifecycle>();
  auto shared = sys::shmget(IPC_PRIVATE, kSharedSlots * 64, IPC_CREAT | 0600);
  if (!shared) {
    out.error = shared.error();
    return out;
  }
  Churn c{.env = env,
          .board = std::move(*board),
          .shared_id = *shared,
          .size = static_cast<std::size_t>(option_value(env.options, kSegmentSize)) << 20};
  DriveOutcome drive;
  {
    PeerGroup group(env.options.mode, c.board, [&c](PeerId id) -> ChildReport { return worker_body(c, id.index); });
    const DriveConfig config{
        .on_kill = [&c](PeerId id) { remove_open_lifecycle(c, id); },
        .describe_op = [](PeerId,
                          const PeerRecord& rec) { return "in lifecycle " + std::to_string(rec.op_arg.load()); }};
    drive = drive_phase(group, c.board, env, config);
  }
  (void)sys::shmctl(c.shared_id, IPC_RMID, nullptr);
  take_drive(drive, out);
  Counts& counts = out.result.counts;
  std::string example;
  for (std::uint32_t w = 0; w < c.board.writers(); ++w) {
    const PeerRecord& rec = c.board.writer(w);
    counts.sent += rec.ok.load() + rec.corrupt.load();
    counts.received += rec.ok.load();
    counts.corrupt += rec.corrupt.load();
    counts.bytes += rec.ok.load() * c.size;
    if (example.empty() && rec.first_problem_set.load() != 0) example = rec.first_problem;
  }
  if (counts.corrupt > 0) {
    out.findings.push_back(Finding{.kind = FindingKind::kChurnMismatch,
                                   .phase = env.phase.name,
                                   .detail = std::to_string(counts.corrupt) + " prediction(s) failed: " + example});
  }
  attach_history(out.findings, c.board, drive);
  return out;
}

constexpr std::array<const WorkloadOption*, 1> kOptions{&kSegmentSize};

}  // namespace

const WorkloadDescriptor& churn_workload() {
  static const WorkloadDescriptor descriptor{
      .name = "churn",
      .help = "System V create/attach/IPC_STAT/IPC_SET/SHM_LOCK/IPC_RMID/detach storm, every result checked",
      .uses_channel = false,
      .has_readers = false,
      .unit = "lifecycles/s",
      .backends = kSysvOnly,
      .defaults = {.writers = 2, .readers = 0, .msg_min = 8, .msg_max = 256, .capacity = 64},
      .options = kOptions,
      .describe = describe,
      .unsupported = unsupported,
      .run = run,
  };
  return descriptor;
}

}  // namespace shmh::stress
