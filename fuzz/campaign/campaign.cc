#include "fuzz/campaign/campaign.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/process/run_command.h"

namespace shmh::fuzz {
namespace {

namespace fs = std::filesystem;

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool executable(const std::string& path) { return ::access(path.c_str(), X_OK) == 0; }

std::string short_hash(const std::string& s) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%08zx", std::hash<std::string>{}(s)&0xffffffffU);
  return buf;
}

// -max_len, -timeout, -rss_limit_mb and -dict from the target's .options.
std::vector<std::string> option_flags(const FuzzLayout& layout, const std::string& target) {
  std::vector<std::string> flags;
  for (const auto& [key, value] : read_options(layout.target_dir(target) + "/" + target + ".options")) {
    flags.push_back("-" + key + "=" + (key == "dict" ? layout.target_dir(target) + "/" + value : value));
  }
  return flags;
}

}  // namespace

Result<std::string> reproduce(const FuzzLayout& layout, const std::string& target, const std::string& input,
                              const std::string& log, const std::vector<std::string>& env) {
  std::string binary = layout.fuzzer(target);
  if (!executable(binary)) binary = layout.replay(target);
  if (!executable(binary)) {
    return logic_error("fuzz repro", "no binary for " + target + " at " + layout.fuzzer(target) + " or " +
                                         layout.replay(target) + "; build one with 'cmake --workflow --preset fuzz'");
  }
  if (!fs::is_regular_file(input)) return logic_error("fuzz repro", input + " is not a readable file");
  std::error_code ec;
  fs::remove(log, ec);
  auto exit = run_command({binary, input}, {.output = log, .env = env, .timeout = std::chrono::minutes(5)});
  if (!exit) return exit.error();
  const std::string text = read_text(log);
  const std::string signature = crash_signature(text);
  if (!signature.empty()) return signature;
  // Exit 2 is a target that could not start (no sandbox, a channel that does not load): an
  // environment error in its own words, not a finding.
  if (exit->signal == 0 && exit->code == 2) {
    std::string last = text.substr(0, text.find_last_not_of('\n') + 1);
    last = last.substr(last.find_last_of('\n') + 1);
    return logic_error("fuzz repro", target + " could not run: " + (last.empty() ? exit->describe() : last));
  }
  return exit->ok() ? std::string() : "exited abnormally: " + exit->describe();
}

