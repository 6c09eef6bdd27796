#include "report/stress_html.h"

#include "report/html_page.h"
#include "report/stress_json.h"

namespace shmh {
namespace {

constexpr std::string_view kScript = R"js(
const R = REPORT;
const app = document.getElementById('app');
const phaseFindings = name => R.findings.filter(f => f.phase === name);
const when = f => f.t_s === null ? 'end-of-phase audit' : fmt(f.t_s) + ' s';

app.appendChild(el('h1', {}, 'shmharness stress: ' + R.channel));
app.appendChild(el('p', {}, 'verdict ', el('span', {id: 'verdict', class: verdictClass(R.verdict)}, R.verdict.toUpperCase()),
  ` · seed ${R.seed} · ${fmt(R.seconds)} s · ${R.options.peers} · backend ${R.options.backend} · kernel ${R.kernel} · ${R.sandbox}`,
  R.cut_short ? ' · cut short by --fail-fast' : '', R.interrupted ? ' · interrupted' : ''));
if (R.error) app.appendChild(el('p', {class: 'fail'}, 'error: ' + R.error));
const c = R.counts, l = R.latency_ns;
app.appendChild(table(['sent', 'received', 'lost', 'duplicated', 'corrupt', 'reordered', 'stranded', 'abandoned', 'msg/s', 'p50', 'p99', 'p99.9', 'max', 'leaked'],
  [[fmt(c.sent), fmt(c.received), c.lost, c.duplicated, c.corrupt, c.reordered, c.stranded, c.abandoned, fmt(R.throughput.msgs_per_s),
    ns(l.p50), ns(l.p99), ns(l.p999), ns(l.max), R.leaked_segments]], Array(14).fill(true)));

app.appendChild(el('h2', {}, `Findings (${R.findings.length})`));
if (R.findings.length === 0) app.appendChild(el('p', {class: 'pass'}, 'none: every check held'));
else app.appendChild(table(['kind', 'phase', 'when', 'detail', 'replay'],
  R.findings.map((f, i) => [el('a', {href: '#finding-' + i}, f.kind), f.phase, when(f), f.detail, el('code', {}, f.replay)])));

app.appendChild(el('h2', {}, 'Phases'));
app.appendChild(table(['phase', 'ran', 'writers → readers', 'sizes', 'received', 'per s', 'kills', 'pauses', 'findings'],
  R.phases.map(p => [el('a', {href: '#phase-' + p.name}, p.name), p.ran ? 'yes' : 'no: ' + p.skipped,
    `${p.writers} → ${p.readers}`, `${p.msg_size_min}..${p.msg_size_max} B`,
    p.ran ? fmt(p.counts.received) : '—', p.ran && p.active_seconds > 0 ? fmt(p.counts.received / p.active_seconds) : '—',
    p.ran ? p.kills : '—', p.ran ? p.pauses : '—', phaseFindings(p.name).length]), [false, false, false, false, true, true, true, true, true]));

function historyText(f) {
  const lines = [];
  for (const h of f.history) {
    let head = h.peer;
    if (h.pid !== null) head += ` (pid ${h.pid}, incarnation ${h.incarnation}; at the end: ${h.now})`;
    if (h.around !== null) head += ` around seq ${h.around}`;
    lines.push(head + ':');
    for (const e of h.last) {
      const who = e.writer === null ? '' : ` w${e.writer}#${e.seq === null ? '?' : e.seq}`;
      lines.push(`    ${e.op}${who} ${e.size} B ${e.outcome}` + (e.t_ns === null ? '' : ` @${(e.t_ns / 1e9).toFixed(6)} s`) +
                 (e.incarnation ? ` (incarnation ${e.incarnation})` : ''));
    }
  }
  if (f.events.length > 0) {
    lines.push('runner:');
    for (const e of f.events) lines.push(`    ${e.t_s.toFixed(3)} s  ${e.what}`);
  }
  return lines.join('\n');
}

R.phases.forEach(p => {
  const sec = el('section', {id: 'phase-' + p.name, 'data-phase': p.name});
  app.appendChild(sec);
  sec.appendChild(el('h2', {}, 'Phase ' + p.name));
  if (!p.ran) { sec.appendChild(el('p', {class: 'muted'}, 'not run: ' + p.skipped)); return; }
  sec.appendChild(el('p', {}, `${p.workload}: ${p.writers} writer(s) → ${p.readers} reader(s), ${p.msg_size_min}..${p.msg_size_max} B, capacity ${p.capacity}` +
    (p.fitted ? ` (fitted: ${p.fitted})` : '') + ` · ${fmt(p.seconds)} s · latency p50 ${ns(p.latency_ns.p50)}, p99 ${ns(p.latency_ns.p99)}, ` +
    `p99.9 ${ns(p.latency_ns.p999)}, max ${ns(p.latency_ns.max)} (${fmt(p.latency_ns.samples)} samples)`));
  const charts = el('div', {class: 'charts'});
  sec.appendChild(charts);
  const tl = p.timeline;
  const rate = [], kills = [], pauses = [];
  let peak = 0;
  for (let i = 1; i < tl.length; i++) {
    const dt = tl[i].t_s - tl[i - 1].t_s;
    const y = dt > 0 ? (tl[i].operations - tl[i - 1].operations) / dt : 0;
    peak = Math.max(peak, y);
    rate.push({x: tl[i].t_s, y: y});
    if (tl[i].kills > tl[i - 1].kills) kills.push({x: tl[i].t_s, y: y, n: tl[i].kills - tl[i - 1].kills});
    if (tl[i].pauses > tl[i - 1].pauses) pauses.push({x: tl[i].t_s, y: y, n: tl[i].pauses - tl[i - 1].pauses});
  }
  const marks = phaseFindings(p.name).map(f => ({x: f.t_s === null ? p.seconds : f.t_s, y: peak, kind: f.kind}));
  chart(charts, {type: 'line', data: {datasets: [
      {label: 'operations/s', data: rate, borderColor: '#1f6feb', pointRadius: 0, borderWidth: 1.5},
      {label: 'kill + restart', data: kills, type: 'scatter', borderColor: '#b00020', backgroundColor: '#b00020', pointStyle: 'crossRot', pointRadius: 6},
      {label: 'pause', data: pauses, type: 'scatter', borderColor: '#8a5a00', backgroundColor: '#8a5a00', pointStyle: 'rectRot', pointRadius: 4},
      {label: 'finding', data: marks, type: 'scatter', borderColor: '#000', backgroundColor: '#b00020', pointStyle: 'triangle', pointRadius: 9}]},
    options: {scales: {x: {type: 'linear', title: {display: true, text: 's into the phase'}}, y: {beginAtZero: true, title: {display: true, text: 'operations/s'}}},
      plugins: {title: {display: true, text: p.name + ': throughput every ' + (tl.length > 1 ? fmt(tl[1].t_s - tl[0].t_s) : '0.1') + ' s'},
        tooltip: {callbacks: {label: ctx => {
          const d = ctx.raw;
          if (d.kind) return 'finding: ' + d.kind;
          if (d.n) return ctx.dataset.label + ' ×' + d.n + ' at ' + fmt(d.x) + ' s';
          return fmt(d.y) + ' ops/s at ' + fmt(d.x) + ' s';
        }}}}}});
  if (p.latency_histogram.length > 0) {
    chart(charts, {type: 'bar', data: {labels: p.latency_histogram.map(b => '≤ ' + ns(b.upper_ns)),
        datasets: [{label: 'messages', data: p.latency_histogram.map(b => b.count), backgroundColor: '#1f6feb'}]},
      options: {scales: {y: {type: 'logarithmic', title: {display: true, text: 'messages (log)'}}},
        plugins: {title: {display: true, text: p.name + ': send-to-receive latency'}}}});
  } else {
    charts.appendChild(el('p', {class: 'muted'}, 'no latency samples in this phase'));
  }
  if (p.events.length > 0) {
    sec.appendChild(el('details', {}, el('summary', {}, `the runner's last ${p.events.length} kills and pauses`),
      el('pre', {}, p.events.map(e => `${e.t_s.toFixed(3)} s  ${e.what}`).join('\n'))));
  }
  R.findings.forEach((f, i) => {
    if (f.phase !== p.name) return;
    sec.appendChild(el('div', {class: 'finding', id: 'finding-' + i, 'data-kind': f.kind},
      el('h3', {}, `FINDING ${f.kind} (${when(f)})`), el('p', {}, f.detail),
      el('p', {}, 'replay: ', el('code', {}, f.replay)),
      f.history.length + f.events.length > 0 ? el('pre', {}, historyText(f)) : null));
  });
});
// Findings of the run's final checks ("end"), which no phase holds.
R.findings.forEach((f, i) => {
  if (R.phases.some(p => p.name === f.phase)) return;
  app.appendChild(el('div', {class: 'finding', id: 'finding-' + i, 'data-kind': f.kind},
    el('h3', {}, `FINDING ${f.kind} (${f.phase})`), el('p', {}, f.detail), el('p', {}, 'replay: ', el('code', {}, f.replay))));
});
)js";

}  // namespace

std::string render_stress_html(const stress::StressResult& result, std::string_view chart_js) {
  auto data = stress_json(result);
  data["seed"] = std::to_string(result.options.seed);  // a u64: JavaScript's numbers would round it
  return render_html_page(
      HtmlPage{.title = "shmharness stress: " + result.channel_name + " (" + stress::to_string(result.verdict()) + ")",
               .chart_js = chart_js,
               .data = data.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace),
               .script = kScript});
}

}  // namespace shmh
