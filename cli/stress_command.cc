#include "cli/stress_command.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <memory>
#include <vector>

#include "cli/chart_js.h"
#include "cli/interrupts.h"
#include "cli/report_output.h"
#include "cli/stat_writer.h"
#include "cli/supervised_run.h"
#include "core/channel/channel_registry.h"
#include "core/random/splitmix.h"
#include "core/sandbox/sandbox.h"
#include "core/units.h"
#include "report/stress_html.h"
#include "report/stress_json.h"
#include "report/stress_junit.h"
#include "report/stress_repeat.h"
#include "report/stress_text.h"
#include "stress/phase_descriptor.h"
#include "stress/runner.h"
#include "stress/workload.h"

namespace shmh::cli {
namespace {

Outcome usage(const std::string& message) {
  std::fprintf(stderr, "shmharness stress: %s\n", message.c_str());
  return Outcome::kError;
}

// Parses "MIN" or "MIN:MAX" (sizes like 64, 4k) into the options.
Result<void> parse_msg_size(const std::string& text, stress::StressOptions& o) {
  const auto colon = text.find(':');
  auto min = parse_size(text.substr(0, colon));
  auto max = colon == std::string::npos ? min : parse_size(text.substr(colon + 1));
  if (!min || !max) {
    return logic_error("--msg-size " + text, (!min ? min : max).error().detail + " (MIN or MIN:MAX, e.g. 64 or 8:4k)");
  }
  if (*min > stress::kMaxMessage || *max > stress::kMaxMessage) {
    return logic_error("--msg-size " + text, "at most 1 MiB per message");
  }
  o.msg_min = static_cast<std::uint32_t>(*min);
  o.msg_max = static_cast<std::uint32_t>(*max);
  return {};
}

// Flags → options, validated; the error is for the user (one line, exit 2).
Result<stress::StressOptions> to_options(const StressFlags& f) {
  stress::StressOptions o;
  o.channel = f.channel;
  const auto backend = parse_backend(f.backend);
  if (!backend) return logic_error("--backend " + f.backend, "one of sysv, posix, memfd");
  o.backend = *backend;
  o.mode = f.threads ? stress::PeerMode::kThreads : stress::PeerMode::kProcesses;
  o.workload = f.workload;
  o.writers = f.writers;
  o.readers = f.readers;
  o.capacity = f.capacity;
  o.kill_rate = f.kill_rate;
  o.pause_rate = f.pause_rate;
  o.no_kill = f.no_kill;
  o.pin_cpus = f.pin_cpus;
  o.phase = f.phase;
  o.fail_fast = f.fail_fast;
  o.messages = f.messages;
  auto duration = parse_duration_ms(f.duration);
  if (!duration) return logic_error("--duration", duration.error().detail);
  o.duration = std::chrono::milliseconds(*duration);
  // --messages alone: the phases end when the writers have sent them (the watchdog still bounds a
  // run that stops progressing); with --duration too, whichever comes first.
  if (f.messages && !f.duration_given) o.duration = std::chrono::hours(24);
  auto watchdog = parse_duration_ms(f.watchdog);
  if (!watchdog) return logic_error("--watchdog", watchdog.error().detail);
  o.watchdog = std::chrono::milliseconds(*watchdog);
  for (const auto& [flag, text] : f.workload_options) {
    const stress::WorkloadOption* option = stress::find_workload_option(flag);
    auto value = option->parse(text);
    if (!value) return value.error();
    o.workload_options.push_back({.option = option, .value = *value, .text = text});
  }
  if (f.msg_size) {
    if (auto parsed = parse_msg_size(*f.msg_size, o); !parsed) return parsed.error();
  }
  o.seed = f.seed.value_or(random_seed());
  if (f.repeat && (*f.repeat == 0 || *f.repeat > 10'000)) return logic_error("--repeat", "N must be 1..10000");
  if (f.repeat && !f.html.empty()) {
    return logic_error("--repeat", "draws no HTML report (it draws one run): use --json, or --html without --repeat");
  }
  if (f.repeat && !f.junit.empty()) {
    return logic_error("--repeat",
                       "writes no JUnit report (one per run would overwrite it): use --json, which "
                       "nests every run's report");
  }
  if (auto valid = stress::validate(o); !valid) return valid.error();
  // A channel that cannot even load is a usage error before anything starts.
  if (stress::chosen_workload(o)->uses_channel) {
    if (auto channel = resolve_channel(o.channel); !channel) {
      return logic_error("--channel " + o.channel, channel.error().message());
    }
  }
  return o;
}

// The progress line (on a terminal only, redrawn in place on stderr) and the --stat-file.
class ConsoleObserver final : public stress::RunObserver {
 public:
  ConsoleObserver(bool live, const StatWriter* stat, StatSnapshot stat_base)
      : live_(live), stat_(stat), stat_base_(std::move(stat_base)) {}
  ~ConsoleObserver() override { clear(); }
  ConsoleObserver(const ConsoleObserver&) = delete;
  ConsoleObserver& operator=(const ConsoleObserver&) = delete;

  void progress(const stress::ProgressSnapshot& s) override {
    if (stat_ != nullptr) {
      stat_base_.progress = s;
      stat_ok_ = stat_->write(stat_base_) && stat_ok_;
    }
    if (!live_) return;
    std::fprintf(stderr, "\r\033[K%s", render_stress_progress(s).c_str());
    std::fflush(stderr);
    drawn_ = true;
  }
  [[nodiscard]] bool wants_peers() const override { return stat_ != nullptr; }
  [[nodiscard]] bool interrupted() const override { return cli::interrupted(); }
  void clear() {
    if (drawn_) std::fprintf(stderr, "\r\033[K");
    drawn_ = false;
  }
  // The stat file's last snapshot: the verdict, the peers as last seen (each "finished" or as they ended).
  bool end(const std::string& verdict) {
    if (stat_ == nullptr) return true;
    stat_base_.state = "ended";
    stat_base_.verdict = verdict;
    for (auto& peer : stat_base_.progress.peers) peer.doing = "ended";
    return stat_->write(stat_base_) && stat_ok_;
  }

 private:
  bool live_;
  const StatWriter* stat_;
  StatSnapshot stat_base_;
  bool drawn_ = false;
  bool stat_ok_ = true;
};

// The stat file's first snapshot, before the run: a path that cannot be written is a usage error now.
Result<StatSnapshot> start_stat(const StatWriter* stat, const stress::StressOptions& options, const std::string& what) {
  StatSnapshot base{.state = "running",
                    .verdict = "",
                    .runner_pid = ::getpid(),
                    .seed = std::to_string(options.seed),
                    .channel = what,
                    .progress = {}};
  if (stat != nullptr && !stat->write(base)) {
    return sys_error(errno, "--stat-file " + stat->path(),
                     "cannot write it; check that its directory exists and is writable");
  }
  return base;
}

// The stat file's last snapshot; says so when the file could not be kept up to date.
bool end_stat(ConsoleObserver& observer, stress::Verdict verdict, const StressFlags& flags) {
  if (observer.end(stress::to_string(verdict))) return true;
  std::fprintf(stderr, "shmharness stress: --stat-file %s could not be kept up to date; check its directory\n",
               flags.stat_file.c_str());
  return false;
}

Outcome outcome_of(stress::Verdict v) {
  switch (v) {
    case stress::Verdict::kPass:
      return Outcome::kPass;
    case stress::Verdict::kFail:
      return Outcome::kFinding;
    case stress::Verdict::kInterrupted:
      return Outcome::kInterrupted;
    case stress::Verdict::kError:
      return Outcome::kError;
  }
  return Outcome::kError;
}

// "channel ring" or "workload churn (no channel)": what the header line names.
std::string what_runs(const stress::StressOptions& options) {
  return stress::chosen_workload(options)->uses_channel ? "channel " + options.channel
                                                        : "workload " + options.workload.value_or("") + " (no channel)";
}

// The seed of repeat `i` (0: the run's own): derived, so `--seed S --repeat N` replays all of them.
std::uint64_t repeat_seed(std::uint64_t seed, std::uint32_t i) {
  return i == 0 ? seed : derive_seed(seed, 0x5245504541540000ULL + i);  // "REPEAT"
}

// --repeat N (`planned`): the runs one after another, each line as it ends, then the tally.
Outcome run_repeated(const stress::StressOptions& options, const StressFlags& flags, std::uint32_t planned,
                     const std::string& sandbox, ConsoleObserver& observer) {
  const ReportOutput out("stress", {flags.json});
  if (!flags.quiet) {
    std::fprintf(out.human(), "shmharness stress: %u runs from seed %llu, %s, backend %s, %s, %s\n", planned,
                 static_cast<unsigned long long>(options.seed), what_runs(options).c_str(),
                 std::string(to_string(options.backend)).c_str(), stress::to_string(options.mode), sandbox.c_str());
    std::fflush(out.human());
  }
  std::vector<stress::StressResult> runs;
  for (std::uint32_t i = 0; i < planned && !cli::interrupted(); ++i) {
    stress::StressOptions o = options;
    o.seed = repeat_seed(options.seed, i);
    stress::StressResult r = stress::run_stress(o, observer);
    observer.clear();
    r.sandbox = sandbox;
    if (!flags.quiet) std::fputs(render_repeat_run(r, i, planned).c_str(), out.human());
    const bool stop = r.error.has_value() || r.interrupted;  // a run that could not be done: the next cannot either
    runs.push_back(std::move(r));
    if (stop) break;
  }
  std::fputs(render_repeat_summary(runs, planned).c_str(), out.human());
  const bool stat_written = end_stat(observer, repeat_verdict(runs, planned), flags);
  const bool written = out.write(flags.json, render_repeat_json(runs, planned)) && stat_written;
  const Outcome outcome = outcome_of(repeat_verdict(runs, planned));
  return written || outcome != Outcome::kPass ? outcome : Outcome::kError;
}

Outcome run_and_report(const stress::StressOptions& options, const StressFlags& flags, const std::string& sandbox,
                       const std::string& chart_js) {
  catch_interrupts();
  const std::unique_ptr<StatWriter> stat =
      flags.stat_file.empty() ? nullptr : std::make_unique<StatWriter>(flags.stat_file);
  auto stat_base = start_stat(stat.get(), options, what_runs(options));
  if (!stat_base) {
    std::fprintf(stderr, "shmharness stress: %s\n", stat_base.error().message().c_str());
    return Outcome::kError;
  }
  ConsoleObserver observer(!flags.quiet && ::isatty(STDERR_FILENO) == 1, stat.get(), std::move(*stat_base));
  if (flags.repeat) return run_repeated(options, flags, *flags.repeat, sandbox, observer);
  const ReportOutput out("stress", {flags.json, flags.junit, flags.html});
  if (!flags.quiet) {
    const std::string what = what_runs(options);
    std::fprintf(out.human(), "shmharness stress: seed %llu (replay with --seed %llu), %s, backend %s, %s, %s\n",
                 static_cast<unsigned long long>(options.seed), static_cast<unsigned long long>(options.seed),
                 what.c_str(), std::string(to_string(options.backend)).c_str(), stress::to_string(options.mode),
                 sandbox.c_str());
    std::fflush(out.human());
  }
  stress::StressResult result = stress::run_stress(options, observer);
  observer.clear();
  result.sandbox = sandbox;
  const bool stat_written = end_stat(observer, result.verdict(), flags);
  if (result.verdict() == stress::Verdict::kError && result.phases.empty()) {
    // Nothing ran (a channel that cannot load or fails its preflight): one line says why.
    std::fprintf(stderr, "shmharness stress: %s\n", result.error_message().c_str());
    (void)out.write(flags.json, render_stress_json(result));
    (void)out.write(flags.junit, render_stress_junit(result));
    if (!flags.html.empty()) (void)out.write(flags.html, render_stress_html(result, chart_js));
    return Outcome::kError;
  }
  std::fputs((flags.quiet ? render_stress_verdict(result) : render_stress_text(result)).c_str(), out.human());
  if (result.error) std::fprintf(stderr, "shmharness stress: %s\n", result.error_message().c_str());
  // Every report is tried, whichever fails.
  const bool json_written = out.write(flags.json, render_stress_json(result));
  const bool junit_written = out.write(flags.junit, render_stress_junit(result));
  const bool html_written = flags.html.empty() || out.write(flags.html, render_stress_html(result, chart_js));
  const bool written = json_written && junit_written && html_written && stat_written;
  const Outcome outcome = outcome_of(result.verdict());
  // A report that could not be written turns a pass into an error (CI would read nothing).
  return written || outcome != Outcome::kPass ? outcome : Outcome::kError;
}

std::string workload_help() {
  std::string names;
  for (const auto* w : stress::workloads()) names += "  " + std::string(w->name) + ": " + std::string(w->help) + "\n";
  return names;
}

std::string phase_help() {
  std::string names;
  for (const auto* p : stress::campaign_phases()) {
    names += "  " + std::string(p->name) + ": " + std::string(p->summary) + "\n";
  }
  return names;
}

}  // namespace

void setup_stress(CLI::App& app, Runner& runner) {
  auto flags = std::make_shared<StressFlags>();
  CLI::App* sub = app.add_subcommand(
      "stress", "Stress a channel (or the kernel's shm) with many processes and check every message");
  sub->footer("With only --channel, a campaign explores, phase by phase:\n" + phase_help() +
              "Any of --workload/--writers/--readers/--msg-size/--capacity/--kill/--pause narrows it to one\n"
              "configuration.\n"
              "Workloads:\n" +
              workload_help() +
              "Runs in a private IPC + /dev/shm namespace (nothing can leak). Exit 0 pass, 1 finding, 2 usage or\n"
              "environment error or interrupted (Ctrl-C prints the partial report).\n");
  sub->add_option("--channel", flags->channel, "ring, boost-mq, pipe, or a path to a channel plugin .so")
      ->capture_default_str();
  sub->add_option("--backend", flags->backend, "Where shared state lives: sysv, posix, memfd")->capture_default_str();
  sub->add_option("--workload", flags->workload, stress::workload_names());
  sub->add_option("--writers", flags->writers, "Writer (or churn worker) peers, 1..64");
  sub->add_option("--readers", flags->readers, "Reader peers, 1..64");
  sub->add_flag("--threads", flags->threads,
                "Peers as threads of one process (for ThreadSanitizer) instead of processes");
  sub->add_option("--duration", flags->duration, "Whole run: 500ms, 10s, 5m (shared by the campaign's phases)")
      ->capture_default_str();
  sub->add_option("--messages", flags->messages,
                  "End each phase after this many messages (writes, lifecycles); with --duration, whichever first");
  sub->add_option("--msg-size", flags->msg_size,
                  "Message sizes MIN[:MAX] in bytes, 0..1 MiB (e.g. 0:4k; below 8 needs one writer per FIFO channel)");
  sub->add_option("--capacity", flags->capacity, "Channel capacity in messages");
  sub->add_option("--kill", flags->kill_rate, "SIGKILL this many random peers per second and restart them");
  sub->add_flag("--no-kill", flags->no_kill,
                "Kill no peer (for a channel not built to survive a peer's death; the kill phase is skipped)");
  sub->add_flag("--pin-cpus", flags->pin_cpus,
                "Pin each peer to one CPU of the run's set, round-robin (writers, then readers): throughput that "
                "does not depend on where the scheduler puts the peers");
  sub->add_option("--pause", flags->pause_rate,
                  "SIGSTOP this many random peers per second (inside their calls) for 1 ms..2 s, then SIGCONT");
  sub->add_option("--phase", flags->phase,
                  "Run one phase of the campaign, with the seed and duration share it has in the whole run "
                  "(what a finding's replay command does)");
  sub->add_flag("--fail-fast", flags->fail_fast,
                "End the run at the first finding (the phase drains and is audited; later phases are not run)");
  sub->add_option("--seed", flags->seed, "Replay a run: the same sizes, choices and kill schedule");
  sub->add_option("--repeat", flags->repeat,
                  "Run N times with seeds derived from the first; report how many runs found what (1..10000)");
  sub->add_option("--watchdog", flags->watchdog, "No progress for this long ends the run with a 'stall' finding")
      ->capture_default_str();
  // Each workload's own options: stored as typed, parsed by the workload's descriptor.
  for (const auto* w : stress::workloads()) {
    for (const auto* opt : w->options) {
      const std::string flag(opt->flag);
      sub->add_option_function<std::string>(
             flag, [flags, flag](const std::string& text) { flags->workload_options.emplace_back(flag, text); },
             std::string(opt->help) + " (default " + std::string(opt->default_text) + ")")
          ->type_name("TEXT");
    }
  }
  sub->add_option("--json", flags->json, "Write the JSON report here ('-' = stdout)");
  sub->add_option("--junit", flags->junit, "Write a JUnit XML report here");
  sub->add_option("--html", flags->html,
                  "Write a self-contained HTML report here: charts per phase, findings with their history "
                  "(needs libjs-chart.js)");
  sub->add_option("--stat-file", flags->stat_file,
                  "Keep the run's live counters (each peer's pid, operations, current operation) in this file "
                  "for `shmharness stat FILE`");
  sub->add_flag("-q,--quiet", flags->quiet, "Print only the verdict line");
  sub->add_flag("--no-sandbox", flags->no_sandbox,
                "Use the caller's namespaces (objects removed at the end; `shmharness clean` after a crash)");
  sub->callback([flags, sub, &runner] {
    flags->duration_given = sub->count("--duration") > 0;
    runner = [flags] { return run_stress_command(*flags); };
  });
}

Outcome run_stress_command(const StressFlags& flags) {
  auto parsed = to_options(flags);
  if (!parsed) return usage(parsed.error().message());
  const stress::StressOptions& options = *parsed;
  std::string chart_js;
  if (!flags.html.empty()) {
    auto loaded = load_chart_js();
    if (!loaded) return usage(loaded.error().message());
    chart_js = std::move(*loaded);
  }
  if (!flags.no_sandbox) {
    auto kind = enter_sandbox();
    if (kind) return run_and_report(options, flags, std::string("sandbox: ") + to_string(*kind), chart_js);
    std::fprintf(stderr, "shmharness stress: no sandbox (%s); continuing with tagged objects under supervision\n",
                 kind.error().message().c_str());
  }
  // Outside a sandbox an interrupt or crash must not leave tagged objects behind: supervise.
  return run_supervised("stress",
                        [&] { return run_and_report(options, flags, "no sandbox (tagged objects)", chart_js); });
}

}  // namespace shmh::cli
