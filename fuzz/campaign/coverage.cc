#include "fuzz/campaign/coverage.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/process/run_command.h"

namespace shmh::fuzz {
namespace {

namespace fs = std::filesystem;

Result<void> run_step(const std::vector<std::string>& argv, const RunOptions& options, const std::string& what) {
  auto exit = run_command(argv, options);
  if (!exit) return exit.error();
  if (!exit->ok()) {
    return logic_error("fuzz coverage", what + " failed (" + exit->describe() + "); see " + options.output);
  }
  return {};
}

}  // namespace

Result<CoverageReport> run_coverage(const FuzzLayout& layout, const std::vector<std::string>& targets,
                                    const CoverageOptions& options) {
  for (const char* tool : {"llvm-profdata", "llvm-cov"}) {
    if (!program_available(tool)) {
      return logic_error("fuzz coverage", std::string(tool) + " not found; install Debian's llvm package");
    }
  }
  if (layout.source_dir.empty() || layout.coverage_dir.empty()) {
    return logic_error("fuzz coverage",
                       "needs a checkout (it builds the coverage preset and maps lines to sources); "
                       "run it from a checkout's build, or pass --source DIR; the fuzz pieces here "
                       "are an " +
                           layout.where);
  }
  std::error_code ec;
  const std::string out = fs::absolute(options.out_dir, ec).string();
  const std::string profiles = out + "/profiles";
  fs::remove_all(profiles, ec);
  fs::create_directories(profiles, ec);
  if (ec) return sys_error(ec.value(), "mkdir", profiles);
  const std::string log = out + "/coverage.log";
  fs::remove(log, ec);
  const RunOptions in_source{.output = log, .cwd = layout.source_dir, .timeout = std::chrono::minutes(30)};

  std::vector<std::string> binaries;
  binaries.reserve(targets.size());
  for (const std::string& t : targets) binaries.push_back(layout.coverage_dir + "/fuzz/" + t + "_replay");
  if (options.build) {
    if (auto r = run_step({"cmake", "--preset", "coverage"}, in_source, "cmake --preset coverage"); !r)
      return r.error();
    std::vector<std::string> build = {"cmake", "--build", "--preset", "coverage", "--target"};
    for (const std::string& t : targets) build.push_back(t + "_replay");
    if (auto r = run_step(build, in_source, "building the coverage preset"); !r) return r.error();
  }
  for (std::size_t i = 0; i < targets.size(); ++i) {
    if (!fs::exists(binaries[i])) {
      return logic_error("fuzz coverage", binaries[i] +
                                              " is missing; build it: cmake --preset coverage && "
                                              "cmake --build --preset coverage");
    }
    RunOptions run{.output = log,
                   .env = {"LLVM_PROFILE_FILE=" + profiles + "/" + targets[i] + "-%p.profraw"},
                   .timeout = std::chrono::minutes(30)};
    if (auto r = run_step({binaries[i], layout.corpus(targets[i]), layout.regressions(targets[i])}, run,
                          "replaying the " + targets[i] + " corpus");
        !r) {
      return r.error();
    }
  }
  std::vector<std::string> merge = {"llvm-profdata", "merge", "-sparse", "-o", out + "/merged.profdata"};
  for (const auto& e : fs::directory_iterator(profiles, ec)) merge.push_back(e.path().string());
  if (auto r = run_step(merge, {.output = log}, "llvm-profdata merge"); !r) return r.error();

  // llvm-cov takes the first binary as an argument and the others as -object.
  std::vector<std::string> objects = {binaries.front()};
  for (std::size_t i = 1; i < binaries.size(); ++i) objects.insert(objects.end(), {"-object", binaries[i]});
  const std::vector<std::string> common = {"-instr-profile=" + out + "/merged.profdata",
                                           "-ignore-filename-regex=(/usr/|/build/|/tests/|/fuzz/)"};
  auto cov = [&](const std::string& command, std::vector<std::string> extra) {
    std::vector<std::string> argv = {"llvm-cov", command};
    argv.insert(argv.end(), objects.begin(), objects.end());
    argv.insert(argv.end(), common.begin(), common.end());
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  };
  CoverageReport report;
  report.html = out + "/html/index.html";
  report.lcov = out + "/lcov.info";
  fs::remove(report.lcov, ec);
  fs::remove(out + "/summary.json", ec);
  if (auto r =
          run_step(cov("show", {"-format=html", "-output-dir=" + out + "/html"}), {.output = log}, "llvm-cov show");
      !r) {
    return r.error();
  }
  if (auto r =
          run_step(cov("export", {"-format=lcov"}), {.output = report.lcov, .error_output = log}, "llvm-cov export");
      !r) {
    return r.error();
  }
  if (auto r = run_step(cov("export", {"-summary-only"}), {.output = out + "/summary.json", .error_output = log},
                        "llvm-cov export -summary-only");
      !r) {
    return r.error();
  }

  std::ifstream in(out + "/summary.json");
  const nlohmann::json summary = nlohmann::json::parse(in, nullptr, false);
  if (summary.is_discarded() || !summary.contains("data")) {
    return logic_error("fuzz coverage", "llvm-cov's summary is not JSON; see " + out + "/summary.json");
  }
  report.areas = {{"core/model/"}, {"core/segment/"}, {"core/channel/ring/"}, {"core/"}};
  const std::string root = layout.source_dir + "/";
  for (const auto& file : summary["data"][0]["files"]) {
    std::string name = file.value("filename", "");
    if (name.rfind(root, 0) == 0) name = name.substr(root.size());
    const auto& lines = file["summary"]["lines"];
    for (AreaCoverage& a : report.areas) {
      if (name.rfind(a.prefix, 0) != 0) continue;
      a.lines += lines.value("count", 0ULL);
      a.covered += lines.value("covered", 0ULL);
    }
  }
  // The figure the fuzzing goal names: model, segments and ring together.
  AreaCoverage named{kGatedArea};
  for (std::size_t i = 0; i < 3; ++i) {
    named.lines += report.areas[i].lines;
    named.covered += report.areas[i].covered;
  }
  report.areas.insert(report.areas.begin() + 3, named);
  return report;
}

}  // namespace shmh::fuzz
