/**
 * The HTML pages in a real browser: a day page written by the pipeline (a full run, then a daily
 * run, in memory) and the run page of that daily run, opened from temp files in headless Chromium
 * (Debian's `chromium`, driven by `playwright-core`). Without `/usr/bin/chromium` the suite fails
 * under `CI=true` (so CI cannot pass without the browser test) and is skipped with a warning elsewhere.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import fc from 'fast-check';
import { type Browser, chromium } from 'playwright-core';

import { decodeParquet } from '../../adapters/parquet';
import { monitorRun } from '../../domain/monitoring/monitor-run';
import { outputKeys } from '../../domain/lake-layout';
import { formatCount } from '../../domain/reports/format';
import { writeRunReport } from '../../domain/reports/run-report';
import { addDays } from '../../domain/time';
import type { ValidationReport } from '../../domain/validation/report';
import { type MemoryRun, runInMemory } from '../support/memory-pipeline';
import { randomLake } from '../support/random-lake';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
// CI systems set CI to `true` (some to `1`); a developer machine usually leaves it unset.
const inCi = !['', '0', 'false'].includes(process.env.CI ?? '');
if (!hasChromium && inCi)
  throw new Error(`${CHROMIUM} is missing: the HTML report browser test needs it (apt-get install chromium)`);
if (!hasChromium)
  console.warn(
    `${CHROMIUM} is not installed: the HTML report browser test is skipped (apt-get install chromium; under CI=true it fails)`,
  );
const maybe = hasChromium ? describe : describe.skip;

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

/** What a page shows, measured by the browser. */
interface Rendered {
  readonly text: string;
  /** Width × height of every bar (`rect`) of every chart. */
  readonly bars: readonly { readonly chart: string; readonly width: number; readonly height: number }[];
  /** Every URL the page requested. */
  readonly requests: readonly string[];
}

maybe('HTML reports in headless Chromium', () => {
  let browser: Browser;
  let dir: string;
  let daily: MemoryRun;
  let day: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'report-html-'));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const [lake] = fc.sample(randomLake({ minDays: 4, maxDays: 4 }), { seed: 11, numRuns: 1 });
    if (lake === undefined) throw new Error('no lake sampled');
    const start = lake.dates[0] as string;
    day = lake.dates[3] as string;
    // Days 1-3 in a full run, day 4 in a daily run: day 4's page shows the three days before it.
    const { referenceTimeMs } = lake;
    const full = await runInMemory(lake.files, {
      startDate: start,
      endDate: addDays(day, -1),
      referenceTimeMs,
    });
    daily = await runInMemory(lake.files, {
      referenceTimeMs,
      startDate: start,
      endDate: day,
      mode: 'incremental',
      output: full.output,
    });
  });

  afterAll(async () => {
    await browser?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  async function open(name: string, html: string): Promise<Rendered> {
    const file = join(dir, name);
    await writeFile(file, html);
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    const requests: string[] = [];
    page.on('request', (r) => void requests.push(r.url()));
    try {
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      const bars = await page.$$eval('svg.chart rect', (rects) =>
        rects.map((r) => {
          const box = r.getBoundingClientRect();
          return {
            chart: r.closest('svg')?.getAttribute('class') ?? '',
            width: box.width,
            height: box.height,
          };
        }),
      );
      return { text: await page.innerText('body'), bars, requests };
    } finally {
      await page.close();
    }
  }

  const nonEmpty = (r: Rendered, chart: string) =>
    r.bars.filter((b) => b.chart === chart && b.width > 0 && b.height > 0);

  it('the day page: status, raw / valid / clean, a threshold and the volume of the days before', async () => {
    const reportKey = outputKeys.report(day);
    const report = JSON.parse(text(await daily.output.read(reportKey))) as ValidationReport;
    const html = text(await daily.output.read(outputKeys.reportPage(day)));
    const shown = await open('day.html', html);
    expect(shown.requests.length).toBeGreaterThan(0);
    expect(shown.requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
    expect(shown.text).toContain(`Validation report ${day}: ${report.status}`);
    for (const [label, n] of [
      ['raw', report.counts.raw],
      ['valid', report.counts.valid],
      ['clean', report.counts.clean],
    ] as const)
      expect(shown.text).toMatch(new RegExp(`${formatCount(n)}\\s+${label}`));
    const threshold = report.thresholds[0];
    expect(threshold).toBeDefined();
    if (threshold !== undefined)
      expect(shown.text).toContain(
        `${threshold.name}\t${threshold.limit}\t${threshold.observed.toFixed(4)}\tok`,
      );
    // One bar per day with a report, the three days of the full run and this one; bars of days with records have a size.
    const raws = await Promise.all(
      [3, 2, 1, 0].map(async (back) => {
        const stored = text(await daily.output.read(outputKeys.report(addDays(day, -back))));
        return (JSON.parse(stored) as ValidationReport).counts.raw;
      }),
    );
    expect(shown.bars.filter((b) => b.chart === 'chart volume')).toHaveLength(4);
    expect(nonEmpty(shown, 'chart volume')).toHaveLength(raws.filter((n) => n > 0).length);
    expect(nonEmpty(shown, 'chart volume').length).toBeGreaterThan(0);
  });

  it('the run page: status, totals, the volume chart and paired histogram bars', async () => {
    const asOf = addDays(day, 1);
    const summary = await monitorRun(
      { output: daily.output, decodeTable: decodeParquet, emitMetrics: () => undefined },
      { run_id: daily.params.runId, dates: [day], as_of: asOf, raised_at_ms: daily.params.referenceTimeMs },
    );
    expect(summary.previous_as_of.users).toBe(day);
    const key = await writeRunReport(daily.output, decodeParquet, daily.params.runId, asOf);
    const html = text(await daily.output.read(key));
    expect(Buffer.byteLength(html)).toBeLessThan(300 * 1024);
    const shown = await open('run.html', html);
    expect(shown.requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
    const report = JSON.parse(text(await daily.output.read(outputKeys.report(day)))) as ValidationReport;
    expect(shown.text).toMatch(new RegExp(`Run ${daily.params.runId}: (passed|warned|failed)`));
    expect(shown.text).toMatch(new RegExp(`${formatCount(report.counts.raw)}\\s+raw`));
    expect(shown.text).toMatch(new RegExp(`${formatCount(report.counts.clean)}\\s+clean`));
    expect(shown.text).toContain('total_interactions');
    // The last 30 days up to the run's end: the full run's three days and this one.
    expect(shown.bars.filter((b) => b.chart === 'chart volume')).toHaveLength(4);
    expect(nonEmpty(shown, 'chart volume').length).toBeGreaterThan(0);
    const histogram = nonEmpty(shown, 'chart histogram');
    expect(histogram.length).toBeGreaterThan(20);
    expect(histogram.every((b) => b.width > 2 && b.height <= 100)).toBe(true);
  });
});
