#include "report/limits_html.h"

#include "report/html_page.h"
#include "report/limits_json.h"

namespace shmh {
namespace {

constexpr std::string_view kScript = R"js(
const R = REPORT;
const app = document.getElementById('app');
const bytes = v => v === null || v === undefined || v >= 2 ** 52 ? 'unlimited' : (v >= 1 << 30 ? (v / (1 << 30)).toFixed(2) + ' GiB' :
  v >= 1 << 20 ? (v / (1 << 20)).toFixed(1) + ' MiB' : v >= 1024 ? (v / 1024).toFixed(1) + ' KiB' : v + ' B');
app.appendChild(el('h1', {}, 'shmharness limits'));
app.appendChild(el('p', {}, 'verdict ', el('span', {id: 'verdict', class: verdictClass(R.verdict)}, R.verdict.toUpperCase())));
// Every check in one list, failing first.
const checks = [];
for (const r of R.requirements) checks.push({what: 'requirement', item: r.item, pass: r.pass,
  detail: `required ${r.required}, available ${r.available === null ? 'unlimited' : r.available}: ${r.reason}`, fix: r.fix || ''});
if (R.probe) for (const i of R.probe.items) checks.push({what: 'probe', item: i.item, pass: i.pass, detail: i.detail, fix: ''});
if (R.selftest) for (const l of R.selftest) checks.push({what: 'self-test', item: l.limit, pass: l.pass,
  detail: `expected: ${l.expected}; observed: ${l.observed}`, fix: ''});
if (R.audit) for (const a of R.audit) checks.push({what: 'audit', item: a.kind, pass: false, detail: a.object + ': ' + a.detail, fix: ''});
checks.sort((a, b) => Number(a.pass) - Number(b.pass));
app.appendChild(el('h2', {}, `Checks (${checks.filter(c => !c.pass).length} failing of ${checks.length})`));
if (checks.length === 0) app.appendChild(el('p', {class: 'muted'}, 'no requirement, probe, self-test or audit asked for: the limits alone'));
else app.appendChild(el('table', {id: 'checks'}, el('tr', {}, ['', 'check', 'item', 'detail', 'fix'].map(h => el('th', {}, h))),
  checks.map(c => el('tr', {'data-pass': c.pass ? '1' : '0'}, el('td', {class: c.pass ? 'pass' : 'fail'}, c.pass ? 'pass' : 'FAIL'),
    el('td', {}, c.what), el('td', {}, c.item), el('td', {}, c.detail), el('td', {}, c.fix ? el('code', {}, c.fix) : '')))));
const L = R.limits, U = R.usage, pages = L.page_size;
const rows = [
  ['segments (kernel.shmmni)', U.sysv_segments, L.shmmni, v => v],
  ['System V memory (kernel.shmall)', U.sysv_pages * pages, L.shmall_pages * pages, bytes],
  ['one segment (kernel.shmmax)', null, L.shmmax, bytes],
  ['/dev/shm (' + (L.dev_shm.mounted ? L.dev_shm.fstype : 'not mounted') + ')', U.dev_shm_used, L.dev_shm.size, bytes],
  ['cgroup memory (' + (L.cgroup.path || '?') + ')', L.cgroup.memory_current, L.cgroup.memory_max, bytes],
  ['locked memory (RLIMIT_MEMLOCK soft)', null, L.memlock.soft, bytes],
  ['huge pages', L.hugepages.total - L.hugepages.free, L.hugepages.total, v => v],
  ['available memory', null, L.mem_available, bytes]];
app.appendChild(el('h2', {}, 'Limits'));
app.appendChild(table(['limit', 'used', 'limit', 'headroom'], rows.map(([name, used, limit, f]) =>
  [name, used === null || used === undefined ? '—' : f(used), limit === null || limit === undefined ? 'unlimited' : f(limit),
   used === null || used === undefined || limit === null || limit === undefined ? '—' : f(Math.max(0, limit - used))]), [false, true, true, true]));
const full = rows.filter(([, used, limit]) => used !== null && used !== undefined && limit);
if (full.length > 0) {
  chart(app, {type: 'bar', data: {labels: full.map(r => r[0]), datasets: [{label: '% used', data: full.map(r => 100 * r[1] / r[2]),
      backgroundColor: full.map(r => r[1] / r[2] > 0.9 ? '#b00020' : '#1f6feb')}]},
    options: {indexAxis: 'y', scales: {x: {min: 0, max: 100, title: {display: true, text: '% of the limit in use'}}},
      plugins: {title: {display: true, text: 'how full each limit is'}}}});
}
if (R.traps && R.traps.length > 0) {
  app.appendChild(el('h2', {}, 'Traps'));
  app.appendChild(el('ul', {id: 'traps'}, R.traps.map(t => el('li', {class: 'fail'}, t))));
}
if (R.container_hints && R.container_hints.length > 0) {
  app.appendChild(el('h2', {}, 'Container hints'));
  app.appendChild(el('ul', {}, R.container_hints.map(h => el('li', {}, h))));
}
)js";

}  // namespace

std::string render_limits_html(const LimitsOutcome& outcome, std::string_view chart_js) {
  return render_html_page(
      HtmlPage{.title = std::string("shmharness limits (") + (outcome.pass() ? "pass" : "fail") + ")",
               .chart_js = chart_js,
               .data = limits_json(outcome).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
               .script = kScript});
}

}  // namespace shmh
