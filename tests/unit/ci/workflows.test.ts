/**
 * The GitHub Actions workflows: both valid for GitHub's workflow schema (`@action-validator/core`,
 * the validator behind `action-validator`), CI running `.ci/run` on pushes and pull requests, and
 * the run workflow assuming its role through OIDC and running a `npm run client` command line that
 * the client itself accepts (its script executed with bash, `npm` replaced by a recorder).
 */
import { validateWorkflow } from '@action-validator/core';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { loadSettings } from '../../../config';
import { parseCommand } from '../../../scripts/lib/cli';
import { CLIENT_COMMANDS } from '../../../scripts/lib/client/commands';
import { runRequestOfFlags } from '../../../scripts/lib/run-options';

const ROOT = resolve(__dirname, '../../..');
const WORKFLOWS = ['ci.yml', 'run-pipeline.yml'] as const;

interface Step {
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly shell?: string;
  readonly with?: Record<string, unknown>;
  readonly env?: Record<string, string>;
}
interface Job {
  readonly 'runs-on': string;
  readonly environment?: string;
  readonly container?: { image: string };
  readonly env?: Record<string, string>;
  readonly steps: readonly Step[];
}
interface Workflow {
  readonly on: Record<string, { inputs?: Record<string, { type: string; options?: string[] }> } | null>;
  readonly permissions?: Record<string, string>;
  readonly jobs: Record<string, Job>;
}

const text = (name: string): string => readFileSync(join(ROOT, '.github/workflows', name), 'utf8');
const workflow = (name: string): Workflow => parse(text(name)) as Workflow;
const onlyJob = (w: Workflow): Job => {
  const jobs = Object.values(w.jobs);
  expect(jobs).toHaveLength(1);
  return jobs[0] as Job;
};
const stepUsing = (job: Job, action: string): Step | undefined =>
  job.steps.find((s) => s.uses?.split('@')[0] === action);

describe('workflow schema', () => {
  it.each(WORKFLOWS)('%s has no validation errors', (name) => {
    expect(validateWorkflow(text(name)).errors).toEqual([]);
  });

  it('the validator does catch a broken workflow (a job without runs-on)', () => {
    const broken = text('ci.yml').replace(/^ {4}runs-on: .*$/m, '');
    expect(broken).not.toEqual(text('ci.yml'));
    expect(validateWorkflow(broken).errors.length).toBeGreaterThan(0);
  });
});

describe('ci.yml', () => {
  const w = workflow('ci.yml');
  const job = onlyJob(w);

  it('runs on every push and pull request', () => {
    expect(Object.keys(w.on).sort()).toEqual(['pull_request', 'push']);
    expect(w.on.push).toBeNull();
    expect(w.on.pull_request).toBeNull();
  });

  it('runs .ci/run with CI=true, on the Node major the project pins', () => {
    expect(job.env?.CI).toBe('true');
    expect(job.steps.some((s) => s.run?.trim() === 'bash .ci/run')).toBe(true);
    expect(existsSync(join(ROOT, '.ci/run'))).toBe(true);
    const pinned = (
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
        devDependencies: Record<string, string>;
      }
    ).devDependencies.node;
    expect(String(stepUsing(job, 'actions/setup-node')?.with?.['node-version'])).toBe(
      /(\d+)/.exec(pinned ?? '')?.[1],
    );
    expect(stepUsing(job, 'actions/checkout')).toBeDefined();
  });

  it('runs as root in Debian, where .ci/run installs Chromium with apt-get', () => {
    expect(readFileSync(join(ROOT, '.ci/run'), 'utf8')).toContain(
      'apt-get install -y --no-install-recommends chromium',
    );
    expect(job.container?.image).toMatch(/^debian:/);
  });
});

