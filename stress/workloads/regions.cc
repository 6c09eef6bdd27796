#include "stress/workloads/regions.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "core/random/splitmix.h"
#include "core/segment/shared_region.h"
#include "stress/finding_history.h"
#include "stress/peer_board.h"
#include "stress/peer_group.h"
#include "stress/phase_driver.h"

namespace shmh::stress {
namespace {

// A region: the seqlock word, then the record — its version and writer, then payload words whose
// values depend on (seed, writer, version, index), so any word from another version is detected.
struct RegionLayout {
  std::size_t words = 0;   // payload words
  std::size_t stride = 0;  // bytes per region, a multiple of 64
};

RegionLayout layout_for(std::uint32_t record_bytes) {
  RegionLayout l;
  l.words = (record_bytes + 7) / 8;
  l.stride = ((3 + l.words) * 8 + 63) / 64 * 64;
  return l;
}

}  // namespace

std::uint64_t region_word(std::uint64_t seed, std::uint32_t writer, std::uint64_t version, std::size_t i) noexcept {
  return splitmix64_mix(seed ^ (std::uint64_t{writer} << 48) ^ (version * kGoldenGamma) ^ (i * 0xd1b54a32d192ed03ULL));
}

std::optional<std::string> region_record_problem(std::uint64_t seed, std::uint32_t region, std::uint64_t seqlock,
                                                 std::uint64_t version, std::uint64_t writer,
                                                 std::span<const std::uint64_t> words) {
  if (version != seqlock / 2 || writer != region) {
    return "header says writer " + std::to_string(writer) + " version " + std::to_string(version);
  }
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (words[i] != region_word(seed, region, version, i))
      return "word " + std::to_string(i) + " is from another version";
  }
  return std::nullopt;
}

namespace {

class RegionView {
 public:
  RegionView(std::span<std::byte> bytes, const RegionLayout& layout) : bytes_(bytes), layout_(layout) {}
  std::atomic_ref<std::uint64_t> word(std::uint32_t region, std::size_t i) const {
    auto* p = reinterpret_cast<std::uint64_t*>(bytes_.data() + region * layout_.stride);
    return std::atomic_ref<std::uint64_t>(p[i]);
  }

