#include "cli/smoke_command.h"

#include <sys/random.h>
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "cli/exit_codes.h"
#include "cli/supervised_run.h"
#include "core/check/share_check.h"
#include "core/sandbox/sandbox.h"
#include "core/units.h"

namespace shmh::cli {
namespace {

std::uint64_t random_seed() {
  std::uint64_t seed = 0;
  if (::getrandom(&seed, sizeof seed, 0) != static_cast<ssize_t>(sizeof seed))
    seed = static_cast<std::uint64_t>(::getpid());
  return seed;
}

const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::kPass:
      return "PASS";
    case Outcome::kFail:
      return "FAIL";
    case Outcome::kError:
      return "ERROR";
  }
  return "?";
}

// Runs the check and prints its report; returns the exit code.
int check_and_report(const ShareCheckOptions& check, bool quiet) {
  std::fflush(stdout);  // before forking, so children do not repeat buffered output
  auto result = run_share_check(check);
  if (!result) {
    std::fprintf(stderr, "shmharness smoke: %s\n", result.error().message().c_str());
    return kExitUsage;
  }
  std::size_t passed = 0;
  for (const auto& b : result->backends) {
    passed += b.outcome == Outcome::kPass ? 1 : 0;
    if (!quiet) {
      std::printf("  %-6s %-5s %s checked in %.1f ms: %s\n", std::string(to_string(b.backend)).c_str(),
                  outcome_name(b.outcome), format_bytes(b.bytes_checked).c_str(), b.seconds * 1e3, b.detail.c_str());
    }
    if (b.outcome == Outcome::kError) {
      std::fprintf(stderr, "shmharness smoke: %s: %s\n", std::string(to_string(b.backend)).c_str(), b.detail.c_str());
    }
  }
  const Outcome overall = result->outcome();
  std::printf("verdict: %s (%zu of %zu backends share memory correctly)\n", outcome_name(overall), passed,
              result->backends.size());
  switch (overall) {
    case Outcome::kPass:
      return kExitOk;
    case Outcome::kFail:
      return kExitFinding;
    case Outcome::kError:
      return kExitUsage;
  }
  return kExitUsage;
}

}  // namespace

void setup_smoke(CLI::App& app, Runner& runner) {
  auto options = std::make_shared<SmokeOptions>();
  CLI::App* sub =
      app.add_subcommand("smoke", "Prove that processes share memory through each backend (the quick check)");
  sub->footer(
      "Prove that processes share memory through each backend: a child writes a seeded pattern that the\n"
      "parent must read, the parent writes one a second child must read, then the segment is removed and\n"
      "must be gone. Runs in a private IPC + /dev/shm namespace. Exit 0 pass, 1 mismatch, 2 cannot run.\n");
  sub->add_option("--backend", options->backends, "Backends to check (repeatable)")
      ->check(CLI::IsMember({"sysv", "posix", "memfd"}))
      ->capture_default_str();
  sub->add_option("--size", options->size, "Bytes per segment: 4096, 4k, 1M, 64MiB ...")->capture_default_str();
  sub->add_option("--seed", options->seed, "Pattern seed; a run prints the one it used");
  sub->add_flag(
      "--no-sandbox", options->no_sandbox,
      "Use the caller's namespaces with tagged objects (removed at the end; `shmharness clean` after a crash)");
  sub->add_flag("-q,--quiet", options->quiet, "Print only the verdict line");
  sub->callback([options, &runner] { runner = [options] { return run_smoke_command(*options); }; });
}

int run_smoke_command(const SmokeOptions& options) {
  auto size = parse_size(options.size);
  if (!size || *size == 0) {
    std::fprintf(stderr, "shmharness smoke: --size %s: %s\n", options.size.c_str(),
                 size ? "must be at least 1 byte" : size.error().detail.c_str());
    return kExitUsage;
  }
  ShareCheckOptions check{
      .backends = {}, .size = static_cast<std::size_t>(*size), .seed = options.seed.value_or(random_seed())};
  for (const auto& b : options.backends) check.backends.push_back(*parse_backend(b));

  std::string where = "no sandbox (tagged objects)";
  bool sandboxed = false;
  if (!options.no_sandbox) {
    auto kind = enter_sandbox();
    if (kind) {
      where = std::string("sandbox: ") + to_string(*kind);
    } else {
      std::fprintf(stderr, "shmharness smoke: no sandbox (%s); continuing with tagged objects\n",
                   kind.error().message().c_str());
    }
    sandboxed = kind.ok();
  }

  if (!options.quiet) {
    std::printf("shmharness smoke: seed %llu (replay with --seed %llu), %s per segment, %s\n",
                static_cast<unsigned long long>(check.seed), static_cast<unsigned long long>(check.seed),
                format_bytes(check.size).c_str(), where.c_str());
  }
  if (sandboxed) return check_and_report(check, options.quiet);
  // Outside a sandbox an interrupt must not leave tagged objects behind: supervise the run.
  return run_supervised("smoke", [&] { return check_and_report(check, options.quiet); });
}

}  // namespace shmh::cli
