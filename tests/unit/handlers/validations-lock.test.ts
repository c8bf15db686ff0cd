/** POST /validations never writes an output root a run is writing, and holds the root while it writes. */
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createPipelineDeps } from '../../../adapters/pipeline-deps';
import { loadSettings } from '../../../config';
import { outputKeys } from '../../../domain/lake-layout';
import type { Lake } from '../../../domain/ports';
import { type ValidationsDeps, createHandler } from '../../../handlers/validations-create';
import { httpEvent, invoker, writeLake } from '../../support/http-events';

const NOW = Date.UTC(2024, 1, 1, 2);
const REPORT = 'validation_reports/year=2024/month=01/day=02/report.json';
let root: string;
let lake: string;
let out: string;
/** Whether the root's lock was there each time the report was written. */
const lockedAtReportWrite: boolean[] = [];
let call: ReturnType<typeof invoker>;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'validations-lock-'));
  lake = join(root, 'lake');
  out = join(lake, 'processed');
  writeLake(lake);
  const deps: ValidationsDeps = {
    lakeUri: lake,
    outputUri: undefined,
    config: loadSettings({}).pipeline,
    depsFor: (uris) => {
      const ports = createPipelineDeps({ inputUri: uris.input_uri, outputUri: uris.output_uri });
      const output: Lake = Object.assign(Object.create(ports.output) as Lake, {
        write: async (key: string, body: Uint8Array | string) => {
          if (key === REPORT) lockedAtReportWrite.push(existsSync(join(out, outputKeys.runLock)));
          return ports.output.write(key, body);
        },
      });
      return { ...ports, output };
    },
    codeVersion: '0.1.0',
    now: () => NOW,
  };
  call = invoker(createHandler(() => deps));
});
afterAll(async () => rm(root, { recursive: true, force: true }));

const post = (body: unknown) => call(httpEvent('POST /validations', { body }));

describe('POST /validations and the run lock of its output root', () => {
  test('is a 409 naming the run while a run holds the root, and writes nothing', async () => {
    mkdirSync(join(out, 'runs'), { recursive: true });
    const lock = {
      holder: 'weekly-run',
      kind: 'run',
      taken_at: '2024-02-01T01:00:00.000Z',
      expires_at: '2024-02-02T01:00:00.000Z',
    };
    writeFileSync(join(out, outputKeys.runLock), JSON.stringify(lock));
    const reply = await post({ date: '2024-01-02' });
    expect(reply.status).toBe(409);
    expect((reply.body as { detail: string }).detail).toMatch(
      /is in use by run weekly-run \(since 2024-02-01T01:00:00.000Z\)/,
    );
    expect(existsSync(join(out, REPORT))).toBe(false);
    expect(JSON.parse(readFileSync(join(out, outputKeys.runLock), 'utf8'))).toEqual(lock);
  });

  test('holds the root while it writes the report, and frees it after', async () => {
    await rm(join(out, outputKeys.runLock));
    const reply = await post({ date: '2024-01-02' });
    expect(reply.status).toBe(200);
    expect(lockedAtReportWrite).toEqual([true]);
    expect(existsSync(join(out, outputKeys.runLock))).toBe(false);
    expect(existsSync(join(out, REPORT))).toBe(true);
  });
});
