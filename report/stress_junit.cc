#include "report/stress_junit.h"

#include <fmt/format.h>

#include <vector>

#include "report/markup_escape.h"
#include "report/stress_text.h"
#include "stress/replay_command.h"

namespace shmh {
namespace {

struct Case {
  std::string name;
  double seconds = 0;
  std::vector<const stress::Finding*> failures;
  std::string skipped;
  std::string error;
  std::string out;  // <system-out>: how the campaign fitted the phase to the channel, if it did
};

}  // namespace

std::string render_stress_junit(const stress::StressResult& r) {
  std::vector<Case> cases;
  for (const auto& p : r.phases) {
    Case c{.name = p.phase.name,
           .seconds = p.seconds,
           .failures = {},
           .skipped = p.ran ? "" : p.skipped,
           .error = {},
           .out = p.fitted.empty() ? "" : p.shape + " (fitted: " + p.fitted + ")"};
    for (const auto& f : r.findings) {
      if (f.phase == p.phase.name) c.failures.push_back(&f);
    }
    cases.push_back(std::move(c));
  }
  Case cleanup{.name = "cleanup", .seconds = 0, .failures = {}, .skipped = {}, .error = r.error_message(), .out = {}};
  for (const auto& f : r.findings) {
    bool placed = false;
    for (const auto& p : r.phases) placed = placed || f.phase == p.phase.name;
    if (!placed) cleanup.failures.push_back(&f);
  }
  cases.push_back(std::move(cleanup));

  std::size_t failures = 0, errors = 0, skipped = 0;
  for (const auto& c : cases) {
    failures += c.failures.empty() ? 0U : 1U;
    errors += c.error.empty() ? 0U : 1U;
    skipped += c.skipped.empty() ? 0U : 1U;
  }
  const std::string suite =
      "shmharness stress " + markup_escape(r.channel_name.empty() ? r.options.channel : r.channel_name);
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites name=\"shmharness\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{:.3f}\">\n",
                     cases.size(), failures, errors, r.seconds);
  out += fmt::format(
      "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{:.3f}\">\n", suite,
      cases.size(), failures, errors, skipped, r.seconds);
  out += fmt::format(
      "    <properties><property name=\"seed\" value=\"{}\"/><property name=\"kernel\" value=\"{}\"/>"
      "<property name=\"verdict\" value=\"{}\"/></properties>\n",
      r.options.seed, markup_escape(r.kernel), stress::to_string(r.verdict()));
  for (const auto& c : cases) {
    out += fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3f}\"", suite, markup_escape(c.name),
                       c.seconds);
    if (c.failures.empty() && c.skipped.empty() && c.error.empty() && c.out.empty()) {
      out += "/>\n";
      continue;
    }
    out += ">\n";
    for (const auto* f : c.failures) {
      const std::string kind(stress::to_string(f->kind));
      out += fmt::format("      <failure type=\"{}\" message=\"{}\">{}\nreplay: {}\n{}</failure>\n",
                         markup_escape(kind), markup_escape(kind + ": " + f->detail), markup_escape(f->detail),
                         markup_escape(stress::replay_command(r.options, f->phase)),
                         markup_escape(render_finding_history(*f, "")));
    }
    if (!c.error.empty()) out += fmt::format("      <error message=\"{}\"/>\n", markup_escape(c.error));
    if (!c.skipped.empty()) out += fmt::format("      <skipped message=\"{}\"/>\n", markup_escape(c.skipped));
    if (!c.out.empty()) out += fmt::format("      <system-out>{}</system-out>\n", markup_escape(c.out));
    out += "    </testcase>\n";
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace shmh
