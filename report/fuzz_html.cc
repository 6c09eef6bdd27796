#include "report/fuzz_html.h"

#include "report/fuzz_json.h"
#include "report/html_page.h"

namespace shmh {
namespace {

constexpr std::string_view kScript = R"js(
const R = REPORT;
const app = document.getElementById('app');
app.appendChild(el('h1', {}, 'shmharness fuzz run'));
app.appendChild(el('p', {}, 'verdict ', el('span', {id: 'verdict', class: verdictClass(R.verdict)}, R.verdict.toUpperCase()),
  ` · ${R.targets.length} target(s) · ${R.options.seconds_per_target} s each · ${R.options.jobs} job(s)`));
app.appendChild(table(['target', 'seconds', 'executions', 'exec/s', 'coverage (edges)', 'features', 'corpus before → after', 'new inputs', 'crashes'],
  R.targets.map(t => [el('a', {href: '#target-' + t.name}, t.name), t.seconds, fmt(t.execs), fmt(t.exec_per_s), t.coverage_edges, t.features,
    `${t.corpus_before} → ${t.corpus_after}`, t.new_inputs, t.crashes.length]), [false, true, true, true, true, true, true, true, true]));
R.targets.forEach(t => {
  const sec = el('section', {id: 'target-' + t.name, 'data-target': t.name});
  app.appendChild(sec);
  sec.appendChild(el('h2', {}, t.name + (t.interrupted ? ' (interrupted)' : '')));
  sec.appendChild(el('p', {class: 'muted'}, 'log: ' + t.log));
  const charts = el('div', {class: 'charts'});
  sec.appendChild(charts);
  if (t.series.length > 0) {
    const pts = key => t.series.map(x => ({x: x.t_s, y: x[key]}));
    chart(charts, {type: 'line', data: {datasets: [
        {label: 'coverage (edges)', data: pts('coverage_edges'), borderColor: '#1f6feb', pointRadius: 1, yAxisID: 'y'},
        {label: 'corpus (inputs)', data: pts('corpus'), borderColor: '#8a5a00', pointRadius: 1, yAxisID: 'y2'},
        {label: 'crashes, timeouts, OOMs', data: pts('crashes'), borderColor: '#b00020', pointRadius: 1, yAxisID: 'y2'}]},
      options: {scales: {x: {type: 'linear', title: {display: true, text: 's'}}, y: {beginAtZero: true, title: {display: true, text: 'edges'}},
        y2: {position: 'right', beginAtZero: true, grid: {drawOnChartArea: false}, title: {display: true, text: 'inputs'}}},
        plugins: {title: {display: true, text: t.name + ': coverage and corpus'}}}});
    chart(charts, {type: 'line', data: {datasets: [{label: 'executions', data: pts('execs'), borderColor: '#176317', pointRadius: 1}]},
      options: {scales: {x: {type: 'linear', title: {display: true, text: 's'}}, y: {beginAtZero: true}},
        plugins: {title: {display: true, text: t.name + ': executions'}}}});
  } else {
    charts.appendChild(el('p', {class: 'muted'}, 'no status line in the log: the fuzzer printed no progress'));
  }
  t.crashes.forEach((c, i) => sec.appendChild(el('div', {class: 'finding', id: `crash-${t.name}-${i}`},
    el('h3', {}, 'CRASH ' + c.signature), el('p', {}, `reproducer: ${c.file}` + (c.duplicates ? ` (${c.duplicates} more input(s) with this signature)` : '')),
    el('p', {}, 'replay: ', el('code', {}, c.repro)))));
});
)js";

}  // namespace

std::string render_fuzz_html(const std::vector<fuzz::TargetReport>& reports, unsigned jobs, std::uint64_t seconds,
                             std::string_view chart_js) {
  auto data = fuzz_json(reports, jobs, seconds);
  return render_html_page(
      HtmlPage{.title = std::string("shmharness fuzz run (") + data["verdict"].get<std::string>() + ")",
               .chart_js = chart_js,
               .data = data.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace),
               .script = kScript});
}

}  // namespace shmh