Result<TargetReport> run_campaign(const FuzzLayout& layout, const std::string& target, const CampaignOptions& options,
                                  const std::function<bool()>& interrupted) {
  const std::string fuzzer = layout.fuzzer(target);
  if (!executable(fuzzer)) {
    return logic_error("fuzz run", "no libFuzzer binary at " + fuzzer +
                                       "; build the fuzz preset first: cmake --workflow --preset fuzz");
  }
  const std::string work = options.out_dir + "/" + target;
  const std::string fresh = work + "/new";
  const std::string artifacts = work + "/artifacts/";
  const std::string crashes = options.out_dir + "/crashes";
  std::error_code ec;
  fs::remove_all(artifacts, ec);  // only this run's findings are triaged
  for (const std::string& d : {fresh, artifacts, crashes}) {
    fs::create_directories(d, ec);
    if (ec) return sys_error(ec.value(), "mkdir", d);
  }
  // A checkout's corpus grows in place (and is committed); an installed one is read-only to its
  // users: the campaign keeps and grows its own copy under --out, reading the installed one too.
  const bool installed = layout.source_dir.empty();
  const bool own_corpus = installed || !options.corpus_dir.empty();
  const std::string corpus =
      !options.corpus_dir.empty() ? options.corpus_dir : (installed ? work + "/corpus" : layout.corpus(target));
  fs::create_directories(corpus, ec);
  TargetReport report;
  report.target = target;
  report.log = work + "/fuzz.log";
  report.corpus_before = count_inputs(corpus);
  const std::size_t fresh_before = count_inputs(fresh);
  fs::remove(report.log, ec);

  // -fork: jobs in child processes; -ignore_*: a crash ends a job, not the campaign.
  std::vector<std::string> argv = {fuzzer,
                                   "-fork=" + std::to_string(std::max(1U, options.jobs)),
                                   "-ignore_crashes=1",
                                   "-ignore_timeouts=1",
                                   "-ignore_ooms=1",
                                   "-max_total_time=" + std::to_string(options.seconds),
                                   "-artifact_prefix=" + artifacts,
                                   "-print_final_stats=1"};
  if (options.seed != 0) argv.push_back("-seed=" + std::to_string(options.seed));
  for (std::string& f : option_flags(layout, target)) argv.push_back(std::move(f));
  argv.insert(argv.end(), {fresh, corpus, layout.regressions(target)});
  if (own_corpus) argv.push_back(layout.corpus(target));
  const auto start = std::chrono::steady_clock::now();
  // In a process group of its own: libFuzzer's -fork parent counts a job killed by the terminal's
  // Ctrl-C as a crash and goes on, so the interrupt is ours to handle, by ending the whole group.
  auto exit = run_command(argv, {.output = report.log,
                                 .env = options.env,
                                 .timeout = std::chrono::seconds(options.seconds + 300),
                                 .should_stop = interrupted,
                                 .own_process_group = true});
  report.seconds = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start).count());
  if (!exit) return exit.error();
  report.interrupted = interrupted();
  report.stats = parse_libfuzzer_log(read_text(report.log));
  if (!report.stats.found_status) {
    return logic_error("fuzz run", target + " did not start fuzzing (" + exit->describe() + "); see " + report.log);
  }

  if (options.merge && count_inputs(fresh) > 0) {
    std::vector<std::string> merge = {fuzzer, "-merge=1"};
    for (std::string& f : option_flags(layout, target)) merge.push_back(std::move(f));
    merge.insert(merge.end(), {corpus, fresh});
    auto merged = run_command(merge, {.output = work + "/merge.log",
                                      .env = options.env,
                                      .timeout = std::chrono::minutes(30),
                                      .should_stop = interrupted,
                                      .own_process_group = true});
    if (!merged) return merged.error();
  }
  report.corpus_after = count_inputs(corpus);
  // Merged: what the corpus gained; not merged: what this run found (kept in `fresh`).
  const std::size_t found = count_inputs(fresh);
  report.new_inputs = options.merge ? report.corpus_after - std::min(report.corpus_after, report.corpus_before)
                                    : found - std::min(found, fresh_before);

  // Triage: reproduce each artifact, group by signature, minimise one input per signature.
  std::map<std::string, std::vector<std::string>> by_signature;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(artifacts, ec)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const fs::path& f : files) {
    const std::string kind = f.filename().string().substr(0, f.filename().string().find('-'));
    std::string signature = kind;  // timeouts and OOMs are not re-run: that would take as long again
    if (kind == "crash" || kind == "leak") {
      auto sig = reproduce(layout, target, f.string(), work + "/repro.log", options.env);
      if (!sig) return sig.error();
      signature = sig->empty() ? "did not reproduce alone (" + kind + ")" : *sig;
    }
    by_signature[signature].push_back(f.string());
  }
  for (const auto& [signature, inputs] : by_signature) {
    std::string out = crashes;
    out.append("/").append(target).append("-").append(short_hash(signature));
    fs::remove(out, ec);
    if (!report.interrupted && fs::path(inputs.front()).filename().string().rfind("crash-", 0) == 0) {
      (void)run_command(
          {fuzzer, "-minimize_crash=1", "-max_total_time=60", "-exact_artifact_path=" + out, inputs.front()},
          {.output = work + "/minimize.log", .env = options.env, .timeout = std::chrono::minutes(3)});
    }
    if (!fs::exists(out)) fs::copy_file(inputs.front(), out, fs::copy_options::overwrite_existing, ec);
    // The repro command names the binaries it needs when they are not the default ones.
    std::string repro = "shmharness fuzz repro ";
    repro.append(target).append(" ").append(out);
    if (layout.fuzzer_dir != default_layout().fuzzer_dir) repro.append(" --fuzzers ").append(layout.fuzzer_dir);
    repro.append(options.repro_suffix);
    CrashReport c{.signature = signature, .file = out, .repro = repro, .duplicates = inputs.size() - 1};
    std::ofstream note(out + ".txt");
    note << "target: " << target << "\nsignature: " << signature << "\nreproduce: " << c.repro
         << "\nkeep as a regression: ";
    if (options.corpus_dir.empty()) {
      note << "cp " << out << " fuzz/" << target << "/regressions/\n";
    } else {
      note << "copy " << out << " beside your channel's tests (shmharness_add_fuzz_test INPUTS replays it)\n";
    }
    report.crashes.push_back(std::move(c));
  }
  return report;
}

}  // namespace shmh::fuzz
