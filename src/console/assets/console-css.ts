/** The console's one stylesheet, hand-written: calm, readable, and never colour alone. */
export const CONSOLE_CSS = `
:root {
  --bg: #f7f7f5; --panel: #ffffff; --text: #1d232b; --muted: #55606d; --line: #d9dcdf;
  --accent: #0b5cad; --accent-soft: #e6effa; --focus: #f2b600;
  --ok: #0f6b4f; --ok-soft: #e3f3ec; --warn: #8a5300; --warn-soft: #fdf1dc; --bad: #a3261b; --bad-soft: #fbe7e4;
  --mono: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
  color-scheme: light;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--text); font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
.wrap { max-width: 72rem; margin: 0 auto; padding: 0 1rem; }
a { color: var(--accent); text-underline-offset: 2px; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; border-radius: 2px; }
main:focus { outline: none; }
.skip { position: absolute; left: 0.5rem; top: -3rem; background: var(--text); color: #fff; padding: 0.5rem 1rem; z-index: 10; border-radius: 4px; }
.skip:focus { top: 0.5rem; }
.top { background: var(--panel); border-bottom: 1px solid var(--line); }
.top-row { display: flex; flex-wrap: wrap; align-items: center; gap: 0.25rem 1.5rem; padding-top: 0.6rem; padding-bottom: 0.6rem; }
.brand { font-weight: 650; color: var(--text); text-decoration: none; }
nav ul { display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; list-style: none; margin: 0; padding: 0; }
nav a { display: inline-block; padding: 0.3rem 0; text-decoration: none; color: var(--muted); border-bottom: 3px solid transparent; }
nav a:hover { color: var(--text); }
nav a[aria-current="page"] { color: var(--text); font-weight: 600; border-bottom-color: var(--accent); }
.logout { margin-left: auto; }
button, .button { font: inherit; cursor: pointer; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: #fff; padding: 0.5rem 1rem; text-decoration: none; display: inline-block; }
button.secondary, .button.secondary { background: var(--panel); color: var(--accent); }
button.link { background: none; border: none; color: var(--accent); padding: 0.3rem 0; text-decoration: underline; }
h1 { font-size: 1.6rem; font-weight: 650; margin: 1.5rem 0 1rem; }
h2 { font-size: 1.2rem; font-weight: 650; margin: 2rem 0 0.75rem; }
h3 { font-size: 1rem; font-weight: 650; margin: 1.25rem 0 0.5rem; }
p { margin: 0.5rem 0; }
.muted { color: var(--muted); }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 1rem 1.25rem; margin: 0 0 1rem; }
.facts { display: grid; grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr)); gap: 0.75rem 1.5rem; margin: 0; }
.facts div { min-width: 0; }
.facts dt { color: var(--muted); font-size: 0.875rem; }
.facts dd { margin: 0; font-weight: 600; overflow-wrap: anywhere; }
code, pre, .mono { font-family: var(--mono); font-size: 0.875rem; }
pre { background: #f1f2f3; border: 1px solid var(--line); border-radius: 6px; padding: 0.75rem; overflow-x: auto; margin: 0.5rem 0; white-space: pre; }
.badge { display: inline-flex; align-items: center; gap: 0.35rem; padding: 0.1rem 0.55rem; border-radius: 999px; font-size: 0.875rem; font-weight: 600; border: 1px solid currentColor; white-space: nowrap; }
.badge-mark { font-weight: 700; }
.badge-ok { color: var(--ok); background: var(--ok-soft); }
.badge-warn { color: var(--warn); background: var(--warn-soft); }
.badge-bad { color: var(--bad); background: var(--bad-soft); }
.badge-info { color: var(--accent); background: var(--accent-soft); }
.problem { border-left: 4px solid var(--bad); padding: 0.25rem 0 0.25rem 0.75rem; margin: 0.75rem 0; }
.problem.warning { border-left-color: var(--warn); border-left-style: dashed; }
.problem p { font-family: var(--mono); font-size: 0.875rem; overflow-wrap: anywhere; }
.table-scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; background: var(--panel); }
th, td { text-align: left; padding: 0.45rem 0.6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 0.875rem; color: var(--muted); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.bar { display: inline-block; height: 0.6rem; background: var(--accent); border-radius: 2px; vertical-align: middle; }
.bar.fallback { background: repeating-linear-gradient(45deg, var(--warn), var(--warn) 3px, #fff 3px, #fff 5px); border: 1px solid var(--warn); }
.file { margin-bottom: 1.5rem; }
.file h2 { font-family: var(--mono); font-size: 1rem; }
ol.rules { list-style: none; margin: 0; padding: 0; }
ol.rules > li { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 0.75rem 1rem; margin: 0 0 0.6rem; }
.rule-head { display: flex; flex-wrap: wrap; gap: 0.25rem 0.75rem; align-items: baseline; }
.rule-id { font-family: var(--mono); font-weight: 600; }
.order { color: var(--muted); font-size: 0.875rem; }
.sentence { margin: 0.35rem 0; }
.steps { display: inline; }
.arrow { color: var(--muted); padding: 0 0.25rem; }
.rule-stats { font-size: 0.875rem; color: var(--muted); }
.stale { border-style: dashed !important; }
form.stack { display: grid; gap: 0.9rem; }
.fields { display: grid; grid-template-columns: repeat(auto-fit, minmax(14rem, 1fr)); gap: 0.9rem 1.25rem; }
label { display: block; font-weight: 600; font-size: 0.9rem; margin-bottom: 0.2rem; }
.hint { display: block; font-weight: 400; color: var(--muted); font-size: 0.825rem; }
input, select { font: inherit; width: 100%; padding: 0.45rem 0.55rem; border: 1px solid #8a939c; border-radius: 6px; background: #fff; color: var(--text); }
input[aria-invalid="true"] { border: 2px solid var(--bad); }
.field-error { color: var(--bad); font-size: 0.875rem; margin: 0.2rem 0 0; }
.field-error::before { content: "✕ "; }
.actions-row { display: flex; flex-wrap: wrap; gap: 0.75rem; align-items: center; }
.share { display: flex; gap: 0.5rem; align-items: center; flex-wrap: wrap; }
.share input { flex: 1 1 16rem; font-family: var(--mono); font-size: 0.8rem; }
ol.skipped { padding-left: 1.25rem; }
ol.skipped li { margin: 0.3rem 0; }
.week { table-layout: fixed; min-width: 22rem; }
.week th, .week td { text-align: center; padding: 0.2rem; font-size: 0.8rem; border: 1px solid var(--line); }
.week th.hour { width: 3.2rem; color: var(--muted); font-variant-numeric: tabular-nums; }
.week .cell { font-family: var(--mono); font-weight: 700; }
.holiday-mark { display: block; font-size: 0.7rem; font-weight: 600; color: var(--warn); }
.k0 { background: #d9ecf8; } .k1 { background: #fbe5c0; } .k2 { background: #d3efe5; } .k3 { background: #f1dcea; }
.k4 { background: #fbf3b8; } .k5 { background: #f7d6c6; } .k6 { background: #dde3f3; } .kf { background: #eceeef; }
.legend { list-style: none; padding: 0; display: grid; gap: 0.4rem; }
.legend li { display: flex; gap: 0.6rem; align-items: baseline; }
.key { display: inline-block; min-width: 1.8rem; text-align: center; font-family: var(--mono); font-weight: 700; border: 1px solid var(--line); border-radius: 4px; padding: 0 0.25rem; }
.search { display: flex; gap: 0.5rem; flex-wrap: wrap; align-items: end; }
.search > div { flex: 1 1 16rem; }
.search.compact > div { flex: 0 1 auto; }
.search.compact input { width: 7rem; }
.fields > div { display: flex; flex-direction: column; }
.fields .hint { margin-top: 0.2rem; }
.timeline { list-style: none; padding: 0; border-left: 2px solid var(--line); margin-left: 0.5rem; }
.timeline li { position: relative; padding: 0 0 1rem 1.25rem; }
.timeline li::before { content: ""; position: absolute; left: -0.45rem; top: 0.35rem; width: 0.7rem; height: 0.7rem; border-radius: 50%; background: var(--panel); border: 2px solid var(--accent); }
details summary { cursor: pointer; color: var(--accent); }
.login { max-width: 24rem; }
.notice { background: var(--accent-soft); border: 1px solid #b9cfe9; border-radius: 6px; padding: 0.6rem 0.8rem; }
footer.page-end { margin: 3rem 0 2rem; color: var(--muted); font-size: 0.875rem; }
h2.first { margin-top: 0; }
caption { text-align: left; padding: 0.4rem 0.6rem; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
td.chart { min-width: 8rem; }
td.mono { white-space: nowrap; }
${Array.from({ length: 21 }, (_, i) => `.w${i} { width: ${i * 5}%; }`).join(' ')}
@media (max-width: 40rem) {
  body { font-size: 15px; }
  h1 { font-size: 1.35rem; margin-top: 1rem; }
  .panel { padding: 0.75rem 0.85rem; }
  .top-row { gap: 0.25rem 1rem; }
  .brand { order: 1; }
  .logout { order: 2; margin-left: auto; }
  nav[aria-label="Console"] { order: 3; width: 100%; }
  nav ul { gap: 0.1rem 0.9rem; }
  td.chart, th.wide { display: none; }
  /* On a phone each call is a small card: label, then value. */
  .calls-table thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  .calls-table, .calls-table tbody, .calls-table tr, .calls-table td { display: block; width: 100%; }
  .calls-table tr { border: 1px solid var(--line); border-radius: 8px; margin-bottom: 0.6rem; padding: 0.4rem 0.2rem; background: var(--panel); }
  .calls-table td { border: none; padding: 0.15rem 0.6rem; display: grid; grid-template-columns: 6.5rem 1fr; gap: 0.5rem; white-space: normal; }
  .calls-table td::before { content: attr(data-label); color: var(--muted); font-size: 0.85rem; font-family: system-ui, sans-serif; }
  .calls-table { background: none; }
  .calls-table caption { display: block; padding-left: 0; }
  .calls-table td > * { justify-self: start; }
}
@media (prefers-reduced-motion: no-preference) { html { scroll-behavior: smooth; } }
`;
