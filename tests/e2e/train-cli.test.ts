/**
 * `npm run train` as a process (tsx on the Node 24 that runs jest), after `npm run pipeline` on a
 * generated lake: exit codes, the printed figures and warnings, baseline.json and the run page.
 */
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { lakeFromUri } from '../../adapters/lake-from-uri';
import type { BaselineReport } from '../../domain/model/baseline-report';
import { E2E_LAKE, writeLakeDir } from '../support/e2e-pipeline';
import { foldLabelIntoUserFeature } from '../support/leak-label';

const PROJECT = resolve(__dirname, '../..');
const TSX_CLI = require.resolve('tsx/cli');
const RUN_ID = 'train-cli';

function cli(script: string, args: readonly string[]): SpawnSyncReturns<string> {
  const env = { ...process.env };
  for (const name of ['LAKE_URI', 'OUTPUT_URI', 'S3_ENDPOINT_URL', 'PIPELINE_CONFIG', 'USER_SHARDS'])
    delete env[name];
  const result = spawnSync(process.execPath, [TSX_CLI, `scripts/${script}.ts`, ...args], {
    cwd: PROJECT,
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (result.error !== undefined) throw result.error;
  return result;
}

let root: string;
let out: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'e2e-train-'));
  const lake = join(root, 'lake');
  out = join(root, 'out');
  writeLakeDir(lake, E2E_LAKE);
  const r = cli('pipeline', [
    '--input-path',
    lake,
    '--output-path',
    out,
    '--start-date',
    '2024-01-01',
    '--end-date',
    '2024-01-06',
    '--run-id',
    RUN_ID,
    '--now',
    '2024-02-01T02:00:00Z',
  ]);
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
}, 180_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const train = (...args: string[]) => cli('train', ['--output-path', out, ...args]);

describe('scripts/train.ts', () => {
  it('exits 2 with one line when --run-id is missing, 1 naming the run when it has no manifest', () => {
    const usage = train();
    expect({ status: usage.status, stdout: usage.stdout }).toEqual({ status: 2, stdout: '' });
    expect(usage.stderr.trim()).toBe('error: --run-id is required (the id of a finished full run)');
    const missing = train('--run-id', 'no-such-run');
    expect(missing.status).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toContain(
      `no manifest for run no-such-run at ${join(out, 'runs/no-such-run/manifest.json')}`,
    );
  }, 60_000);

  it('trains, prints the model next to both baselines, writes baseline.json and the run page, exits 0', () => {
    const r = train('--run-id', RUN_ID, '--fail-on-leakage');
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(r.stdout).toMatch(/^scorer\s+test AUC\s+test log loss\s+validation AUC\s+validation log loss$/m);
    for (const scorer of ['model \\(λ=[0-9.e-]+\\)', 'item popularity', 'constant'])
      expect(r.stdout).toMatch(
        new RegExp(`^${scorer}\\s+[01]\\.\\d{4}\\s+\\d\\.\\d{4}\\s+[01]\\.\\d{4}\\s+\\d\\.\\d{4}$`, 'm'),
      );
    expect(r.stdout).toContain('leakage check: nothing suspicious');
    const file = join(out, 'runs', RUN_ID, 'baseline.json');
    expect(r.stdout).toContain(`baseline: ${file}`);
    const report = JSON.parse(readFileSync(file, 'utf8')) as BaselineReport;
    expect(report.run_id).toBe(RUN_ID);
    expect(report.leakage.suspected).toBe(false);
    const page = join(out, 'run_reports', `run_id=${RUN_ID}`, 'report.html');
    expect(r.stdout).toContain(`run page: ${page}`);
    const html = readFileSync(page, 'utf8');
    expect(html).toContain('<h2>Baseline model</h2>');
    expect(html).toContain(
      `<td>model</td><td class="n">${(report.model.test.auc as number).toFixed(4)}</td>`,
    );
  }, 60_000);

  it('warns on a leaked label and exits 3 only with --fail-on-leakage', async () => {
    await foldLabelIntoUserFeature(lakeFromUri(out), RUN_ID);
    const warned = train('--run-id', RUN_ID);
    expect(warned.status).toBe(0);
    expect(warned.stderr).toMatch(
      /^warning: leakage suspected: test AUC (0\.9[89]\d\d|1\.0000) ≥ 0\.98: near perfect/m,
    );
    const failed = train('--run-id', RUN_ID, '--fail-on-leakage');
    expect(failed.status).toBe(3);
    expect(failed.stderr).toContain('warning: leakage suspected: ');
    const report = JSON.parse(
      readFileSync(join(out, 'runs', RUN_ID, 'baseline.json'), 'utf8'),
    ) as BaselineReport;
    expect(report.leakage.suspected).toBe(true);
    expect(existsSync(join(out, 'run_reports', `run_id=${RUN_ID}`, 'report.html'))).toBe(true);
    expect(readFileSync(join(out, 'run_reports', `run_id=${RUN_ID}`, 'report.html'), 'utf8')).toContain(
      'leakage suspected',
    );
  }, 90_000);
});
