#include "cli/conform_command.h"

#include <cstdio>
#include <memory>
#include <string>

#include "cli/report_output.h"
#include "core/conform/conform.h"
#include "report/conform_json.h"
#include "report/conform_text.h"

namespace shmh::cli {
namespace {

constexpr std::uint64_t kMaxSequences = 10'000'000;  // ~2 h here: beyond it a typo, not a plan

}  // namespace

void setup_conform(CLI::App& app, Runner& runner) {
  auto options = std::make_shared<ConformOptions>();
  CLI::App* sub = app.add_subcommand("conform", "Check that this machine's kernel answers shm calls as Linux does");
  sub->footer(
      "Runs the pinned table (System V, POSIX and memfd calls with Linux's answers) and random sequences\n"
      "compared call by call with shmharness's models of Linux, in private IPC + /dev/shm namespaces.\n"
      "For container runtimes, gVisor, WSL2 and old kernels. Calls by another user need root.\n"
      "Exit 0 every answer as Linux's, 1 a deviation (the shortest sequence showing it is printed),\n"
      "2 cannot run.\n");
  sub->add_option("--sequences", options->sequences, "Random sequences per API (System V; POSIX with memfd)")
      ->check(CLI::Range(std::uint64_t{0}, kMaxSequences))
      ->capture_default_str();
  sub->add_option("--seed", options->seed, "Seed of the random sequences (sequence i uses seed + i)")
      ->capture_default_str();
  sub->add_option("--as-user", options->as_user, "The other user's uid (root only; default 65534)")
      ->check(CLI::Range(std::uint32_t{0}, std::uint32_t{0xfffffffe}));
  sub->add_option("--json", options->json, "Write the JSON report here ('-' = stdout)");
  sub->add_flag("-q,--quiet", options->quiet, "Print only the verdict line");
  sub->callback([options, &runner] { runner = [options] { return run_conform_command(*options); }; });
}

Outcome run_conform_command(const ConformOptions& options) {
  const ReportOutput out("conform", {options.json});
  std::fflush(stdout);  // before forking, so children do not repeat buffered output
  conform::ConformOptions run{.sequences = options.sequences, .seed = options.seed};
  if (options.as_user) run.other_uid = static_cast<uid_t>(*options.as_user);
  auto report = conform::run_conform(run);
  if (!report) {
    std::fprintf(stderr, "shmharness conform: %s\n", report.error().message().c_str());
    return Outcome::kError;
  }
  if (!options.quiet) {
    const std::string who = report->other_user ? "another user: uid " + std::to_string(report->other_uid) + " gid " +
                                                     std::to_string(report->other_gid)
                                               : "no other user (needs root outside a user namespace)";
    std::fprintf(out.human(), "shmharness conform: kernel %s, sandbox %s, %s\n", report->kernel.c_str(),
                 report->sandbox.c_str(), who.c_str());
  }
  std::fputs((options.quiet ? render_conform_verdict(*report) : render_conform_text(*report)).c_str(), out.human());
  const bool written = out.write(options.json, render_conform_json(*report));
  if (!report->pass()) return Outcome::kFinding;
  return written ? Outcome::kPass : Outcome::kError;
}

}  // namespace shmh::cli
