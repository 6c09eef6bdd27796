// One self-contained HTML page for a report (`stress --html`, `fuzz run --html`, `limits --html`):
// the report's JSON document embedded as data, Chart.js inlined (the caller passes its text: it
// comes from Debian's libjs-chart.js, never from the network), and a script that draws the page
// from the data. Opens offline, from a CI artifact browser or a file:// URL.
//
// Every page records what a test (tests/report/html_render_test.sh) needs on <body>: data-rendered
// ("1" once the script finished), data-charts (charts drawn), data-errors (script errors caught);
// each chart's canvas gets data-painted (pixels the chart painted).
//
//   std::string page = render_html_page({.title = "shmharness stress: ring", .chart_js = js,
//                                        .data = render_stress_json(result), .script = kStressScript});
#pragma once

#include <string>
#include <string_view>

namespace shmh {

struct HtmlPage {
  std::string title;
  std::string_view chart_js;  // Chart.js (UMD build: defines the global Chart)
  std::string data;           // the report's JSON document, as text
  std::string_view script;    // draws into #app from the global REPORT (the data); html_page.cc's helpers in scope
};

std::string render_html_page(const HtmlPage& page);

// Text safe inside <script>: "</" becomes "<\/" (the same string to JavaScript and JSON).
std::string script_safe(std::string_view text);

}  // namespace shmh
