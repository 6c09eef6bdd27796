// The --html reports as a person opens them: a real run's report, loaded by headless Chromium
// (Debian's chromium, installed by ci/setup.sh), renders without a script or console error, draws
// its charts (pixels painted on each canvas), and shows every finding and every phase of the JSON
// report written beside it; the limits and fuzz reports likewise.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "fuzz/campaign/libfuzzer_log.h"
#include "report/fuzz_html.h"
#include "tests/support/test_support.h"

namespace shmh {
namespace {

namespace fs = std::filesystem;

struct Rendered {
  std::string dom;
  std::string console;  // chromium's "CONSOLE" log lines: none expected
};

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

constexpr const char* kChartJs = "/usr/share/javascript/chart.js/chart.min.js";  // libjs-chart.js

const char* chromium_path() {
  const char* env = std::getenv("SHMH_CHROMIUM");  // NOLINT(concurrency-mt-unsafe): no other thread
  return env != nullptr ? env : "/usr/bin/chromium";
}

// The DOM after the page's scripts ran, and what the page logged to its console.
Rendered render(const fs::path& html, const fs::path& profile) {
  const auto run = test::run_program(
      chromium_path(), {"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--enable-logging=stderr",
                        "--v=0", "--user-data-dir=" + profile.string(), "--dump-dom", "file://" + html.string()});
  Rendered r;
  r.dom = run.out;
  std::istringstream err(run.err);
  for (std::string line; std::getline(err, line);) {
    if (line.find(":CONSOLE") != std::string::npos) r.console += line + "\n";
  }
  EXPECT_EQ(run.code, 0) << run.err;
  return r;
}

std::string body_attr(const std::string& dom, const std::string& name) {
  const std::regex body("<body[^>]*\\b" + name + "=\"([^\"]*)\"");
  std::smatch m;
  return std::regex_search(dom, m, body) ? m[1].str() : std::string("(missing)");
}

// The text between the start of <section data-phase="name"> and the next section (or the end).
std::string section_of(const std::string& dom, const std::string& phase) {
  const auto at = dom.find("data-phase=\"" + phase + "\"");
  if (at == std::string::npos) return {};
  const auto next = dom.find("<section", at);
  return dom.substr(at, next == std::string::npos ? std::string::npos : next - at);
}

// HTML-escaped as the DOM serialises text ('&', '<', '>').
std::string escaped(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '&')
      out += "&amp;";
    else if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else
      out += c;
  }
  return out;
}

