#include "report/html_page.h"

#include "report/markup_escape.h"

namespace shmh {
namespace {

constexpr std::string_view kStyle = R"css(
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; max-width: 1200px; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; } h2 { font-size: 1.2em; margin-top: 1.8em; border-bottom: 1px solid #ccc; }
h3 { font-size: 1em; margin: 1em 0 0.3em; }
table { border-collapse: collapse; margin: 0.5em 0; } td, th { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.pass { color: #176317; font-weight: bold; } .fail { color: #b00020; font-weight: bold; }
.other { color: #8a5a00; font-weight: bold; }
.charts { display: flex; flex-wrap: wrap; gap: 1em; } .chart { width: 560px; height: 280px; position: relative; }
pre, code { font: 12px/1.35 ui-monospace, monospace; } pre { background: #f7f7f7; padding: 0.5em; overflow-x: auto; white-space: pre-wrap; }
.finding { border-left: 4px solid #b00020; padding-left: 0.8em; margin: 0.8em 0; }
.muted { color: #666; }
)css";

// Helpers every page's script uses; errors are caught so a test can see them in the DOM.
constexpr std::string_view kCommonScript = R"js(
const ERRORS = [];
window.addEventListener('error', e => { ERRORS.push(String(e.message)); document.body.dataset.errors = ERRORS.length; });
window.addEventListener('unhandledrejection', e => { ERRORS.push(String(e.reason)); document.body.dataset.errors = ERRORS.length; });
const REPORT = JSON.parse(document.getElementById('report-data').textContent);
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v; else e.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    e.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
  return e;
}
function fmt(n) {
  if (n === null || n === undefined) return '—';
  const a = Math.abs(n);
  if (a >= 1e9) return (n / 1e9).toFixed(2) + ' G';
  if (a >= 1e6) return (n / 1e6).toFixed(2) + ' M';
  if (a >= 1e4) return (n / 1e3).toFixed(1) + ' k';
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}
function ns(v) {
  if (v === null || v === undefined) return '—';
  if (v >= 1e9) return (v / 1e9).toFixed(2) + ' s';
  if (v >= 1e6) return (v / 1e6).toFixed(2) + ' ms';
  if (v >= 1e3) return (v / 1e3).toFixed(1) + ' µs';
  return v + ' ns';
}
function verdictClass(v) { return v === 'pass' ? 'pass' : (v === 'fail' ? 'fail' : 'other'); }
function table(head, rows, numeric) {
  return el('table', {}, el('tr', {}, head.map(h => el('th', {}, h))),
            rows.map(r => el('tr', {}, r.map((c, i) => el('td', numeric && numeric[i] ? {class: 'num'} : {}, c)))));
}
// A Chart.js chart in its own box; counted, and its painted pixels recorded once drawn.
let CHARTS = 0;
function chart(parent, config) {
  const box = el('div', {class: 'chart'});
  const canvas = el('canvas', {});
  box.appendChild(canvas);
  parent.appendChild(box);
  config.options = Object.assign({animation: false, responsive: true, maintainAspectRatio: false}, config.options || {});
  const c = new Chart(canvas.getContext('2d'), config);
  CHARTS += 1;
  document.body.dataset.charts = CHARTS;
  const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < px.length; i += 4) if (px[i] !== 0) painted += 1;
  canvas.dataset.painted = painted;
  return c;
}
)js";

}  // namespace

std::string script_safe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    out += text[i];
    if (text[i] == '<' && i + 1 < text.size() && text[i + 1] == '/') out += '\\';
  }
  return out;
}

std::string render_html_page(const HtmlPage& page) {
  std::string out;
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>";
  out += markup_escape(page.title);
  out += "</title>\n<style>";
  out += kStyle;
  out += "</style>\n<script>\n";
  out += script_safe(page.chart_js);
  out +=
      "\n</script>\n</head>\n<body data-rendered=\"0\" data-charts=\"0\" data-errors=\"0\">\n<div id=\"app\"></div>\n";
  out += "<script type=\"application/json\" id=\"report-data\">";
  // "</" cannot end the element early once made script-safe; JSON.parse reads "<\/" as "</".
  out += script_safe(page.data);
  out += "</script>\n<script>\n";
  out += kCommonScript;
  out += "try {\n";
  out += script_safe(page.script);
  out +=
      "\n} catch (e) { ERRORS.push(String(e && e.stack || e)); document.body.dataset.errors = ERRORS.length;"
      " document.getElementById('app').appendChild(el('pre', {id: 'render-error'}, 'report script error: ' + e)); }\n"
      "document.body.dataset.rendered = '1';\n</script>\n</body>\n</html>\n";
  return out;
}

}  // namespace shmh