 private:
  std::span<std::byte> bytes_;
  RegionLayout layout_;
};

constexpr std::size_t kSeq = 0, kVersion = 1, kWriter = 2, kPayload = 3;

struct Regions {
  const WorkloadEnv& env;
  PeerBoard board;
  SharedRegion segment;
  RegionLayout layout;
};

// The segment as this peer sees it: a process maps it itself (into `own`) — its own mapping is what
// tests the kernel's coherence across processes; a thread uses the runner's.
Result<std::span<std::byte>> peer_mapping(const Regions& r, SharedRegion& own) {
  if (r.env.options.mode != PeerMode::kProcesses) return r.segment.bytes();
  auto opened = SharedRegion::open(r.segment.address());
  if (!opened) return opened.error();
  own = std::move(*opened);
  return own.bytes();
}

ChildReport writer_body(const Regions& r, std::uint32_t w) {
  PeerRecord& rec = r.board.writer(w);
  rec.begin(PeerOp::kOpen);
  SharedRegion own;
  auto bytes = peer_mapping(r, own);
  if (!bytes) return ChildReport{1, "open " + r.segment.address() + ": " + bytes.error().message()};
  const RegionView view(*bytes, r.layout);
  const std::uint64_t seed = r.env.seed;
  const std::uint64_t quota = writer_quota(r.env.phase.messages, r.board.writers(), w);
  // A killed incarnation may have left the word odd: finish that write even if the run is stopping,
  // or readers would wait for it forever.
  bool repair = (view.word(w, kSeq).load(std::memory_order_relaxed) & 1U) != 0;
  while (repair || (!r.board.stop_writing() && !r.board.aborted() && rec.progress.load() < quota)) {
    repair = false;
    const std::uint64_t s = view.word(w, kSeq).load(std::memory_order_relaxed) | 1U;
    const std::uint64_t version = (s + 1) / 2;
    rec.begin(PeerOp::kWrite, version);
    view.word(w, kSeq).store(s, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);  // the odd word is visible before any data
    view.word(w, kVersion).store(version, std::memory_order_relaxed);
    view.word(w, kWriter).store(w, std::memory_order_relaxed);
    for (std::size_t i = 0; i < r.layout.words; ++i) {
      view.word(w, kPayload + i).store(region_word(seed, w, version, i), std::memory_order_relaxed);
    }
    view.word(w, kSeq).store(s + 1, std::memory_order_release);  // the data is visible before the even word
    rec.recorder.record(static_cast<std::uint8_t>(PeerOp::kWrite), FlightOutcome::kOk, rec.incarnation.load(),
                        static_cast<std::uint32_t>(r.layout.words * 8), w, version, 0);
    rec.done_one(r.layout.words * 8);
  }
  rec.finish();
  return {};
}

ChildReport reader_body(const Regions& r, std::uint32_t reader) {
  PeerRecord& rec = r.board.reader(reader);
  rec.begin(PeerOp::kOpen);
  SharedRegion own;
  auto bytes = peer_mapping(r, own);
  if (!bytes) return ChildReport{1, "open " + r.segment.address() + ": " + bytes.error().message()};
  const RegionView view(*bytes, r.layout);
  const std::uint64_t seed = r.env.seed;
  const std::uint32_t writers = r.board.writers();
  std::vector<std::uint64_t> last(writers, 0);
  std::vector<std::uint64_t> copy(r.layout.words);
  SplitMix64 rng(derive_seed(seed, (std::uint64_t{rec.incarnation.load()} << 16) | reader));
  // After the writers are done, one last pass over every region, then end.
  std::uint32_t final_pass = 0;
  for (;;) {
    if (r.board.aborted()) break;
    const bool done = r.board.writers_done();
    if (done && final_pass >= writers) break;
    const auto w = done ? final_pass : static_cast<std::uint32_t>(rng() % writers);
    rec.begin(PeerOp::kRead, w);
    const std::uint64_t s1 = view.word(w, kSeq).load(std::memory_order_acquire);
    if ((s1 & 1U) != 0 || s1 == 0) {
      if (done && s1 == 0) ++final_pass;  // never written: nothing to check
      continue;                           // being written (or its writer was killed mid-write)
    }
    const std::uint64_t version = view.word(w, kVersion).load(std::memory_order_relaxed);
    const std::uint64_t writer = view.word(w, kWriter).load(std::memory_order_relaxed);
    for (std::size_t i = 0; i < r.layout.words; ++i)
      copy[i] = view.word(w, kPayload + i).load(std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_acquire);                     // the copy is complete before the re-check
    if (view.word(w, kSeq).load(std::memory_order_relaxed) != s1) continue;  // changed meanwhile: retry
    if (done) ++final_pass;
    // Accepted: it must be one whole record of version s1/2 by writer w.
    FlightOutcome outcome = FlightOutcome::kOk;
    if (const auto bad = region_record_problem(seed, w, s1, version, writer, copy)) {
      outcome = FlightOutcome::kCorrupt;
      PeerRecord::add(rec.corrupt, 1);
      rec.note_problem("reader " + std::to_string(reader) + " accepted region " + std::to_string(w) + " at seqlock " +
                       std::to_string(s1) + ": " + *bad);
    } else if (version < last[w]) {
      outcome = FlightOutcome::kReordered;
      PeerRecord::add(rec.reordered, 1);
      rec.note_problem("reader " + std::to_string(reader) + " accepted region " + std::to_string(w) + " version " +
                       std::to_string(version) + " after version " + std::to_string(last[w]));
    } else {
      last[w] = version;
      PeerRecord::add(rec.ok, 1);
    }
    // The version the seqlock word promised (s1 / 2): the one a torn record claims may be garbage.
    rec.recorder.record(static_cast<std::uint8_t>(PeerOp::kRead), outcome, rec.incarnation.load(),
                        static_cast<std::uint32_t>(r.layout.words * 8), w, s1 / 2, 0);
    rec.done_one(r.layout.words * 8);
    if (r.env.phase.reader_pause_us != 0 && rec.ok.load() % 64 == 0) {
      std::this_thread::sleep_for(std::chrono::microseconds(r.env.phase.reader_pause_us));
    }
  }
  rec.finish();
  return {};
}

std::optional<std::string> unsupported(const WorkloadEnv& env) {
  if (env.phase.writers == 0 || env.phase.readers == 0) return "needs at least one writer and one reader";
  return std::nullopt;
}

std::string describe(const Phase& p, const StressOptions& /*options*/) {
  return std::to_string(p.writers) + "w/" + std::to_string(p.readers) + "r " + std::to_string(p.msg_max) + " B records";
}

PhaseOutcome run(WorkloadEnv& env) {
  PhaseOutcome out;
  out.result.phase = env.phase;
  auto board = PeerBoard::create(env.phase.writers, env.phase.readers);
  if (!board) {
    out.error = board.error();
    return out;
  }
  const RegionLayout layout = layout_for(env.phase.msg_max);
  auto segment = SharedRegion::create(env.options.backend, layout.stride * env.phase.writers);
  if (!segment) {
    out.error = segment.error();
    return out;
  }
  Regions r{.env = env, .board = std::move(*board), .segment = std::move(*segment), .layout = layout};
  DriveOutcome drive;
  {
    PeerGroup group(env.options.mode, r.board, [&r](PeerId id) -> ChildReport {
      return id.role == Role::kWriter ? writer_body(r, id.index) : reader_body(r, id.index);
    });
    const DriveConfig config{.on_kill = {}, .describe_op = [](PeerId id, const PeerRecord& rec) -> std::string {
                               return id.role == Role::kWriter ? "of version " + std::to_string(rec.op_arg.load())
                                                               : "of region " + std::to_string(rec.op_arg.load());
                             }};
    drive = drive_phase(group, r.board, env, config);
  }
  take_drive(drive, out);
  Counts& c = out.result.counts;
  std::string torn, stale;
  for (std::uint32_t w = 0; w < r.board.writers(); ++w) c.sent += r.board.writer(w).progress.load();
  for (std::uint32_t i = 0; i < r.board.readers(); ++i) {
    const PeerRecord& rec = r.board.reader(i);
    c.received += rec.ok.load();
    c.bytes += rec.bytes.load();
    c.corrupt += rec.corrupt.load();
    c.reordered += rec.reordered.load();
    if (rec.first_problem_set.load() != 0) (rec.corrupt.load() != 0 ? torn : stale) = rec.first_problem;
  }
  if (auto removed = r.segment.remove(); !removed) {
    out.findings.push_back(
        Finding{.kind = FindingKind::kLeak, .phase = env.phase.name, .detail = removed.error().message()});
  }
  if (c.corrupt > 0) {
    out.findings.push_back(Finding{.kind = FindingKind::kTornRead,
                                   .phase = env.phase.name,
                                   .detail = std::to_string(c.corrupt) + " torn record(s) accepted: " + torn});
  }
  if (c.reordered > 0) {
    out.findings.push_back(Finding{.kind = FindingKind::kStaleRead,
                                   .phase = env.phase.name,
                                   .detail = std::to_string(c.reordered) + " stale record(s) accepted: " + stale});
  }
  attach_history(out.findings, r.board, drive);
  return out;
}

}  // namespace

const WorkloadDescriptor& regions_workload() {
  static const WorkloadDescriptor descriptor{
      .name = "regions",
      .help = "writers rewrite their regions of one segment under a seqlock; readers must never accept a torn record",
      .uses_channel = false,
      .has_readers = true,
      .unit = "records/s",
      .backends = kAllBackends,
      .defaults = {},
      .options = {},
      .describe = describe,
      .unsupported = unsupported,
      .run = run,
  };
  return descriptor;
}

}  // namespace shmh::stress