class HtmlReport : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("shmh-html-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    ASSERT_TRUE(fs::exists(chromium_path()))
        << chromium_path() << " is missing: run ci/setup.sh (apt-get install chromium)";
    ASSERT_TRUE(fs::exists(kChartJs)) << kChartJs << " is missing: run ci/setup.sh (apt-get install libjs-chart.js)";
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(HtmlReport, StressReportOfAFailingRunShowsEveryPhaseChartAndFinding) {
  const fs::path html = dir_ / "stress.html";
  const fs::path json = dir_ / "stress.json";
  const auto run = test::run_program(
      SHMH_CLI_PATH, {"stress", "--channel", std::string(SHMH_BROKEN_DIR) + "/libshmh_broken_corrupt.so", "--duration",
                      "3s", "--seed", "7", "--quiet", "--json", json.string(), "--html", html.string()});
  ASSERT_EQ(run.code, 1) << run.out << run.err;
  const auto report = nlohmann::json::parse(read_file(json));
  ASSERT_FALSE(report["findings"].empty());

  const Rendered r = render(html, dir_ / "profile");
  EXPECT_EQ(body_attr(r.dom, "data-rendered"), "1");
  EXPECT_EQ(body_attr(r.dom, "data-errors"), "0") << r.dom.substr(0, 2000);
  EXPECT_EQ(r.console, "");
  EXPECT_NE(r.dom.find("id=\"verdict\" class=\"fail\">FAIL<"), std::string::npos);
  // The seed as text: a u64 that JavaScript's numbers would round.
  EXPECT_NE(r.dom.find(report["seed"].dump()), std::string::npos);

  std::size_t ran = 0;
  for (const auto& p : report["phases"]) {
    const std::string name = p["name"];
    const std::string sec = section_of(r.dom, name);
    ASSERT_FALSE(sec.empty()) << name;
    if (!p["ran"].get<bool>()) continue;
    ++ran;
    // Its throughput chart (and latency histogram) painted something.
    const std::regex painted("data-painted=\"([0-9]+)\"");
    std::size_t canvases = 0;
    for (auto it = std::sregex_iterator(sec.begin(), sec.end(), painted); it != std::sregex_iterator(); ++it) {
      ++canvases;
      EXPECT_GT(std::stoul((*it)[1].str()), 1000U) << name;
    }
    EXPECT_EQ(canvases, p["latency_histogram"].empty() ? 1U : 2U) << name;
  }
  EXPECT_GT(ran, 0U);
  EXPECT_GE(std::stoul(body_attr(r.dom, "data-charts")), ran);
  // Every finding: in the summary table and in its phase's section with its history.
  for (std::size_t i = 0; i < report["findings"].size(); ++i) {
    const auto& f = report["findings"][i];
    EXPECT_NE(r.dom.find(escaped(f["detail"].get<std::string>())), std::string::npos) << f["detail"];
    const std::string sec = section_of(r.dom, f["phase"].get<std::string>());
    const std::string id = "id=\"finding-" + std::to_string(i) + "\"";
    EXPECT_NE(sec.find(id), std::string::npos) << f["kind"] << " not in its phase's section";
    EXPECT_NE(r.dom.find(escaped(f["replay"].get<std::string>())), std::string::npos);
    if (!f["history"].empty()) {
      EXPECT_NE(sec.find(escaped(f["history"][0]["peer"].get<std::string>())), std::string::npos);
    }
  }
}

TEST_F(HtmlReport, LimitsReportListsFailingChecksFirst) {
  const fs::path html = dir_ / "limits.html";
  // One requirement no machine meets (16 million segments: kernel.shmmni is at most 32768), one every machine does.
  const auto run = test::run_program(
      SHMH_CLI_PATH, {"limits", "--require", "segment-size=1,segments=16000000", "--quiet", "--html", html.string()});
  ASSERT_EQ(run.code, 1) << run.out << run.err;
  const Rendered r = render(html, dir_ / "profile");
  EXPECT_EQ(body_attr(r.dom, "data-rendered"), "1");
  EXPECT_EQ(body_attr(r.dom, "data-errors"), "0");
  EXPECT_EQ(r.console, "");
  const auto first_fail = r.dom.find("data-pass=\"0\"");
  const auto first_pass = r.dom.find("data-pass=\"1\"");
  ASSERT_NE(first_fail, std::string::npos);
  ASSERT_NE(first_pass, std::string::npos);
  EXPECT_LT(first_fail, first_pass);
  EXPECT_NE(r.dom.find("segments"), std::string::npos);
  EXPECT_NE(r.dom.find("data-painted"), std::string::npos);  // the how-full chart
}

TEST_F(HtmlReport, FuzzReportDrawsEachTargetsProgressAndCrashes) {
  // A campaign's report as the fuzz command builds it, from -fork status lines (no fuzz build needed).
  fuzz::TargetReport t;
  t.target = "sysv_api";
  t.seconds = 30;
  std::string log;
  for (int i = 1; i <= 30; ++i) {
    log += "#" + std::to_string(i * 5000) + ": cov: " + std::to_string(900 + i * 10) +
           " ft: 3000 corp: " + std::to_string(100 + i) + " exec/s 5000 oom/timeout/crash: 0/0/" +
           std::to_string(i / 20) + " time: " + std::to_string(i) + "s job: " + std::to_string(i) + " dft_time: 0\n";
  }
  t.stats = fuzz::parse_libfuzzer_log(log);
  t.crashes.push_back(fuzz::CrashReport{.signature = "AddressSanitizer: heap-buffer-overflow in shmh::f",
                                        .file = "fuzz-out/sysv_api/crashes/crash-1",
                                        .repro = "shmharness fuzz repro sysv_api fuzz-out/sysv_api/crashes/crash-1",
                                        .duplicates = 2});
  const fs::path html = dir_ / "fuzz.html";
  std::ofstream(html) << render_fuzz_html({t}, 1, 30, read_file(kChartJs));
  const Rendered r = render(html, dir_ / "profile");
  EXPECT_EQ(body_attr(r.dom, "data-rendered"), "1");
  EXPECT_EQ(body_attr(r.dom, "data-errors"), "0");
  EXPECT_EQ(r.console, "");
  EXPECT_EQ(body_attr(r.dom, "data-charts"), "2");
  const std::string sec = r.dom.substr(r.dom.find("data-target=\"sysv_api\""));
  EXPECT_NE(sec.find("heap-buffer-overflow"), std::string::npos);
  EXPECT_NE(sec.find("shmharness fuzz repro sysv_api"), std::string::npos);
  EXPECT_NE(r.dom.find("id=\"verdict\" class=\"fail\">FAIL<"), std::string::npos);
}

}  // namespace
}  // namespace shmh
