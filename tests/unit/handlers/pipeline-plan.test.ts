/**
 * The Plan task checks its request itself (defence in depth): the local Lambda port of
 * serverless-offline, a schedule or a hand-started execution reach it without `POST /runs`.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig } from '../../../domain/config';
import { InvalidArgumentError } from '../../../domain/errors';
import type { RunRequest } from '../../../domain/pipeline/run-request';
import { lambdaHandler as planHandler } from '../../../handlers/pipeline-plan';
import { createWiring, withWiring } from '../../../wiring';
import { testSettings } from '../../support/run-pipeline';
import { writeLake } from '../../support/http-events';

describe('Plan refuses a request outside the configured roots or dates', () => {
  let dir: string;
  let lake: string;
  let out: string;
  const clock = Date.parse('2024-02-01T02:00:00Z');

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'plan-task-'));
    lake = join(dir, 'lake');
    out = join(lake, 'processed');
    writeLake(lake);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = (request: RunRequest) =>
    withWiring(
      createWiring({
        settings: testSettings(defaultConfig(), { inputUri: lake, outputUri: out }),
        now: () => clock,
        log: () => undefined,
        featureStore: null,
        runChecks: null,
      }),
      () => planHandler({ request }),
    );
  const days = { mode: 'full', start_date: '2024-01-01', end_date: '2024-01-02' } as const;

  it('plans a run inside the roots (a relative output path is a path in the lake)', async () => {
    const plan = await run({ ...days, output_path: 'processed/experiments/a', run_id: 'plan-ok' });
    expect(plan.run.output_uri).toBe(join(out, 'experiments', 'a'));
    expect(plan.days).toEqual(['2024-01-01', '2024-01-02']);
  });

  it('plans a run whose paths are the configured roots as spelled there (npm start: ./lake)', async () => {
    const relative = { inputUri: './lake', outputUri: './lake/processed' };
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const plan = await withWiring(
        createWiring({
          settings: testSettings(defaultConfig(), relative),
          now: () => clock,
          log: () => undefined,
          featureStore: null,
          runChecks: null,
        }),
        () =>
          planHandler({
            request: { ...days, input_path: './lake', output_path: './lake/processed', run_id: 'plan-rel' },
          }),
      );
      expect([plan.run.input_uri, plan.run.output_uri]).toEqual(['./lake', './lake/processed']);
    } finally {
      process.chdir(cwd);
    }
  });

  it.each([
    [
      'an output in a raw partition',
      () => ({ output_path: join(lake, 'raw/interactions/year=2024/month=01/day=16') }),
    ],
    ['a relative output naming raw/', () => ({ output_path: '../raw/interactions' })],
    ['an output beside the lake', () => ({ output_path: join(dir, 'elsewhere') })],
    ['an output at the lake root', () => ({ output_path: lake })],
    ['an input outside the lake', () => ({ input_path: '/etc' })],
  ])('%s', async (_name, paths) => {
    const p = paths() as { output_path?: string; input_path?: string };
    const field = p.output_path === undefined ? 'input_path' : 'output_path';
    const before = readdirSync(lake, { recursive: true }).sort();
    const error = await run({ ...days, ...p, run_id: 'plan-bad' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).field).toBe(field);
    expect(readdirSync(lake, { recursive: true }).sort()).toEqual(before);
    expect(existsSync(join(dir, 'elsewhere'))).toBe(false);
  });

  it.each([
    [
      'an end date after the reference day',
      { mode: 'full', start_date: '9999-12-30', end_date: '9999-12-30' },
      'end_date',
    ],
    ['an incremental day after the reference day', { mode: 'incremental', date: '2024-02-02' }, 'date'],
    ['a reference time after the clock', { ...days, now: '9999-12-31T00:00:00Z' }, 'now'],
    [
      'a span over MAX_RUN_DAYS',
      { mode: 'full', start_date: '1970-01-01', end_date: '2024-01-16' },
      'start_date',
    ],
  ] as const)('%s', async (_name, request, field) => {
    const error = await run({ ...request, run_id: 'plan-dates' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).field).toBe(field);
    expect(existsSync(join(out, 'runs', 'plan-dates'))).toBe(false);
  });
});
