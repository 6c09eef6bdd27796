#include "cli/stress_command.h"

#include <sys/random.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>

#include "cli/exit_codes.h"
#include "cli/interrupts.h"
#include "cli/supervised_run.h"
#include "core/channel/channel_registry.h"
#include "core/sandbox/sandbox.h"
#include "core/units.h"
#include "report/stress_json.h"
#include "report/stress_junit.h"
#include "report/stress_text.h"
#include "stress/runner.h"
#include "stress/workload.h"

namespace shmh::cli {
namespace {

int usage(const std::string& message) {
  std::fprintf(stderr, "shmharness stress: %s\n", message.c_str());
  return kExitUsage;
}

std::uint64_t random_seed() {
  std::uint64_t seed = 0;
  if (::getrandom(&seed, sizeof seed, 0) != static_cast<ssize_t>(sizeof seed))
    seed = static_cast<std::uint64_t>(::getpid());
  return seed;
}

// Parses "MIN" or "MIN:MAX" (sizes like 64, 4k).
bool parse_msg_size(const std::string& text, stress::StressOptions* o, std::string* error) {
  const auto colon = text.find(':');
  auto min = parse_size(text.substr(0, colon));
  auto max = colon == std::string::npos ? min : parse_size(text.substr(colon + 1));
  if (!min || !max) {
    *error = "--msg-size " + text + ": " + (!min ? min : max).error().detail + " (MIN or MIN:MAX, e.g. 64 or 24:4k)";
    return false;
  }
  if (*min > stress::kMaxMessage || *max > stress::kMaxMessage) {
    *error = "--msg-size " + text + ": at most 1 MiB per message";
    return false;
  }
  o->msg_min = static_cast<std::uint32_t>(*min);
  o->msg_max = static_cast<std::uint32_t>(*max);
  return true;
}

// Flags → options; "" or the error for the user.
std::string to_options(const StressFlags& f, stress::StressOptions* o) {
  o->channel = f.channel;
  const auto backend = parse_backend(f.backend);
  if (!backend) return "--backend " + f.backend + ": one of sysv, posix, memfd";
  o->backend = *backend;
  o->mode = f.threads ? stress::PeerMode::kThreads : stress::PeerMode::kProcesses;
  o->workload = f.workload;
  o->writers = f.writers;
  o->readers = f.readers;
  o->capacity = f.capacity;
  o->kill_rate = f.kill_rate;
  o->messages = f.messages;
  auto duration = parse_duration_ms(f.duration);
  if (!duration) return "--duration: " + duration.error().detail;
  o->duration = std::chrono::milliseconds(*duration);
  // --messages alone: the phases end when the writers have sent them (the watchdog still bounds a
  // run that stops progressing); with --duration too, whichever comes first.
  if (f.messages && !f.duration_given) o->duration = std::chrono::hours(24);
  auto watchdog = parse_duration_ms(f.watchdog);
  if (!watchdog) return "--watchdog: " + watchdog.error().detail;
  o->watchdog = std::chrono::milliseconds(*watchdog);
  auto segment = parse_size(f.segment_size);
  if (!segment || *segment == 0 || *segment % (1 << 20) != 0 || *segment > (std::uint64_t{1} << 30)) {
    return "--segment-size " + f.segment_size + ": whole MiB, 1MiB..1GiB";
  }
  o->segment_mib = static_cast<std::uint32_t>(*segment >> 20);
  if (f.msg_size) {
    std::string error;
    if (!parse_msg_size(*f.msg_size, o, &error)) return error;
  }
  o->seed = f.seed.value_or(random_seed());
  if (auto why = stress::validate(*o); !why.empty()) return why;
  // A channel that cannot even load is a usage error before anything starts.
  if (!o->workload || stress::find_workload(*o->workload)->uses_channel) {
    if (auto channel = resolve_channel(o->channel); !channel)
      return "--channel " + o->channel + ": " + channel.error().message();
  }
  return {};
}

// The progress line: on a terminal only, redrawn in place on stderr.
class ConsoleObserver final : public stress::RunObserver {
 public:
  explicit ConsoleObserver(bool live) : live_(live) {}
  ~ConsoleObserver() override { clear(); }
  ConsoleObserver(const ConsoleObserver&) = delete;
  ConsoleObserver& operator=(const ConsoleObserver&) = delete;

