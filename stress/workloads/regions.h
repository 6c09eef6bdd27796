// `regions`: no channel. One segment (any backend) holds one region per writer; each writer
// rewrites its region under a seqlock, readers read any region and must never accept a torn
// record (words from two versions) or a stale one (a version older than one they accepted before).
// In process mode every peer maps the segment itself: the kernel's coherence across mappings and
// processes is what is tested. Counts: sent = records written, received = records accepted,
// corrupt = torn records accepted, reordered = stale records accepted; --msg-size MAX is the
// record size.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "stress/workload.h"

namespace shmh::stress {

const WorkloadDescriptor& regions_workload();

// The value of payload word `i` of `writer`'s record at `version` (depends on all four and the seed).
std::uint64_t region_word(std::uint64_t seed, std::uint32_t writer, std::uint64_t version, std::size_t i) noexcept;

// Why a copy a reader accepted (the seqlock word was `seqlock`, even, before and after) is not one
// whole record of region `region` at version seqlock / 2 — nullopt when it is. What a reader checks.
std::optional<std::string> region_record_problem(std::uint64_t seed, std::uint32_t region, std::uint64_t seqlock,
                                                 std::uint64_t version, std::uint64_t writer,
                                                 std::span<const std::uint64_t> words);

}  // namespace shmh::stress
