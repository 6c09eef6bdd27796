#include "core/limits/probe.h"

#include <sys/shm.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "core/process/child_process.h"
#include "core/sandbox/sandbox.h"
#include "core/segment/posix_segment.h"
#include "core/segment/sysv_segment.h"
#include "core/segment/tag.h"
#include "core/sys/sys.h"
#include "core/units.h"

namespace shmh {
namespace {

struct Prober {
  const LimitsSnapshot& host;
  const ProbeOptions& options;
  bool tagged;  // outside a sandbox: tagged keys and names

  Result<SysvSegment> sysv(std::size_t size, int extra_flags = 0) const {
    if (tagged && extra_flags == 0) return SysvSegment::create_tagged(size);
    if (tagged) {
      return SysvSegment::create({.key = random_tagged_key(), .size = size, .extra_flags = extra_flags});
    }
    return SysvSegment::create({.size = size, .extra_flags = extra_flags});
  }

  // Touches every page, reporting progress every 64 MiB.
  void touch(const Mapping& m, const char* step) const {
    const std::size_t page = host.page_size;
    for (std::size_t off = 0; off < m.size(); off += page) {
      m.data()[off] = std::byte{1};
      if (options.progress && off % (64 << 20) == 0 && off != 0) options.progress({step, off, m.size()});
    }
    if (options.progress && m.size() >= (64U << 20)) options.progress({step, m.size(), m.size()});
  }

  ProbeItem segment_size(std::uint64_t size) const {
    auto s = sysv(size);
    if (!s)
      return {RequirementItem::kSegmentSize, false,
              "one segment of " + format_bytes(size) + ": " + s.error().message()};
    auto m = s->attach();
    if (!m) return {RequirementItem::kSegmentSize, false, m.error().message()};
    touch(*m, "segment-size");
    return {RequirementItem::kSegmentSize, true, "created, attached and touched one segment of " + format_bytes(size)};
  }

  ProbeItem segments(std::uint64_t count) const {
    std::vector<SysvSegment> segs;
    segs.reserve(count);
    for (std::uint64_t i = 0; i < count; ++i) {
      auto s = sysv(host.page_size);
      if (!s) {
        return {RequirementItem::kSegments, false,
                "segment " + std::to_string(i + 1) + " of " + std::to_string(count) + ": " + s.error().message()};
      }
      segs.push_back(std::move(*s));
    }
    return {RequirementItem::kSegments, true, "created " + std::to_string(count) + " segments"};
  }

  ProbeItem total(std::uint64_t bytes) const {
    std::vector<SysvSegment> segs;
    std::uint64_t left = bytes;
    while (left > 0) {
      const std::uint64_t size = std::min<std::uint64_t>(left, std::max<std::uint64_t>(host.shmmax, host.page_size));
      auto s = sysv(size);
      if (!s) {
        return {RequirementItem::kTotal, false,
                "after " + format_bytes(bytes - left) + " in " + std::to_string(segs.size()) +
                    " segment(s): " + s.error().message()};
      }
      auto m = s->attach();
      if (!m) return {RequirementItem::kTotal, false, m.error().message()};
      touch(*m, "total");
      segs.push_back(std::move(*s));
      left -= size;
    }
    return {RequirementItem::kTotal, true,
            "created and touched " + format_bytes(bytes) + " in " + std::to_string(segs.size()) + " segment(s)"};
  }

  ProbeItem posix(std::uint64_t bytes) const {
    auto p = tagged ? PosixSegment::create_tagged(bytes) : PosixSegment::create({.name = "/shmh-probe", .size = bytes});
    if (!p) return {RequirementItem::kPosix, false, p.error().message()};
    // Reserve first: a full /dev/shm answers ENOSPC here instead of SIGBUS on a touched page.
    if (auto r = p->allocate(0, bytes); !r) return {RequirementItem::kPosix, false, r.error().message()};
    auto m = p->map();
    if (!m) return {RequirementItem::kPosix, false, m.error().message()};
    touch(*m, "posix");
    return {RequirementItem::kPosix, true, "reserved and touched " + format_bytes(bytes) + " in /dev/shm"};
  }

  ProbeItem locked(std::uint64_t bytes) const {
    if (bytes == 0) return {RequirementItem::kLocked, true, "nothing to lock"};
    auto s = sysv(bytes);
    if (!s) return {RequirementItem::kLocked, false, s.error().message()};
    if (auto r = s->lock(); !r)
      return {RequirementItem::kLocked, false, "SHM_LOCK of " + format_bytes(bytes) + ": " + r.error().message()};
    auto m = s->attach();
    if (m) touch(*m, "locked");
    (void)s->unlock();
    return {RequirementItem::kLocked, true,
            "SHM_LOCKed " + format_bytes(bytes) +
                (host.cap_ipc_lock ? " (with CAP_IPC_LOCK: the rlimit did not apply)" : "")};
  }