  void progress(const stress::ProgressSnapshot& s) override {
    if (!live_) return;
    const auto now = std::chrono::steady_clock::now();
    double rate = 0;
    if (s.phase_index == last_phase_ && s.operations >= last_ops_) {
      const double dt = std::chrono::duration<double>(now - last_at_).count();
      if (dt > 0) rate = static_cast<double>(s.operations - last_ops_) / dt;
    }
    last_phase_ = s.phase_index;
    last_ops_ = s.operations;
    last_at_ = now;
    std::fprintf(stderr, "\r\033[K%s", render_stress_progress(s, rate).c_str());
    std::fflush(stderr);
    drawn_ = true;
  }
  [[nodiscard]] bool interrupted() const override { return cli::interrupted(); }
  void clear() {
    if (drawn_) std::fprintf(stderr, "\r\033[K");
    drawn_ = false;
  }

 private:
  bool live_;
  bool drawn_ = false;
  std::size_t last_phase_ = ~std::size_t{0};
  std::uint64_t last_ops_ = 0;
  std::chrono::steady_clock::time_point last_at_{};
};

bool write_report(const std::string& path, const std::string& text) {
  if (path == "-") {
    std::fputs(text.c_str(), stdout);
    return true;
  }
  std::ofstream out(path);
  out << text;
  out.close();
  if (!out) {
    std::fprintf(stderr, "shmharness stress: cannot write %s\n", path.c_str());
    return false;
  }
  return true;
}

int exit_code_for(stress::Verdict v) {
  switch (v) {
    case stress::Verdict::kPass:
      return kExitOk;
    case stress::Verdict::kFail:
      return kExitFinding;
    case stress::Verdict::kInterrupted:  // a run cut short never passes
    case stress::Verdict::kError:
      return kExitUsage;
  }
  return kExitUsage;
}

int run_and_report(const stress::StressOptions& options, const StressFlags& flags, const std::string& sandbox) {
  catch_interrupts();
  // With --json - stdout carries only the JSON; the human text goes to stderr.
  FILE* human = flags.json == "-" || flags.junit == "-" ? stderr : stdout;
  if (!flags.quiet) {
    const bool channel = !options.workload || stress::find_workload(*options.workload)->uses_channel;
    const std::string what = channel ? "channel " + options.channel : "workload " + *options.workload + " (no channel)";
    std::fprintf(human, "shmharness stress: seed %llu (replay with --seed %llu), %s, backend %s, %s, %s\n",
                 static_cast<unsigned long long>(options.seed), static_cast<unsigned long long>(options.seed),
                 what.c_str(), std::string(to_string(options.backend)).c_str(), stress::to_string(options.mode),
                 sandbox.c_str());
    std::fflush(human);
  }
  ConsoleObserver observer(!flags.quiet && ::isatty(STDERR_FILENO) == 1);
  stress::StressResult result = stress::run_stress(options, observer);
  observer.clear();
  result.sandbox = sandbox;
  if (result.verdict() == stress::Verdict::kError && result.phases.empty()) {
    // Nothing ran (a channel that cannot load or fails its preflight): one line says why.
    std::fprintf(stderr, "shmharness stress: %s\n", result.error.c_str());
    bool written = true;
    if (!flags.json.empty()) written = write_report(flags.json, render_stress_json(result));
    if (!flags.junit.empty()) written = write_report(flags.junit, render_stress_junit(result)) && written;
    (void)written;
    return kExitUsage;
  }
  const std::string text = render_stress_text(result);
  if (flags.quiet) {
    const auto pos = text.rfind("verdict:");
    std::fputs(text.substr(pos == std::string::npos ? 0 : pos).c_str(), human);
  } else {
    std::fputs(text.c_str(), human);
  }
  if (!result.error.empty()) std::fprintf(stderr, "shmharness stress: %s\n", result.error.c_str());
  bool written = true;
  if (!flags.json.empty()) written = write_report(flags.json, render_stress_json(result)) && written;
  if (!flags.junit.empty()) written = write_report(flags.junit, render_stress_junit(result)) && written;
  const int code = exit_code_for(result.verdict());
  return written ? code : (code == kExitOk ? kExitUsage : code);
}

std::string workload_names() {
  std::string names;
  for (const auto* w : stress::workloads()) names += "  " + std::string(w->name) + ": " + std::string(w->help) + "\n";
  return names;
}

}  // namespace

void setup_stress(CLI::App& app, Runner& runner) {
  auto flags = std::make_shared<StressFlags>();
  CLI::App* sub = app.add_subcommand(
      "stress", "Stress a channel (or the kernel's shm) with many processes and check every message");
  sub->footer(
      "With only --channel, a campaign explores: 1 and many peers, sizes of every length, full and empty\n"
      "channels, slow readers, killed peers, broadcast. Any of --workload/--writers/--readers/--msg-size/\n"
      "--capacity/--kill narrows it to one configuration. Workloads:\n" +
      workload_names() +
      "Runs in a private IPC + /dev/shm namespace (nothing can leak). Exit 0 pass, 1 finding, 2 usage or\n"
      "environment error or interrupted (Ctrl-C prints the partial report).\n");
  sub->add_option("--channel", flags->channel, "ring, boost-mq, pipe, or a path to a channel plugin .so")
      ->capture_default_str();
  sub->add_option("--backend", flags->backend, "Where shared state lives: sysv, posix, memfd")->capture_default_str();
  sub->add_option("--workload", flags->workload, "queue, broadcast, regions, churn");
  sub->add_option("--writers", flags->writers, "Writer (or churn worker) peers, 1..64");
  sub->add_option("--readers", flags->readers, "Reader peers, 1..64");
  sub->add_flag("--threads", flags->threads,
                "Peers as threads of one process (for ThreadSanitizer) instead of processes");
  sub->add_option("--duration", flags->duration, "Whole run: 500ms, 10s, 5m (shared by the campaign's phases)")
      ->capture_default_str();
  sub->add_option("--messages", flags->messages,
                  "End each phase after this many messages (writes, lifecycles); with --duration, whichever first");
  sub->add_option("--msg-size", flags->msg_size, "Message sizes MIN[:MAX] in bytes, MIN >= 24 (e.g. 24:4k)");
  sub->add_option("--capacity", flags->capacity, "Channel capacity in messages");
  sub->add_option("--kill", flags->kill_rate, "SIGKILL this many random peers per second and restart them");
  sub->add_option("--seed", flags->seed, "Replay a run: the same sizes, choices and kill schedule");
  sub->add_option("--watchdog", flags->watchdog, "No progress for this long ends the run with a 'stall' finding")
      ->capture_default_str();
  sub->add_option("--segment-size", flags->segment_size, "churn: bytes per segment (whole MiB)")->capture_default_str();
  sub->add_option("--json", flags->json, "Write the JSON report here ('-' = stdout)");
  sub->add_option("--junit", flags->junit, "Write a JUnit XML report here");
  sub->add_flag("-q,--quiet", flags->quiet, "Print only the verdict line");
  sub->add_flag("--no-sandbox", flags->no_sandbox,
                "Use the caller's namespaces (objects removed at the end; `shmharness clean` after a crash)");
  sub->callback([flags, sub, &runner] {
    flags->duration_given = sub->count("--duration") > 0;
    runner = [flags] { return run_stress_command(*flags); };
  });
}

int run_stress_command(const StressFlags& flags) {
  stress::StressOptions options;
  if (auto error = to_options(flags, &options); !error.empty()) return usage(error);
  if (!flags.no_sandbox) {
    auto kind = enter_sandbox();
    if (kind) return run_and_report(options, flags, std::string("sandbox: ") + to_string(*kind));
    std::fprintf(stderr, "shmharness stress: no sandbox (%s); continuing with tagged objects under supervision\n",
                 kind.error().message().c_str());
  }
  // Outside a sandbox an interrupt or crash must not leave tagged objects behind: supervise.
  return run_supervised("stress", [&] { return run_and_report(options, flags, "no sandbox (tagged objects)"); });
}

}  // namespace shmh::cli
