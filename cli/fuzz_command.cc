#include "cli/fuzz_command.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>

#include "cli/chart_js.h"
#include "cli/interrupts.h"
#include "cli/report_output.h"
#include "core/channel/channel.h"
#include "core/channel/channel_registry.h"
#include "core/units.h"
#include "fuzz/campaign/campaign.h"
#include "fuzz/campaign/coverage.h"
#include "report/fuzz_html.h"
#include "report/fuzz_json.h"
#include "report/fuzz_text.h"

namespace shmh::cli {
namespace {

// Where the fuzz pieces are: --prefix (or $SHMH_FUZZ_PREFIX), else --source (a checkout), else the
// default (catalog.h); --fuzzers overrides where the libFuzzer binaries are. A prefix without the
// pieces is a usage error, not an empty list.
Result<fuzz::FuzzLayout> layout_for(const FuzzOptions& o) {
  fuzz::FuzzLayout layout = fuzz::default_layout();
  if (!o.prefix.empty()) {
    layout = fuzz::prefix_layout(o.prefix);
    std::error_code ec;
    if (!std::filesystem::is_directory(layout.data_dir, ec)) {
      return logic_error("--prefix " + o.prefix,
                         "no share/shmharness/fuzz there; give the prefix shmharness was installed to "
                         "(cmake --install BUILD --prefix DIR)");
    }
  }
  if (!o.source.empty()) {
    layout.source_dir = o.source;
    layout.data_dir = o.source + "/fuzz";
    layout.coverage_dir = o.source + "/build/coverage";
    layout.where = "checkout " + o.source;
  }
  if (!o.fuzzers.empty()) layout.fuzzer_dir = o.fuzzers;
  return layout;
}

Outcome fail(const std::string& message) {
  std::fprintf(stderr, "shmharness fuzz: %s\n", message.c_str());
  return Outcome::kError;
}

// The targets named (checked) or all of them.
bool resolve_targets(const std::vector<std::string>& names, std::vector<std::string>* out) {
  if (names.empty()) {
    for (const auto& t : fuzz::fuzz_targets()) out->push_back(t.name);
    return true;
  }
  for (const auto& n : names) {
    if (fuzz::find_target(n) == nullptr) return false;
    out->push_back(n);
  }
  return true;
}

std::string target_names() {
  std::string names;
  for (const auto& t : fuzz::fuzz_targets()) names += (names.empty() ? "" : ", ") + t.name;
  return names;
}

Outcome run_list(const FuzzOptions& o) {
  const auto found = layout_for(o);
  if (!found) return fail(found.error().message());
  const fuzz::FuzzLayout& layout = *found;
  std::fputs(render_fuzz_list(fuzz::target_status(layout), layout).c_str(), stdout);
  return Outcome::kPass;
}

// The targets that fuzz a user's channel (named by SHMH_FUZZ_CHANNEL): `fuzz channel` runs these;
// plugin_image only on a channel that exposes its shared bytes.
const std::vector<std::string>& channel_targets() {
  static const std::vector<std::string> targets = {"plugin_ops", "plugin_image"};
  return targets;
}

// What a channel campaign adds to a run: the channel for the fuzzer, a corpus of its own, and the
// repro commands naming it.
struct ChannelCampaign {
  std::string spec;           // as the fuzzer loads it: a built-in's name or an absolute path
  std::string dir;            // <out>/channel-<name>: its corpora and crashes
  bool shared_bytes = false;  // it exposes its shared memory (ABI 2): plugin_image applies
};

// A channel as `fuzz channel` and `fuzz repro --channel` take it: loaded once here, so a path that
// is no plugin is a usage error before any fuzzer starts.
Result<ChannelCampaign> channel_campaign(const std::string& spec, const std::string& out) {
  auto source = resolve_channel(spec);
  if (!source) return source.error();
  ChannelCampaign c;
  c.shared_bytes = exposes_shared_bytes(*source->vtable);
  if (source->plugin == nullptr) {
    c.spec = spec;
    c.dir = out + "/channel-" + spec;
  } else {
    std::error_code ec;
    c.spec = std::filesystem::absolute(spec, ec).lexically_normal().string();
    if (ec) c.spec = spec;
    c.dir = out + "/channel-" + std::filesystem::path(spec).stem().string();
  }
  return c;
}

Outcome run_targets(const FuzzOptions& o, const std::vector<std::string>& targets,
                    const std::optional<ChannelCampaign>& channel) {
  auto seconds = parse_duration(o.time);
  if (!seconds) return fail(seconds.error().message());
  if (o.jobs == 0 || o.jobs > 256) return fail("--jobs must be 1..256");
  const auto found = layout_for(o);
  if (!found) return fail(found.error().message());
  const fuzz::FuzzLayout& layout = *found;
  for (const std::string& t : targets) {
    if (::access(layout.fuzzer(t).c_str(), X_OK) != 0) {
      return fail("no libFuzzer binary at " + layout.fuzzer(t) +
                  "; build the fuzz preset first (cmake --workflow --preset fuzz) or pass --fuzzers DIR");
    }
  }
  std::string chart_js;
  if (!o.html.empty()) {
    auto loaded = load_chart_js();
    if (!loaded) return fail(loaded.error().message());
    chart_js = std::move(*loaded);
  }
  catch_interrupts();
  fuzz::CampaignOptions options{
      .seconds = *seconds, .jobs = o.jobs, .out_dir = o.out, .merge = !o.no_merge, .seed = o.seed};
  std::vector<fuzz::TargetReport> reports;
  for (const std::string& t : targets) {
    if (interrupted()) break;
    if (channel) {
      options.out_dir = channel->dir;
      options.env = {"SHMH_FUZZ_CHANNEL=" + channel->spec};
      options.corpus_dir = channel->dir + "/" + t + "/corpus";
      options.repro_suffix = " --channel " + channel->spec;
    }
    std::fprintf(stderr, "fuzzing %s%s for %llus with %u job(s); log: %s/%s/fuzz.log\n", t.c_str(),
                 channel ? (" on " + channel->spec).c_str() : "", static_cast<unsigned long long>(*seconds), o.jobs,
                 options.out_dir.c_str(), t.c_str());
    auto r = fuzz::run_campaign(layout, t, options, [] { return interrupted(); });
    if (!r) return fail(r.error().message());
    reports.push_back(std::move(*r));
  }
  // With --json - the JSON owns stdout; the table goes to stderr.
  const std::string channel_spec = channel ? channel->spec : "";
  const ReportOutput out("fuzz", {o.json, o.html});
  std::fputs(render_fuzz_text(reports).c_str(), out.human());
  const bool json_written = out.write(o.json, render_fuzz_json(reports, o.jobs, *seconds, channel_spec));
  const bool html_written = o.html.empty() || out.write(o.html, render_fuzz_html(reports, o.jobs, *seconds, chart_js));
  const bool written = json_written && html_written;
  for (const auto& r : reports) {
    if (!r.crashes.empty()) return Outcome::kFinding;
  }
  if (!written) return Outcome::kError;
  // An interrupted campaign is not a pass: CI must not turn green on a run cut short.
  return !reports.empty() && reports.back().interrupted ? Outcome::kInterrupted : Outcome::kPass;
}

Outcome run_run(const FuzzOptions& o) {
  std::vector<std::string> targets;
  if (!resolve_targets(o.targets, &targets)) return fail("unknown target; targets: " + target_names());
  return run_targets(o, targets, std::nullopt);
}

Outcome run_channel(const FuzzOptions& o) {
  auto channel = channel_campaign(o.channel, o.out);
  if (!channel) return fail(channel.error().message());
  std::vector<std::string> targets;
  for (const std::string& t : channel_targets()) {
    if (t == "plugin_image" && !channel->shared_bytes) {
      std::fprintf(stderr,
                   "plugin_image skipped: %s does not expose its shared bytes (give its vtable a shared_bytes "
                   "function, ABI 2, to be fuzzed by a hostile peer)\n",
                   channel->spec.c_str());
      continue;
    }
    targets.push_back(t);
  }
  return run_targets(o, targets, *channel);
}

// The files to replay: each input given, every regular file under a directory given (sorted; dot
// files are not inputs), and with --with-corpus the target's own corpus and regressions.
Result<std::vector<std::string>> repro_inputs(const FuzzOptions& o, const fuzz::FuzzLayout& layout) {
  std::vector<std::string> roots = o.inputs;
  if (o.with_corpus) roots.insert(roots.end(), {layout.corpus(o.target), layout.regressions(o.target)});
  std::vector<std::string> files;
  for (const std::string& root : roots) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(root, ec)) {
      files.push_back(root);
      continue;
    }
    if (!std::filesystem::is_directory(root, ec)) {
      return logic_error("fuzz repro", root + " is neither a readable file nor a directory of inputs");
    }
    std::vector<std::string> found;
    for (const auto& e : std::filesystem::recursive_directory_iterator(root, ec)) {
      if (e.is_regular_file() && e.path().filename().string().front() != '.') found.push_back(e.path().string());
    }
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

Outcome run_repro(const FuzzOptions& o) {
  if (fuzz::find_target(o.target) == nullptr) return fail("unknown target; targets: " + target_names());
  const std::string log = o.out + "/repro.log";
  std::error_code ec;
  std::filesystem::create_directories(o.out, ec);
  const auto layout = layout_for(o);
  if (!layout) return fail(layout.error().message());
  std::vector<std::string> env;
  if (!o.channel.empty()) {
    auto channel = channel_campaign(o.channel, o.out);
    if (!channel) return fail(channel.error().message());
    env.push_back("SHMH_FUZZ_CHANNEL=" + channel->spec);
  }
  const auto inputs = repro_inputs(o, *layout);
  if (!inputs) return fail(inputs.error().message());
  if (inputs->empty()) return fail("no input to run: name files or directories, or pass --with-corpus");
  std::size_t reproduced = 0;
  for (const std::string& input : *inputs) {
    auto signature = fuzz::reproduce(*layout, o.target, input, log, env);
    if (!signature) return fail(signature.error().message());
    if (signature->empty()) {
      if (inputs->size() == 1)
        std::printf("%s: %s passes (no crash, no disagreement)\n", o.target.c_str(), input.c_str());
      continue;
    }
    ++reproduced;
    // The target's own words (its one-line finding, the sanitizer's report) for each failing input.
    std::ifstream in(log);
    for (std::string line; std::getline(in, line);) std::fprintf(stderr, "%s\n", line.c_str());
    std::printf("%s: %s reproduces: %s\n", o.target.c_str(), input.c_str(), signature->c_str());
  }
  if (inputs->size() != 1) {
    std::printf("%s: %zu input(s), %zu reproduce a finding\n", o.target.c_str(), inputs->size(), reproduced);
  }
  return reproduced == 0 ? Outcome::kPass : Outcome::kFinding;
}

Outcome run_coverage(const FuzzOptions& o) {
  std::vector<std::string> targets;
  if (!resolve_targets(o.targets, &targets)) return fail("unknown target; targets: " + target_names());
  const auto layout = layout_for(o);
  if (!layout) return fail(layout.error().message());
  auto r = fuzz::run_coverage(*layout, targets, {.out_dir = o.out + "/coverage", .build = !o.no_build});
  if (!r) return fail(r.error().message());
  std::fputs(render_fuzz_coverage(*r, targets.size(), o.fail_under).c_str(), stdout);
  const bool below = r->below(o.fail_under);
  return below ? Outcome::kFinding : Outcome::kPass;
}

}  // namespace

void setup_fuzz(CLI::App& app, Runner& runner) {
  auto o = std::make_shared<FuzzOptions>();
  CLI::App* sub = app.add_subcommand("fuzz", "Run fuzz campaigns on the shm model and channel targets");
  sub->require_subcommand(1, 1);
  sub->footer("Targets: " + target_names() +
              ". Exit 0 no crash, 1 crash found (or coverage\n"
              "below --fail-under, or repro reproduced), 2 usage or environment error, or a run interrupted by Ctrl-C\n"
              "before it found anything (it still prints what it did).");
  auto common = [&](CLI::App* c) {
    c->add_option("--out", o->out, "Working directory: logs, new inputs, crashes/, coverage/")->capture_default_str();
    c->add_option("--prefix", o->prefix,
                  "An install prefix holding share/shmharness/fuzz and libexec/shmharness/fuzz (default: "
                  "this binary's prefix, or the tree it was built from)")
        ->envname("SHMH_FUZZ_PREFIX");
    c->add_option("--source", o->source, "A checkout holding fuzz/<target>/ (default: the one built from)");
    c->add_option("--fuzzers", o->fuzzers, "Directory of the <target>_fuzzer binaries (default: build/fuzz/fuzz)");
  };
  CLI::App* list = sub->add_subcommand("list", "List the targets, their corpora and whether they are built");
  common(list);
  list->callback([o, &runner] {
    runner = [o] {
      o->action = "list";
      return run_fuzz_command(*o);
    };
  });

  CLI::App* run = sub->add_subcommand("run", "Fuzz targets (all by default) with libFuzzer -fork");
  run->add_option("targets", o->targets, "Targets to fuzz, one after another");
  run->add_option("-t,--time", o->time, "Time per target: 90, 30s, 10m, 2h")->capture_default_str();
  run->add_option("-j,--jobs", o->jobs, "Parallel fuzzing jobs (libFuzzer -fork=N)")->capture_default_str();
  run->add_option("--json", o->json, "Write the JSON report here ('-' = stdout)");
  run->add_option("--html", o->html,
                  "Write a self-contained HTML report here: coverage, corpus and executions over time per target "
                  "(needs libjs-chart.js)");
  run->add_flag("--no-merge", o->no_merge, "Keep new inputs in --out instead of merging them into the corpus");
  run->add_option("--seed", o->seed, "libFuzzer -seed (0 = random)");
  common(run);
  run->callback([o, &runner] {
    runner = [o] {
      o->action = "run";
      return run_fuzz_command(*o);
    };
  });

  CLI::App* chan = sub->add_subcommand(
      "channel", "Fuzz your channel: operation sequences checked against a model of what its flags declare");
  chan->add_option("channel", o->channel, "A channel plugin (path to a .so) or a built-in (ring, pipe, boost-mq)")
      ->required();
  chan->add_option("-t,--time", o->time, "Time per target")->capture_default_str();
  chan->add_option("-j,--jobs", o->jobs, "Parallel fuzzing jobs (libFuzzer -fork=N)")->capture_default_str();
  chan->add_option("--json", o->json, "Write the JSON report here ('-' = stdout)");
  chan->add_option("--html", o->html, "Write a self-contained HTML report here (needs libjs-chart.js)");
  chan->add_flag("--no-merge", o->no_merge, "Keep new inputs apart instead of merging them into the channel's corpus");
  chan->add_option("--seed", o->seed, "libFuzzer -seed (0 = random)");
  chan->footer("Targets: " + [] {
    std::string names;
    for (const auto& t : channel_targets()) names += (names.empty() ? "" : ", ") + t;
    return names;
  }() + ". The channel's corpus and crashes are kept in --out/channel-<name>/ (seeded from the installed corpus).");
  common(chan);
  chan->callback([o, &runner] {
    runner = [o] {
      o->action = "channel";
      return run_fuzz_command(*o);
    };
  });

  CLI::App* repro =
      sub->add_subcommand("repro", "Run inputs through a target (never fuzzing) and say which reproduce a finding");
  repro->add_option("target", o->target, "The target")->required();
  repro->add_option("inputs", o->inputs, "Inputs: crash files, corpus files, directories of them");
  repro->add_flag("--with-corpus", o->with_corpus, "Also run the target's own corpus and regressions");
  repro->add_option("--channel", o->channel, "For a channel target (plugin_ops): the channel the input ran on");
  common(repro);
  repro->callback([o, &runner] {
    runner = [o] {
      o->action = "repro";
      return run_fuzz_command(*o);
    };
  });

  CLI::App* cov = sub->add_subcommand("coverage", "Build with the coverage preset; HTML + lcov of the corpora");
  cov->add_option("targets", o->targets, "Targets whose corpora count (default: all)");
  cov->add_flag("--no-build", o->no_build, "Use build/coverage as it is");
  cov->add_option("--fail-under", o->fail_under, "Exit 1 when model+segment+ring line coverage is below this %");
  common(cov);
  cov->callback([o, &runner] {
    runner = [o] {
      o->action = "coverage";
      return run_fuzz_command(*o);
    };
  });
}

Outcome run_fuzz_command(const FuzzOptions& options) {
  if (options.action == "list") return run_list(options);
  if (options.action == "run") return run_run(options);
  if (options.action == "channel") return run_channel(options);
  if (options.action == "repro") return run_repro(options);
  return run_coverage(options);
}

}  // namespace shmh::cli