  ProbeItem hugepages(std::uint64_t count) const {
    if (count == 0) return {RequirementItem::kHugepages, true, "no huge pages asked for"};
    if (host.hugepage_size == 0) return {RequirementItem::kHugepages, false, "no huge page support (Hugepagesize)"};
    auto s = sysv(count * host.hugepage_size, SHM_HUGETLB);
    if (!s) return {RequirementItem::kHugepages, false, "SHM_HUGETLB segment: " + s.error().message()};
    auto m = s->attach();
    if (!m) return {RequirementItem::kHugepages, false, m.error().message()};
    for (std::size_t off = 0; off < m->size(); off += host.hugepage_size) m->data()[off] = std::byte{1};
    return {RequirementItem::kHugepages, true, "mapped and touched " + std::to_string(count) + " huge pages"};
  }

  std::vector<ProbeItem> run(const std::vector<Requirement>& requirements) const {
    std::vector<ProbeItem> out;
    for (const auto& r : requirements) {
      switch (r.item) {
        case RequirementItem::kSegments:
          out.push_back(segments(r.value));
          break;
        case RequirementItem::kSegmentSize:
          out.push_back(segment_size(r.value));
          break;
        case RequirementItem::kTotal:
          out.push_back(total(r.value));
          break;
        case RequirementItem::kPosix:
          out.push_back(posix(r.value));
          break;
        case RequirementItem::kLocked:
          out.push_back(locked(r.value));
          break;
        case RequirementItem::kHugepages:
          out.push_back(hugepages(r.value));
          break;
      }
    }
    return out;
  }
};

// "item|0|detail" lines: how the sandboxed child sends its results back.
std::string encode(const std::vector<ProbeItem>& items) {
  std::string out;
  for (const auto& i : items) {
    std::string detail = i.detail;
    std::replace(detail.begin(), detail.end(), '\n', ' ');
    out += std::to_string(static_cast<int>(i.item)) + "|" + (i.pass ? "1" : "0") + "|" + detail + "\n";
  }
  return out;
}

std::vector<ProbeItem> decode(const std::string& text) {
  std::vector<ProbeItem> out;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t nl = text.find('\n', start);
    const std::string line = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    start = nl == std::string::npos ? text.size() : nl + 1;
    const auto a = line.find('|');
    const auto b = line.find('|', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    out.push_back({static_cast<RequirementItem>(std::stoi(line.substr(0, a))), line.substr(a + 1, b - a - 1) == "1",
                   line.substr(b + 1)});
  }
  return out;
}

}  // namespace

std::uint64_t probe_bytes(const LimitsSnapshot& host, const std::vector<Requirement>& requirements) {
  std::uint64_t bytes = 0;
  for (const auto& r : requirements) {
    switch (r.item) {
      case RequirementItem::kSegments:
        bytes += r.value * host.page_size;
        break;
      case RequirementItem::kHugepages:
        bytes += r.value * host.hugepage_size;
        break;
      default:
        bytes += r.value;
        break;
    }
  }
  return bytes;
}

Result<ProbeResult> run_probe(const LimitsSnapshot& host, const std::vector<Requirement>& requirements,
                              const ProbeOptions& options) {
  ProbeResult result;
  result.bytes = probe_bytes(host, requirements);
  if (result.bytes > options.max_bytes) {
    return logic_error("probe", "it would touch " + format_bytes(result.bytes) + ", more than --max-bytes " +
                                    format_bytes(options.max_bytes) + "; raise --max-bytes to allow it");
  }
  if (result.bytes > host.mem_available && !options.force) {
    return logic_error("probe", "it would touch " + format_bytes(result.bytes) + " but only " +
                                    format_bytes(host.mem_available) +
                                    " is available (MemAvailable); add --force to probe anyway");
  }

  // A sandbox whose limits are the host's headroom: what the host would still allow.
  auto headroom = [](std::uint64_t limit, std::uint64_t used) { return limit > used ? limit - used : 0; };
  const SandboxLimits mirror{.shmmax = host.shmmax,
                             .shmall = headroom(host.shmall, host.sysv_pages_used),
                             .shmmni = std::min<std::uint64_t>(headroom(host.shmmni, host.sysv_segments_used), 32768),
                             .shm_rmid_forced = std::nullopt,
                             .dev_shm_bytes = std::max<std::uint64_t>(host.dev_shm_free, host.page_size)};
  auto child = spawn_sandboxed(mirror, [&]() -> ChildReport {
    const Prober prober{host, options, /*tagged=*/false};
    return ChildReport{0, encode(prober.run(requirements))};
  });
  if (!child) return child.error();
  auto exit = child->wait();
  if (!exit) return exit.error();
  if (exit->code == 0 && exit->signal == 0) {
    result.where = "a sandbox mirroring the host's headroom";
    result.items = decode(exit->message);
    return result;
  }
  if (exit->code != kSandboxUnavailableExit) {
    return logic_error("probe", "the probing process " + exit->describe());
  }
  // No sandbox here: probe in the host's namespaces with tagged objects (removed on return).
  const Prober prober{host, options, /*tagged=*/true};
  result.where = "the host's namespaces with tagged objects (no sandbox: " + exit->message + ")";
  result.items = prober.run(requirements);
  return result;
}

}  // namespace shmh
