/**
 * The building blocks of the report pages (pure: strings in, markup out): escaping, the document
 * shell with its inline style sheet, and the table cells and badges both pages use. Every
 * interpolated string goes through `escapeHtml`.
 */
import { PAGE_CSS } from './page-style';

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text safe in HTML content and in quoted attribute values: `& < > " '` as entities. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
}

/** A whole self-contained page: inline CSS, no script, font, image or any other URL. */
export function documentOf(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
${PAGE_CSS}
</style></head>
<body><main>
${body}
</main></body></html>
`;
}

/** A status badge, coloured by its class (`passed`, `warned`, `failed`). */
export const badge = (status: string): string =>
  `<span class="${escapeHtml(status)}">${escapeHtml(status)}</span>`;

/** One figure of the stats row: the value large, its label small. */
export const stat = (label: string, value: string): string =>
  `<div class="stat"><b>${escapeHtml(value)}</b><small>${escapeHtml(label)}</small></div>`;

/** A table with a header row over already rendered `<tr>` rows. */
export function table(head: readonly string[], rows: readonly string[]): string {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

/** A right-aligned number cell. */
export const num = (value: string): string => `<td class="n">${escapeHtml(value)}</td>`;

/** The cell of a check's outcome as given: passed (`ok`), failed, or null for not checked. */
export const verdictCell = (ok: boolean | null): string =>
  ok === null ? '<td>not checked</td>' : ok ? '<td class="ok">ok</td>' : '<td class="bad">failed</td>';
