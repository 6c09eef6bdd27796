#include "cli/stat_command.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>

#include "cli/interrupts.h"
#include "core/sys/sys.h"
#include "report/stat_file.h"

namespace shmh::cli {
namespace {

bool alive(std::int64_t pid) { return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM); }

// The file's snapshot, or one line saying why not (exit 2).
Result<StatSnapshot> read_stat(const std::string& path) {
  auto text = sys::read_file(path);
  if (!text) {
    return sys_error(text.error().err, "stat " + path,
                     "no stat file here: start a run with 'shmharness stress --stat-file " + path + "'");
  }
  auto snap = parse_stat_file(*text);
  if (!snap) return logic_error("stat " + path, snap.error().detail);
  return snap;
}

}  // namespace

void setup_stat(CLI::App& app, Runner& runner) {
  auto options = std::make_shared<StatOptions>();
  CLI::App* sub = app.add_subcommand("stat", "Show a running stress run's live counters (stress --stat-file FILE)");
  sub->add_option("file", options->file, "The file the run writes (stress --stat-file FILE)")->required();
  sub->add_flag("-f,--follow", options->follow, "Redraw every second until the run ends");
  sub->callback([options, &runner] { runner = [options] { return run_stat_command(*options); }; });
}

Outcome run_stat_command(const StatOptions& options) {
  catch_interrupts();
  const bool tty = ::isatty(STDOUT_FILENO) == 1;
  for (;;) {
    auto snap = read_stat(options.file);
    if (!snap) {
      std::fprintf(stderr, "shmharness %s\n", snap.error().message().c_str());
      return Outcome::kError;
    }
    const bool running = snap->state == "running" && alive(snap->runner_pid);
    if (options.follow && tty) std::fputs("\033[H\033[J", stdout);  // redraw in place
    std::fputs(render_stat_text(*snap, running || snap->state == "ended").c_str(), stdout);
    std::fflush(stdout);
    if (!options.follow || snap->state == "ended") return Outcome::kPass;
    if (!running) return Outcome::kError;  // --follow: the run is gone without its last snapshot
    if (interrupted()) return Outcome::kInterrupted;
    std::this_thread::sleep_for(std::chrono::seconds(1));  // a human's refresh rate; not a synchronisation
  }
}

}  // namespace shmh::cli
