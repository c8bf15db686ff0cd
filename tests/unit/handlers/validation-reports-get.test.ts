import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { LocalLake } from '../../../adapters/local-lake';
import { createPipelineDeps } from '../../../adapters/pipeline-deps';
import { loadSettings } from '../../../config';
import { createHandler as createValidation } from '../../../handlers/validations-create';
import { createHandler } from '../../../handlers/validation-reports-get';
import { httpEvent, invoker, problemPaths, writeLake } from '../../support/http-events';

let root: string;
let call: ReturnType<typeof invoker>;
let stored: unknown;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'reports-'));
  const lake = join(root, 'lake');
  writeLake(lake);
  const validate = invoker(
    createValidation(() => ({
      lakeUri: lake,
      outputUri: undefined,
      config: loadSettings({}).pipeline,
      depsFor: (uris) => createPipelineDeps({ inputUri: uris.input_uri, outputUri: uris.output_uri }),
      codeVersion: '0.1.0',
      now: () => Date.UTC(2024, 1, 1, 2),
    })),
  );
  stored = (await validate(httpEvent('POST /validations', { body: { date: '2024-01-02' } }))).body;
  call = invoker(createHandler(() => ({ output: new LocalLake(join(lake, 'processed')) })));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const get = (date: string, headers: Record<string, string> = {}) =>
  call(httpEvent('GET /validation-reports/{date}', { pathParameters: { date }, headers }));

describe('GET /validation-reports/{date}', () => {
  test('the stored report as JSON', async () => {
    const reply = await get('2024-01-02');
    expect(reply.status).toBe(200);
    expect(reply.contentType).toBe('application/json');
    expect(reply.body).toEqual(stored);
  });

  test('Accept: text/html gives a self-contained page: status first, counts per code, thresholds', async () => {
    const reply = await get('2024-01-02', { Accept: 'text/html,application/xhtml+xml,*/*;q=0.8' });
    expect(reply.status).toBe(200);
    expect(reply.contentType).toBe('text/html; charset=utf-8');
    const html = reply.text;
    const status = (stored as { status: string }).status;
    expect(html).toMatch(
      new RegExp(`<h1>Validation report 2024-01-02: <span class="${status}">${status}</span></h1>`),
    );
    for (const code of ['malformed_json', 'wrong_partition', 'duplicate', 'bot_traffic', 'naive_timestamp'])
      expect(html).toContain(`<td>${code}</td>`);
    expect(html).toContain('<td>rejected_share</td>');
    expect(html).not.toMatch(/<script|<link|src=/);
  });

  test('JSON wins when the client prefers it', async () => {
    const reply = await get('2024-01-02', { accept: 'application/json, text/html;q=0.5' });
    expect(reply.contentType).toBe('application/json');
  });

  test('a day never validated is a 404 problem+json', async () => {
    const reply = await get('2024-01-03');
    expect(reply.status).toBe(404);
    expect(reply.contentType).toBe('application/problem+json');
    expect((reply.body as { detail: string }).detail).toContain('no validation report for 2024-01-03');
  });

  test.each(['2024-02-30', '2024-1-2', '..%2F..%2Fetc', 'today'])(
    'a bad date %j is a 400 naming path.date',
    async (date) => {
      const reply = await get(date);
      expect(reply.status).toBe(400);
      expect(problemPaths(reply.body)).toEqual(['path.date']);
    },
  );
});