describe('run-pipeline.yml', () => {
  const w = workflow('run-pipeline.yml');
  const job = onlyJob(w);
  const runStep = job.steps.find((s) => s.run?.includes('npm run client')) as Step;

  it('is started by hand with the mode, the dates, the run id and the environment', () => {
    expect(Object.keys(w.on)).toEqual(['workflow_dispatch']);
    const inputs = w.on.workflow_dispatch?.inputs ?? {};
    expect(Object.keys(inputs).sort()).toEqual([
      'date',
      'end_date',
      'environment',
      'mode',
      'run_id',
      'start_date',
    ]);
    expect(inputs.mode?.options?.sort()).toEqual(['full', 'incremental']);
    expect(inputs.environment?.type).toBe('environment');
    expect(job.environment).toBe('${{ inputs.environment }}');
  });

  it('may ask for an OIDC token and read the repository, nothing more', () => {
    expect(w.permissions).toEqual({ 'id-token': 'write', contents: 'read' });
  });

  it('assumes the configured role before running the client', () => {
    const assume = stepUsing(job, 'aws-actions/configure-aws-credentials') as Step;
    expect(assume.with?.['role-to-assume']).toBe('${{ vars.AWS_ROLE_ARN || secrets.AWS_ROLE_ARN }}');
    expect(assume.with?.['aws-region']).toBeDefined();
    expect(job.steps.indexOf(assume)).toBeLessThan(job.steps.indexOf(runStep));
    expect(job.steps.findIndex((s) => s.run === 'npm ci')).toBeLessThan(job.steps.indexOf(runStep));
  });

  it('hands the API URL to the client in the variable config.ts reads', () => {
    expect(runStep.env?.API_BASE_URL).toBe('${{ vars.API_URL }}');
    const url = 'https://a1b2c3.execute-api.eu-west-1.amazonaws.com';
    expect(loadSettings({ API_BASE_URL: url }).apiBaseUrl).toBe(url);
  });

  /** Runs the step's script with bash, its `${{ inputs.* }}` / `${{ vars.* }}` env filled in; `npm` records its argv. */
  function runScript(inputs: Record<string, string>, vars: Record<string, string>) {
    const dir = mkdtempSync(join(tmpdir(), 'workflow-'));
    try {
      const record = join(dir, 'argv');
      writeFileSync(join(dir, 'npm'), `#!/usr/bin/env bash\nprintf '%s\\0' "$@" > "${record}"\n`);
      chmodSync(join(dir, 'npm'), 0o755);
      const env: Record<string, string> = {};
      for (const [name, value] of Object.entries(runStep.env ?? {})) {
        const m = /^\$\{\{ (inputs|vars)\.([a-z_A-Z]+) \}\}$/.exec(value);
        if (m === null) throw new Error(`unexpected env expression ${value}`);
        env[name] = (m[1] === 'inputs' ? inputs : vars)[m[2] as string] ?? '';
      }
      expect(runStep.shell).toBe('bash');
      const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', runStep.run as string], {
        cwd: dir,
        env: { PATH: `${dir}:${process.env.PATH ?? ''}`, ...env },
        encoding: 'utf8',
      });
      const argv = existsSync(record) ? readFileSync(record, 'utf8').split('\0').slice(0, -1) : null;
      return { status: r.status, stdout: r.stdout, argv, pwned: existsSync(join(dir, 'pwned')) };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** The argv after `npm run client --`, parsed by the client's own `runs start` parser. */
  function parsedByClient(argv: readonly string[]) {
    expect(argv.slice(0, 3)).toEqual(['run', 'client', '--']);
    expect(argv.slice(3, 5)).toEqual(['runs', 'start']);
    const spec = (CLIENT_COMMANDS.runs?.start as NonNullable<(typeof CLIENT_COMMANDS)['runs']>['start']).spec;
    const { values } = parseCommand(spec, argv.slice(5));
    return { values, request: () => runRequestOfFlags(values as Record<string, string>) };
  }

  const API = { API_URL: 'https://a1b2c3.execute-api.eu-west-1.amazonaws.com' };

  it('runs `npm run client -- runs start … --wait` with the full run’s inputs, leaving out the empty ones', () => {
    const r = runScript(
      { mode: 'full', start_date: '2024-01-01', end_date: '2024-01-30', date: '', run_id: 'gh-full-1' },
      API,
    );
    expect(r.status).toBe(0);
    const { values, request } = parsedByClient(r.argv as string[]);
    expect(values.wait).toBe(true);
    expect(request()).toEqual({
      mode: 'full',
      start_date: '2024-01-01',
      end_date: '2024-01-30',
      run_id: 'gh-full-1',
    });
  });

  it('passes an incremental day as --date, and inputs as data, never as shell', () => {
    const r = runScript(
      { mode: 'incremental', start_date: '', end_date: '', date: '2024-01-31', run_id: '$(touch pwned)' },
      API,
    );
    expect(r.status).toBe(0);
    expect(r.pwned).toBe(false);
    expect(r.argv).toContain('$(touch pwned)');
    const { values, request } = parsedByClient(r.argv as string[]);
    expect(values).toMatchObject({ mode: 'incremental', date: '2024-01-31', 'run-id': '$(touch pwned)' });
    expect(values['start-date']).toBeUndefined();
    // ...which the client then refuses as a run id (exit 2) before sending anything.
    expect(request).toThrow(/--run-id/);
  });

  it('fails before running anything when API_URL is not configured', () => {
    const r = runScript({ mode: 'incremental' }, {});
    expect(r.status).toBe(2);
    expect(r.stdout).toContain('::error::set the variable API_URL');
    expect(r.argv).toBeNull();
  });
});
