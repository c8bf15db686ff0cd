/**
 * No training/serving skew (features.md §5): for sampled training rows of day D, the features the
 * online route serves from the store as of D equal the row's features exactly.
 *
 * The pipeline runs over S..E and writes the training rows. For each day D after S, the state as
 * of D is rebuilt by folding the cleaned days S..D-1 (re-derived with the day stage into a scratch
 * root) with the domain fold, published with `publishFromState` into dynalite, and the
 * `features-online` handler is called with the row's user, product, timestamp and session position.
 * Rows are sampled only where the product's attributes are the same in the snapshots for D-1 (what
 * the store serves) and D (the row's event-day attributes), and the product is an active item of
 * D-1: otherwise the two legitimately differ (docs/decisions.md, "Online features").
 */
import { createDynamoDbClient } from '../../adapters/dynamodb-client';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { APIGatewayProxyEventV2 } from 'aws-lambda';

import { DynamoDbFeatureStore } from '../../adapters/dynamodb-feature-store';
import { type LocalDynamo, startDynalite } from '../../adapters/dynamodb-local-server';
import { ensureFeatureTable } from '../../adapters/dynamodb-table';
import { createPipelineDeps } from '../../adapters/pipeline-deps';
import { decodeParquet } from '../../adapters/parquet';
import { loadSettings } from '../../config';
import {
  INTERACTION_FEATURE_COLUMNS,
  ITEM_AGGREGATE_COLUMNS,
  USER_FEATURE_COLUMNS,
} from '../../domain/features/columns';
import { type CleanDayData, foldDay } from '../../domain/features/fold';
import { emptyState } from '../../domain/features/state';
import { publishFromLake, publishFromState } from '../../domain/online/publish';
import { validateAndStageDay } from '../../domain/pipeline/validate-clean-day';
import { planRun } from '../../domain/pipeline/plan';
import { stagedCleanDay } from '../support/staged-days';
import type { CleanProduct } from '../../domain/schemas/clean';
import { addDays } from '../../domain/time';
import { lambdaHandler } from '../../handlers/features-online';
import { resetWiring, useWiring } from '../../wiring';
import { runPipelineRequest } from '../../scripts/lib/pipeline-run';
import { E2E_LAKE, E2E_RUN, listFiles, writeLakeDir } from '../support/e2e-pipeline';
import { httpEvent } from '../support/http-events';

const settings = loadSettings({});
const DAYS = ['2024-01-01', '2024-01-02', '2024-01-03', '2024-01-04', '2024-01-05', '2024-01-06'];
const PER_DAY = 60;

type Row = Record<string, unknown>;

let root: string;
let out: string;
let dynamo: LocalDynamo;
let client: ReturnType<typeof createDynamoDbClient>;
let rows: Row[];
let cleanDays: CleanDayData[];

/** Decoded Parquet values as JSON would carry them: INT64 bigints as numbers. */
const plain = (v: unknown): unknown => (typeof v === 'bigint' ? Number(v) : v);

async function freshStore(table: string): Promise<DynamoDbFeatureStore> {
  await ensureFeatureTable(client, table);
  return new DynamoDbFeatureStore(client, table, settings.online.ttlDays);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'e2e-skew-'));
  const lake = join(root, 'lake');
  out = join(lake, 'processed');
  writeLakeDir(lake, E2E_LAKE);
  const outcome = await runPipelineRequest(
    { ...E2E_RUN, inputUri: lake, outputUri: out },
    settings,
    () => undefined,
  );
  rows = [];
  for (const key of listFiles(out).filter((k) => k.startsWith(`datasets/run_id=${outcome.manifest.run_id}/`)))
    rows.push(...(await decodeParquet(new Uint8Array(await readFile(join(out, key))))));

  // The cleaned days again, from the same lake and parameters, staged into a scratch root.
  const deps = createPipelineDeps({ inputUri: lake, outputUri: join(root, 'scratch') });
  const plan = await planRun(deps, {
    runId: 'skew',
    mode: 'full',
    startDate: E2E_RUN.startDate,
    endDate: E2E_RUN.endDate,
    referenceTimeMs: Date.parse(E2E_RUN.now),
    config: settings.pipeline,
    shardCount: 3,
    codeVersion: 'test',
  });
  // This lake has no snapshot before S, so the fold starts from an empty state without one.
  expect(plan.products[addDays(E2E_RUN.startDate, -1)]).toBeNull();
  cleanDays = [];
  for (const date of DAYS) {
    await validateAndStageDay(deps, plan, date);
    cleanDays.push(await stagedCleanDay(deps.output, plan.params, date));
  }
  expect(cleanDays.reduce((n, d) => n + d.interactions.length, 0)).toBe(rows.length);

  dynamo = await startDynalite();
  client = createDynamoDbClient({ ...settings.online, endpoint: dynamo.endpoint });
});

