import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { createPipelineDeps } from '../../../adapters/pipeline-deps';
import { loadSettings } from '../../../config';
import { type ValidationsDeps, createHandler } from '../../../handlers/validations-create';
import { httpEvent, invoker, problemPaths, writeLake } from '../../support/http-events';

const NOW = Date.UTC(2024, 1, 1, 2);
let root: string;
let lake: string;
let call: ReturnType<typeof invoker>;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'validations-'));
  lake = join(root, 'lake');
  writeLake(lake);
  writeLake(join(lake, 'tenant-b'));
  const deps: ValidationsDeps = {
    lakeUri: lake,
    outputUri: undefined,
    config: loadSettings({}).pipeline,
    depsFor: (uris) => createPipelineDeps({ inputUri: uris.input_uri, outputUri: uris.output_uri }),
    codeVersion: '0.1.0',
    now: () => NOW,
  };
  call = invoker(createHandler(() => deps));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const post = (body: unknown) => call(httpEvent('POST /validations', { body }));

describe('POST /validations', () => {
  test('validates one day, writes the report and returns it', async () => {
    const reply = await post({ date: '2024-01-02' });
    expect(reply.status).toBe(200);
    const report = reply.body as { date: string; status: string; counts: { raw: number; valid: number } };
    expect(report.date).toBe('2024-01-02');
    expect(['passed', 'warned', 'failed']).toContain(report.status);
    expect(report.counts.raw).toBeGreaterThan(0);
    const stored = join(lake, 'processed/validation_reports/year=2024/month=01/day=02/report.json');
    expect(JSON.parse(readFileSync(stored, 'utf8'))).toEqual(report);
    expect(
      existsSync(join(lake, 'processed/quarantine/interactions/year=2024/month=01/day=02/part-00000.jsonl')),
    ).toBe(true);
    // Validation only: nothing staged, nothing published.
    expect(existsSync(join(lake, 'processed/staging'))).toBe(false);
    expect(existsSync(join(lake, 'processed/datasets'))).toBe(false);
  });

  test('the reference time is now: a second call gives the same report', async () => {
    const a = await post({ date: '2024-01-03' });
    const b = await post({ date: '2024-01-03' });
    expect(b.body).toEqual(a.body);
    expect((a.body as { reference_time: string }).reference_time).toBe('2024-02-01T02:00:00.000Z');
  });

  test('input_path: a relative sub-path of the lake, or a URI under it', async () => {
    const relative = await post({ date: '2024-01-01', input_path: 'tenant-b' });
    expect(relative.status).toBe(200);
    expect(
      existsSync(join(lake, 'tenant-b/processed/validation_reports/year=2024/month=01/day=01/report.json')),
    ).toBe(true);
    const absolute = await post({ date: '2024-01-01', input_path: join(lake, 'tenant-b') });
    expect(absolute.status).toBe(200);
    const fileUri = await post({
      date: '2024-01-01',
      input_path: pathToFileURL(join(lake, 'tenant-b')).href,
    });
    expect(fileUri.status).toBe(200);
    expect(absolute.body).toEqual(relative.body);
  });

  test.each([
    ['malformed JSON', '{"date": "2024-01-02"', 'body'],
    ['an array', '[]', 'body'],
    ['a missing date', {}, 'body.date'],
    ['a date that is not real', { date: '2024-02-30' }, 'body.date'],
    ['a date in another format', { date: '02/01/2024' }, 'body.date'],
    ['an unknown field', { date: '2024-01-02', dry_run: true }, 'body'],
    ['a non-string input_path', { date: '2024-01-02', input_path: 7 }, 'body.input_path'],
  ])('400 problem+json for %s', async (_name, body, path) => {
    const reply = await post(body);
    expect(reply.status).toBe(400);
    expect(reply.contentType).toBe('application/problem+json');
    expect(reply.body).toMatchObject({ type: 'about:blank', title: 'Bad Request', status: 400 });
    expect(problemPaths(reply.body)).toContain(path);
  });

  test('the unknown field is named', async () => {
    const reply = await post({ date: '2024-01-02', dry_run: true });
    expect((reply.body as { detail: string }).detail).toContain('dry_run');
  });

  test('a missing body is a 400', async () => {
    const reply = await call(httpEvent('POST /validations'));
    expect(reply.status).toBe(400);
    expect(problemPaths(reply.body)).toEqual(['body']);
  });

  test.each([
    '../../etc',
    'tenant-b/../../..',
    '..',
    './tenant-b',
    '/etc/passwd',
    '/',
    'file:///',
    'file:///etc/passwd',
    'FILE:///etc',
    's3://other-bucket/lake',
    'http://169.254.169.254/latest',
    'tenant-b%2f..%2f..',
    'tenant-b\\..\\..',
    '~/lake',
    'tenant-b/\u0000',
  ])('path traversal in input_path %j is a 400 naming the field', async (inputPath) => {
    const reply = await post({ date: '2024-01-02', input_path: inputPath });
    expect(reply.status).toBe(400);
    expect(reply.contentType).toBe('application/problem+json');
    expect(problemPaths(reply.body)).toEqual(['body.input_path']);
  });

  test('a sibling directory sharing the lake as a name prefix is outside the lake', async () => {
    const reply = await post({ date: '2024-01-02', input_path: `${lake}-evil` });
    expect(reply.status).toBe(400);
    expect(problemPaths(reply.body)).toEqual(['body.input_path']);
  });

  test('a lake without snapshots is a 404 naming the missing input, not a 500', async () => {
    const reply = await post({ date: '2024-01-02', input_path: 'nothing-here' });
    expect(reply.status).toBe(404);
    expect((reply.body as { detail: string }).detail).toContain('product snapshot');
  });
});
