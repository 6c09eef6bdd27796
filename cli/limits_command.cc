#include "cli/limits_command.h"

#include <unistd.h>

#include <cstdio>
#include <memory>

#include "cli/chart_js.h"
#include "cli/report_output.h"
#include "core/limits/limits_check.h"
#include "core/limits/sysctl_fix.h"
#include "core/sys/sys.h"
#include "core/units.h"
#include "report/limits_html.h"
#include "report/limits_json.h"
#include "report/limits_text.h"

namespace shmh::cli {
namespace {

Outcome usage_error(const std::string& message) {
  std::fprintf(stderr, "shmharness limits: %s\n", message.c_str());
  return Outcome::kError;
}

}  // namespace

void setup_limits(CLI::App& app, Runner& runner) {
  auto options = std::make_shared<LimitsOptions>();
  CLI::App* sub = app.add_subcommand("limits", "Report and check the machine's shared-memory limits");
  sub->footer(
      "Shows every limit with usage and headroom (shmmax, shmall, shmmni, /dev/shm, RLIMIT_MEMLOCK, huge pages,\n"
      "cgroup memory). With requirements, each item passes or fails with the reason and the fix. Items:\n"
      "segments=N segment-size=SIZE total=SIZE posix=SIZE locked=SIZE hugepages=N. A profile file holds the\n"
      "same items as 'key = value' lines (# comments). Exit 0 met, 1 not met or audit finding, 2 error.\n");
  sub->add_option("--require", options->require, "Requirements: segments=16,segment-size=64MiB,total=512MiB,...");
  sub->add_option("--profile", options->profile, "A profile file of requirements ('key = value' lines)");
  sub->add_flag("--probe", options->probe,
                "Prove the requirements by creating and touching them (in a sandbox mirroring the host's headroom)");
  sub->add_option("--max-bytes", options->max_bytes, "Refuse to probe more than this")->capture_default_str();
  sub->add_flag("--force", options->force, "Probe even beyond the available memory");
  sub->add_flag("--selftest", options->selftest,
                "Check the kernel enforces each limit at its boundary (private namespaces)");
  sub->add_flag("--audit", options->audit, "Find world-accessible, orphaned and removed-but-attached objects");
  sub->add_option("--json", options->json, "Write the JSON report to FILE ('-' for stdout)");
  sub->add_option("--html", options->html,
                  "Write a self-contained HTML report to FILE: the checks (failing first) and a chart of how full each "
                  "limit is (needs libjs-chart.js)");
  sub->add_option("--fix-file", options->fix_file,
                  "Write the fix as a sysctl.d drop-in to FILE (raises, never lowers; other steps as comments)");
  sub->add_flag("-q,--quiet", options->quiet, "Print only the verdict line");
  sub->callback([options, &runner] { runner = [options] { return run_limits_command(*options); }; });
}

Outcome run_limits_command(const LimitsOptions& options) {
  LimitsRequest request;
  if (!options.require.empty()) {
    auto reqs = parse_requirements(options.require);
    if (!reqs) return usage_error("--require: " + reqs.error().detail);
    request.requirements = *reqs;
  }
  if (!options.profile.empty()) {
    auto text = sys::read_file(options.profile);
    if (!text) return usage_error("--profile: " + text.error().message());
    auto reqs = parse_profile(*text);
    if (!reqs) return usage_error("--profile " + options.profile + ": " + reqs.error().detail);
    for (const auto& r : *reqs) {
      for (const auto& existing : request.requirements) {
        if (existing.item == r.item) {
          return usage_error(std::string(to_string(r.item)) + " is in both --require and --profile");
        }
      }
      request.requirements.push_back(r);
    }
  }
  if (options.probe && request.requirements.empty()) {
    return usage_error("--probe needs requirements (--require or --profile) to prove");
  }
  if (!options.fix_file.empty() && request.requirements.empty()) {
    return usage_error("--fix-file needs requirements (--require or --profile) to fix");
  }
  auto max_bytes = parse_size(options.max_bytes);
  if (!max_bytes) return usage_error("--max-bytes: " + max_bytes.error().detail);
  request.probe = options.probe;
  request.probe_options.max_bytes = *max_bytes;
  request.probe_options.force = options.force;
  if (::isatty(STDERR_FILENO) && !options.quiet) {
    request.probe_options.progress = [](const ProbeProgress& p) {
      std::fprintf(stderr, "\rprobing %s: %s of %s   ", p.step.c_str(), format_bytes(p.done).c_str(),
                   format_bytes(p.total).c_str());
      if (p.done == p.total) std::fprintf(stderr, "\r%60s\r", "");
    };
  }
  request.selftest = options.selftest;
  request.audit = options.audit;
  std::string chart_js;
  if (!options.html.empty()) {
    auto loaded = load_chart_js();
    if (!loaded) return usage_error(loaded.error().message());
    chart_js = std::move(*loaded);
  }

  std::fflush(stdout);  // before the probe and self-test fork
  auto outcome = run_limits(request);
  if (!outcome) return usage_error(outcome.error().message());

  const ReportOutput out("limits", {options.json, options.html, options.fix_file});
  const bool json_written = out.write(options.json, render_limits_json(*outcome));
  const bool html_written = options.html.empty() || out.write(options.html, render_limits_html(*outcome, chart_js));
  bool fix_written = true;
  std::string fix_line;
  if (!options.fix_file.empty()) {
    std::string wanted;
    for (const auto& r : request.requirements) {
      wanted += (wanted.empty() ? "" : ",") + std::string(to_string(r.item)) + "=" + std::to_string(r.value);
    }
    const SysctlFix fix = plan_sysctl_fix(outcome->snapshot, outcome->requirements);
    fix_written = out.write(options.fix_file, render_sysctl_dropin(fix, wanted));
    if (fix_written && options.fix_file != "-") {
      fix_line = "fix: wrote " + options.fix_file + " (" + std::to_string(fix.settings.size()) +
                 " sysctl setting(s) to raise, " + std::to_string(fix.by_hand.size()) + " step(s) by hand)\n";
    }
  }
  if (!json_written || !html_written || !fix_written) return Outcome::kError;
  if (options.json != "-") {
    std::fputs((options.quiet ? render_limits_verdict(*outcome) : render_limits_text(*outcome)).c_str(), out.human());
    if (!options.quiet) std::fputs(fix_line.c_str(), out.human());
  }
  return outcome->pass() ? Outcome::kPass : Outcome::kFinding;
}

}  // namespace shmh::cli
