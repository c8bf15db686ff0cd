import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { LocalLake } from '../../../adapters/local-lake';
import { loadSettings } from '../../../config';
import type { RunManifest } from '../../../domain/pipeline/manifest';
import { createHandler } from '../../../handlers/datasets-get';
import { runPipelineRequest } from '../../../scripts/lib/pipeline-run';
import { httpEvent, invoker, problemPaths, writeLake } from '../../support/http-events';

let root: string;
let out: string;
let manifest: RunManifest;
let call: ReturnType<typeof invoker>;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'datasets-'));
  const lake = join(root, 'lake');
  out = join(lake, 'processed');
  writeLake(lake);
  const outcome = await runPipelineRequest(
    {
      inputUri: lake,
      outputUri: out,
      mode: 'full',
      startDate: '2024-01-01',
      endDate: '2024-01-02',
      now: '2024-02-01T02:00:00Z',
    },
    loadSettings({}),
    () => undefined,
  );
  manifest = outcome.manifest;
  const writeManifest = (runId: string, value: unknown): void => {
    mkdirSync(join(out, 'runs', runId), { recursive: true });
    writeFileSync(join(out, 'runs', runId, 'manifest.json'), JSON.stringify(value));
  };
  writeManifest('failed-run', {
    ...manifest,
    run_id: 'failed-run',
    status: 'FAILED',
    outputs: [],
    split: null,
    error: 'validation failed for 2024-01-02: rejected_share 0.2500 > 0.2',
  });
  writeManifest('running-run', { ...manifest, run_id: 'running-run', status: 'RUNNING', error: null });
  writeManifest('corrupt-run', 'not a manifest');
  call = invoker(createHandler(() => ({ output: new LocalLake(out) })));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const get = (runId: string) =>
  call(httpEvent('GET /datasets/{run_id}', { pathParameters: { run_id: runId } }));

describe('GET /datasets/{run_id}', () => {
  test('a succeeded run: split folders and parts, counts, boundaries, schema version, lineage', async () => {
    expect(manifest.status).toBe('SUCCEEDED');
    const reply = await get(manifest.run_id);
    expect(reply.status).toBe(200);
    const body = reply.body as {
      run_id: string;
      schema_version: number;
      splits: Record<
        string,
        { uri: string; rows: number; parts: { uri: string; key: string; rows: number }[] }
      >;
      counts: Record<string, number>;
      boundaries: unknown;
      lineage: { inputs: unknown[]; config_hash: string; code_version: string; manifest: string };
    };
    expect(body.run_id).toBe(manifest.run_id);
    expect(body.schema_version).toBe(1);
    const split = manifest.split as NonNullable<RunManifest['split']>;
    for (const s of ['train', 'validation', 'test'] as const) {
      const view = body.splits[s];
      expect(view?.uri).toBe(`${join(out, 'datasets', `run_id=${manifest.run_id}`, `split=${s}`)}/`);
      expect(view?.rows).toBe(split.counts[s]);
      expect(view?.parts.length).toBeGreaterThan(0);
      expect(view?.parts.reduce((n, p) => n + p.rows, 0)).toBe(split.counts[s]);
      for (const p of view?.parts ?? []) {
        expect(p.key.startsWith(`datasets/run_id=${manifest.run_id}/split=${s}/part-`)).toBe(true);
        expect(p.uri).toBe(join(out, ...p.key.split('/')));
      }
    }
    expect(body.counts).toMatchObject({ n: split.n, ...split.counts });
    expect(body.boundaries).toEqual(split.boundaries);
    expect(body.lineage).toMatchObject({
      inputs: manifest.inputs,
      config_hash: manifest.config_hash,
      code_version: manifest.code_version,
      manifest: join(out, 'runs', manifest.run_id, 'manifest.json'),
    });
  });

  test('a missing run is a 404 saying the manifest is absent', async () => {
    const reply = await get('no-such-run');
    expect(reply.status).toBe(404);
    expect(reply.contentType).toBe('application/problem+json');
    expect((reply.body as { detail: string }).detail).toMatch(
      /no dataset for run no-such-run: no manifest at/,
    );
  });

  test('a failed run is a 404 with its error', async () => {
    const reply = await get('failed-run');
    expect(reply.status).toBe(404);
    expect((reply.body as { detail: string }).detail).toBe(
      'no dataset for run failed-run: the run did not succeed (status FAILED); it failed: validation failed for 2024-01-02: rejected_share 0.2500 > 0.2',
    );
  });

  test('a running run is a 404 saying so', async () => {
    const reply = await get('running-run');
    expect(reply.status).toBe(404);
    expect((reply.body as { detail: string }).detail).toContain('still running');
  });

  test('a corrupt manifest is a 500 that names the object', async () => {
    const reply = await get('corrupt-run');
    expect(reply.status).toBe(500);
    expect((reply.body as { detail: string }).detail).toContain('corrupt-run/manifest.json');
  });

  test.each(['../secrets', 'a/b', '-leading-dash', 'x'.repeat(81), ''])(
    'a bad run id %j is a 400 naming path.run_id',
    async (runId) => {
      const reply = await get(runId);
      expect(reply.status).toBe(400);
      expect(problemPaths(reply.body)).toEqual(['path.run_id']);
    },
  );
});
