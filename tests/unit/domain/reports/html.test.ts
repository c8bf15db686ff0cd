import { documentOf, escapeHtml, table, verdictCell } from '../../../../domain/reports/html';

describe('escapeHtml', () => {
  it('turns & < > " and \' into entities and leaves everything else alone', () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;',
    );
    expect(escapeHtml('plain ünïcode 1.5')).toBe('plain ünïcode 1.5');
    expect(escapeHtml(42)).toBe('42');
    expect(escapeHtml(null)).toBe('null');
  });
});

describe('page building blocks', () => {
  it('a document holds its escaped title, the inline style sheet and the body, and no URL', () => {
    const html = documentOf('a <b>', '<p>body</p>');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<title>a &lt;b&gt;</title>');
    expect(html).toMatch(/<style>\n[^<]*\.passed\{[^<]*<\/style>/);
    expect(html).toContain('<main>\n<p>body</p>\n</main>');
    expect(html).not.toMatch(/<script|<link|<img|src=|href=|url\(|@import/i);
  });

  it('a table escapes its header; a verdict cell shows the outcome it is given', () => {
    expect(table(['a&b'], ['<tr><td>1</td></tr>'])).toBe(
      '<table><thead><tr><th>a&amp;b</th></tr></thead><tbody>\n<tr><td>1</td></tr>\n</tbody></table>',
    );
    expect([true, false, null].map(verdictCell)).toEqual([
      '<td class="ok">ok</td>',
      '<td class="bad">failed</td>',
      '<td>not checked</td>',
    ]);
  });
});
