/**
 * The style sheet of the report pages, inlined in each page (no URL to fetch). The status and
 * band classes (`passed`/`warned`/`failed`, `stable`/`moderate`/`alert`) colour the verdicts the
 * pages are given.
 */
export const PAGE_CSS = [
  'body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;margin:0;background:#f6f8fa}',
  'main{max-width:1100px;margin:0 auto;padding:16px 24px 48px;background:#fff}',
  'h1{font-size:1.6em;margin:.4em 0}h2{font-size:1.2em;margin:1.4em 0 .5em;border-bottom:1px solid #d0d7de}h3{font-size:1em;margin:1em 0 .3em}',
  'h1 span{display:inline-block;padding:.05em .55em;border-radius:.4em;color:#fff;font-size:.85em;vertical-align:.08em}',
  'td span{display:inline-block;padding:0 .45em;border-radius:.3em;color:#fff;font-size:.9em}',
  '.passed{background:#1a7f37}.warned{background:#9a6700}.failed{background:#cf222e}',
  '.meta{color:#57606a;margin:.2em 0}.errors{color:#cf222e;font-weight:600}',
  '.stats{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}.stat{border:1px solid #d0d7de;border-radius:8px;padding:6px 14px;min-width:110px}',
  '.stat b{display:block;font-size:1.5em}.stat small{color:#57606a}',
  'table{border-collapse:collapse;margin:.3em 0 1em;font-size:.93em}td,th{border:1px solid #d0d7de;padding:2px 8px;text-align:left;vertical-align:top}',
  'th{background:#f6f8fa}td.n{text-align:right;font-variant-numeric:tabular-nums}tr.zero td{color:#8c959f}',
  '.ok{color:#1a7f37;font-weight:600}.bad{color:#cf222e;font-weight:600}.cols{display:flex;flex-wrap:wrap;gap:24px}',
  'code{font:12px/1.35 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap;word-break:break-all;display:block;max-height:6em;overflow:auto}',
  'svg{max-width:100%;height:auto;display:block}svg text{font:11px system-ui,sans-serif;fill:#57606a}',
  '.vol{fill:#0969da}.today{fill:#bc4c00}.ref{fill:#afb8c1}.cur{fill:#0969da}',
  '.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:14px}',
  '.card{border:1px solid #d0d7de;border-radius:8px;padding:6px 10px}.card p{margin:0 0 4px}',
  '.band{padding:0 .4em;border-radius:.3em;color:#fff;font-size:.85em}.stable{background:#1a7f37}.moderate{background:#9a6700}.alert{background:#cf222e}',
  '.key{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px}.key.ref{background:#afb8c1}.key.cur{background:#0969da}',
].join('\n');
