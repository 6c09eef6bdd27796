#include "cli/smoke_command.h"

#include <cstdio>
#include <memory>

#include "cli/report_output.h"
#include "cli/supervised_run.h"
#include "core/check/share_check.h"
#include "core/limits/limits_snapshot.h"
#include "core/random/splitmix.h"
#include "core/sandbox/sandbox.h"
#include "core/units.h"
#include "report/smoke_json.h"
#include "report/smoke_text.h"

namespace shmh::cli {
namespace {

Outcome outcome_of(shmh::Outcome o) {
  switch (o) {
    case shmh::Outcome::kPass:
      return Outcome::kPass;
    case shmh::Outcome::kFail:
      return Outcome::kFinding;
    case shmh::Outcome::kError:
      return Outcome::kError;
  }
  return Outcome::kError;
}

// Runs the check and prints its reports.
Outcome check_and_report(const ShareCheckOptions& check, const SmokeOptions& options, const std::string& where) {
  const ReportOutput out("smoke", {options.json});
  std::fflush(stdout);  // before forking, so children do not repeat buffered output
  auto result = run_share_check(check);
  if (!result) {
    std::fprintf(stderr, "shmharness smoke: %s\n", result.error().message().c_str());
    return Outcome::kError;
  }
  for (const auto& b : result->backends) {
    if (b.outcome == shmh::Outcome::kError) {
      std::fprintf(stderr, "shmharness smoke: %s: %s\n", std::string(to_string(b.backend)).c_str(), b.detail.c_str());
    }
  }
  std::fputs((options.quiet ? render_smoke_verdict(*result) : render_smoke_text(*result)).c_str(), out.human());
  const bool written = out.write(options.json, render_smoke_json(*result, check.size, where));
  const Outcome outcome = outcome_of(result->outcome());
  return written || outcome != Outcome::kPass ? outcome : Outcome::kError;
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
  sub->add_flag("--force", options->force, "Check a --size beyond the memory available (MemAvailable)");
  sub->add_option("--json", options->json, "Write the JSON report here ('-' = stdout)");
  sub->add_flag("-q,--quiet", options->quiet, "Print only the verdict line");
  sub->callback([options, &runner] { runner = [options] { return run_smoke_command(*options); }; });
}

Outcome run_smoke_command(const SmokeOptions& options) {
  auto size = parse_size(options.size);
  if (!size || *size == 0) {
    std::fprintf(stderr, "shmharness smoke: --size %s: %s\n", options.size.c_str(),
                 size ? "must be at least 1 byte" : size.error().detail.c_str());
    return Outcome::kError;
  }
  ShareCheckOptions check{
      .backends = {}, .size = static_cast<std::size_t>(*size), .seed = options.seed.value_or(random_seed())};
  if (!options.force) {
    // What the machine can hold: a segment beyond it is refused, as `limits --probe` refuses.
    if (auto limits = read_limits(); limits && limits->mem_available > 0) check.memory_budget = limits->mem_available;
  }
  for (const auto& b : options.backends) {
    const auto backend = parse_backend(b);
    if (!backend) {  // CLI11 checked the names: a new name without its parse lands here, not in UB
      std::fprintf(stderr, "shmharness smoke: --backend %s: unknown (one of sysv, posix, memfd)\n", b.c_str());
      return Outcome::kError;
    }
    check.backends.push_back(*backend);
  }
  if (auto valid = check_share_options(check); !valid) {
    std::fprintf(stderr, "shmharness smoke: %s\n", valid.error().message().c_str());
    return Outcome::kError;
  }

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
    std::fprintf(options.json == "-" ? stderr : stdout,
                 "shmharness smoke: seed %llu (replay with --seed %llu), %s per segment, %s\n",
                 static_cast<unsigned long long>(check.seed), static_cast<unsigned long long>(check.seed),
                 format_bytes(check.size).c_str(), where.c_str());
  }
  if (sandboxed) return check_and_report(check, options, where);
  // Outside a sandbox an interrupt must not leave tagged objects behind: supervise the run.
  return run_supervised("smoke", [&] { return check_and_report(check, options, where); });
}

}  // namespace shmh::cli
