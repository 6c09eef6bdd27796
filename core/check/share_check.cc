#include "core/check/share_check.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>

#include "core/check/pattern.h"
#include "core/process/child_process.h"
#include "core/segment/shared_region.h"
#include "core/units.h"

namespace shmh {
namespace {

std::string mismatch_text(const char* who, std::size_t offset) {
  return std::string(who) + " saw a wrong byte at offset " + std::to_string(offset);
}

// Runs `body` in a child and turns anything but a clean exit into a failure text.
std::optional<std::string> in_child(const ChildProcess::Body& body, std::chrono::milliseconds timeout) {
  auto child = ChildProcess::spawn(body);
  if (!child) return child.error().message();
  auto exit = child->wait(timeout);
  if (!exit) return exit.error().message();  // the destructor kills and reaps a stuck child
  if (!exit->ok()) return "child " + exit->describe();
  return std::nullopt;
}

BackendVerdict check_backend(Backend backend, const ShareCheckOptions& options) {
  BackendVerdict v{.backend = backend};
  const auto start = std::chrono::steady_clock::now();
  const std::uint64_t seed_child = options.seed ^ (0x1000 + static_cast<std::uint64_t>(backend));
  const std::uint64_t seed_parent = ~seed_child;
  auto finish = [&](std::string detail, Outcome outcome) {
    v.detail = std::move(detail);
    v.outcome = outcome;
    v.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return v;
  };

  auto region = SharedRegion::create(backend, options.size);
  if (!region) return finish(region.error().message(), Outcome::kError);
  const std::string address = region->address();
  // The creator's mapping, made before any child writes: it must see what they write.
  const std::span<std::byte> mapping = region->bytes();

  // 1. A child maps the segment itself and writes; our mapping, made before, must see it.
  if (auto failed = in_child(
          [&]() -> ChildReport {
            auto own = SharedRegion::open(address);
            if (!own) return own.error().message();
            fill_pattern(own->bytes(), seed_child);
            return "";
          },
          options.child_timeout)) {
    return finish("writer " + *failed, Outcome::kFail);
  }
  if (auto bad = find_pattern_mismatch(mapping, seed_child)) {
    return finish(mismatch_text("parent", *bad), Outcome::kFail);
  }

  // 2. The other direction: we write, a new child's own mapping must see it.
  fill_pattern(mapping, seed_parent);
  if (auto failed = in_child(
          [&]() -> ChildReport {
            auto own = SharedRegion::open(address);
            if (!own) return own.error().message();
            if (auto bad = find_pattern_mismatch(own->bytes(), seed_parent)) return mismatch_text("reader child", *bad);
            return "";
          },
          options.child_timeout)) {
    return finish("reader " + *failed, Outcome::kFail);
  }
  v.bytes_checked = 2 * static_cast<std::uint64_t>(mapping.size());

  // 3. Remove it; it must be gone: opening the same address again has to fail as the kernel says
  //    for a removed object (shmat EINVAL, shm_open ENOENT, no /proc/<pid>/fd entry).
  if (auto r = region->remove(); !r) return finish(r.error().message(), Outcome::kError);
  auto again = SharedRegion::open(address);
  if (again) return finish(address + " still opens after its removal", Outcome::kFail);
  if (again.error().err != EINVAL && again.error().err != EIDRM && again.error().err != ENOENT) {
    return finish(again.error().message(), Outcome::kError);
  }
  return finish("child wrote, parent read; parent wrote, child read; removed", Outcome::kPass);
}

}  // namespace

Outcome ShareCheckResult::outcome() const {
  auto any = [&](Outcome o) {
    return std::any_of(backends.begin(), backends.end(), [o](const auto& b) { return b.outcome == o; });
  };
  if (any(Outcome::kFail)) return Outcome::kFail;
  if (any(Outcome::kError) || backends.empty()) return Outcome::kError;
  return Outcome::kPass;
}

const char* to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::kPass:
      return "pass";
    case Outcome::kFail:
      return "fail";
    case Outcome::kError:
      return "error";
  }
  return "?";
}

Result<void> check_share_options(const ShareCheckOptions& options) {
  if (options.size == 0) return logic_error("share check", "size must be at least 1 byte");
  if (options.backends.empty()) return logic_error("share check", "no backend selected");
  if (options.memory_budget && options.size > *options.memory_budget) {
    return logic_error("share check", "a " + format_bytes(options.size) + " segment but only " +
                                          format_bytes(*options.memory_budget) +
                                          " of memory is available (MemAvailable); use a smaller --size, or add "
                                          "--force to try anyway");
  }
  return {};
}

Result<ShareCheckResult> run_share_check(const ShareCheckOptions& options) {
  if (auto valid = check_share_options(options); !valid) return valid.error();
  ShareCheckResult result{.seed = options.seed};
  for (const Backend b : options.backends) result.backends.push_back(check_backend(b, options));
  return result;
}

}  // namespace shmh