afterAll(async () => {
  resetWiring();
  client?.destroy();
  await dynamo?.close();
  await rm(root, { recursive: true, force: true });
});

const sameAttributes = (a: CleanProduct | undefined, b: CleanProduct | undefined): boolean =>
  a !== undefined &&
  b !== undefined &&
  a.category === b.category &&
  a.subcategory === b.subcategory &&
  a.brand === b.brand &&
  a.price === b.price;

const event = (body: unknown): APIGatewayProxyEventV2 => httpEvent('POST /features/online', { body });

const COMPARED = [
  ...INTERACTION_FEATURE_COLUMNS.map((c) => c.name),
  ...USER_FEATURE_COLUMNS.map((c) => `user_${c.name}`),
  ...ITEM_AGGREGATE_COLUMNS.map((c) => `item_${c.name}`),
  'item_category',
  'item_subcategory',
  'item_brand',
  'item_price',
];

describe('online features equal the training rows (no training/serving skew)', () => {
  it('for sampled rows of every day after S, with the store as of that day', async () => {
    const state = emptyState(E2E_RUN.startDate, null, null);
    const mismatches: string[] = [];
    let compared = 0;
    let withHistory = 0;
    let withoutHistory = 0;
    for (let d = 0; d < cleanDays.length; d++) {
      const day = cleanDays[d] as CleanDayData;
      if (d > 0) {
        const store = await freshStore(`skew-${day.date}`);
        useWiring({ featureStore: store });
        await publishFromState(store, state, day.date);
        const before = new Map(
          (state.items.snapshot ?? []).filter((p) => p.is_active).map((p) => [p.product_id, p]),
        );
        const today = new Map(day.products.map((p) => [p.product_id, p]));
        const eligible = rows.filter(
          (r) =>
            (r.timestamp as Date).toISOString().slice(0, 10) === day.date &&
            sameAttributes(before.get(r.product_id as string), today.get(r.product_id as string)),
        );
        const step = Math.max(1, Math.floor(eligible.length / PER_DAY));
        for (let i = 0; i < eligible.length; i += step) {
          const row = eligible[i] as Row;
          const reply = await lambdaHandler(
            event({
              user_id: row.user_id,
              product_ids: [row.product_id],
              at: (row.timestamp as Date).toISOString(),
              session_position: row.session_position,
            }),
          );
          expect(reply.statusCode).toBe(200);
          const online = (JSON.parse(reply.body as string) as { rows: Row[] }).rows[0] as Row;
          expect(online.item_found).toBe(true);
          if (online.user_found) withHistory++;
          else withoutHistory++;
          for (const name of COMPARED)
            if (!Object.is(online[name], plain(row[name])))
              mismatches.push(
                `${String(row.interaction_id)} ${name}: online ${String(online[name])} row ${String(row[name])}`,
              );
          compared++;
        }
      }
      foldDay(state, day, settings.pipeline, false);
    }
    expect(mismatches).toEqual([]);
    expect(compared).toBeGreaterThan(200);
    expect(withHistory).toBeGreaterThan(100);
    expect(withoutHistory).toBeGreaterThan(0);
  });

  it('publishing from the lake (Parquet + affinity companion) stores what publishing from the state does', async () => {
    const state = emptyState(E2E_RUN.startDate, null, null);
    for (const day of cleanDays) foldDay(state, day, settings.pipeline, false);
    const asOf = state.users.asOf;
    // The pipeline's own files as of T: one user part and one affinity part per shard.
    const lake = createPipelineDeps({ inputUri: join(root, 'lake'), outputUri: out }).output;
    const fromState = await freshStore('from-state');
    const fromLake = await freshStore('from-lake');
    const a = await publishFromState(fromState, state, asOf);
    const b = await publishFromLake(fromLake, lake, asOf, decodeParquet);
    expect(b).toEqual(a);
    expect(a.written).toBe(
      state.users.aggregates.size + (state.items.snapshot ?? []).filter((p) => p.is_active).length,
    );
    for (const id of state.users.aggregates.keys())
      expect(await fromLake.getUser(id)).toEqual(await fromState.getUser(id));
    const ids = (state.items.snapshot ?? []).map((p) => p.product_id);
    expect(await fromLake.getItems(ids)).toEqual(await fromState.getItems(ids));
  });
});
