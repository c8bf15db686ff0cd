/**
 * The zod schemas of the HTTP API's replies (api.md), beside the request schemas each handler
 * exports: the handlers type their replies with them and `handlers/lib/openapi.ts` renders them
 * into `GET /openapi.json`, so the document and the code have one source. Replies the API fully
 * owns are closed objects (the document lists every field); replies that pass stored documents
 * through (run views, validation reports, manifests, alerts) name the fields the API guarantees and
 * stay open to the rest.
 */
import { z } from 'zod';
import {
  type ColumnSpec,
  INTERACTION_FEATURE_COLUMNS,
  ITEM_FEATURE_COLUMNS,
  USER_FEATURE_COLUMNS,
} from '../../domain/features/columns';

/**
 * A reply's type: the schema's, read-only all the way down (handlers build replies from read-only
 * data) and without the index signatures of open objects, so a domain interface that has the named
 * fields satisfies it.
 */
type DeepReadonly<T> = T extends readonly (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T as string extends K ? never : K]: DeepReadonly<T[K]> }
    : T;
type Reply<S extends z.ZodType> = DeepReadonly<z.infer<S>>;

/** RFC 9457 problem details, every error reply (api.md). */
export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.int(),
    detail: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details; `errors` names each bad field' });

const RunStatus = z.enum(['RUNNING', 'SUCCEEDED', 'FAILED']);
const nullableString = z.string().nullable();

/** `GET /health`. */
export const HealthReply = z
  .object({
    status: z.literal('ok'),
    service: z.string(),
    version: z.string(),
    schema_version: z.int(),
    node: z.string(),
  })
  .meta({ id: 'Health' });

/** `POST /runs` (202). */
export const RunStartedReply = z
  .object({
    run_id: z.string(),
    status: RunStatus,
    existing: z.boolean(),
    links: z.object({ self: z.string(), dataset: z.string() }),
  })
  .meta({ id: 'RunStarted' });

/** An output file of a run. */
const OutputRef = z.object({
  key: z.string(),
  uri: z.string(),
  rows: z.int(),
  bytes: z.int(),
  sha256: z.string(),
});

/** A run as `GET /runs/{run_id}` and `GET /runs` show it. */
export const RunViewReply = z
  .looseObject({
    run_id: z.string(),
    status: RunStatus,
    started_at: z.string(),
    request: z.looseObject({ mode: z.enum(['full', 'incremental']) }),
    stages: z.array(z.unknown()),
    as_of: nullableString,
    outputs: z.array(OutputRef),
    split: z.looseObject({}).nullable(),
    error: nullableString,
  })
  .meta({ id: 'RunView' });

/** `GET /runs`. */
export const RunListReply = z.object({ runs: z.array(RunViewReply) }).meta({ id: 'RunList' });

/** A day's validation report (`POST /validations`, `GET /validation-reports/{date}`). */
export const ValidationReportReply = z
  .looseObject({
    schema_version: z.int(),
    date: z.string(),
    status: z.enum(['passed', 'warned', 'failed']),
    counts: z.looseObject({
      raw: z.int(),
      valid: z.int(),
      clean: z.int(),
      rejected: z.record(z.string(), z.int()),
      removed: z.record(z.string(), z.int()),
    }),
    warnings: z.record(z.string(), z.int()),
    null_share: z.record(z.string(), z.number()),
    thresholds: z.array(
      z.object({ name: z.string(), limit: z.number(), observed: z.number(), ok: z.boolean() }),
    ),
    run_id: z.string(),
    reference_time: z.string(),
    errors: z.array(z.string()),
  })
  .meta({ id: 'ValidationReport' });

const SplitView = z.object({
  uri: z.string(),
  rows: z.int(),
  first_timestamp: nullableString,
  last_timestamp: nullableString,
  parts: z.array(
    z.object({ uri: z.string(), key: z.string(), rows: z.int(), bytes: z.int(), sha256: z.string() }),
  ),
});

/** `GET /datasets/{run_id}`: split URIs, counts, boundaries, schema version, lineage. */
export const DatasetReply = z
  .object({
    run_id: z.string(),
    status: RunStatus,
    mode: z.string(),
    start_date: z.string(),
    end_date: z.string(),
    as_of: nullableString,
    schema_version: z.int(),
    uri: z.string(),
    /** One entry per split: `train`, `validation`, `test`. */
    splits: z.record(z.string(), SplitView),
    counts: z.object({
      n: z.int().nullable(),
      train: z.int().nullable(),
      validation: z.int().nullable(),
      test: z.int().nullable(),
      users: z.int().nullable(),
      items: z.int().nullable(),
    }),
    boundaries: z.record(z.string(), z.looseObject({})).nullable(),
    features: z.object({ users: nullableString, items: nullableString }),
    lineage: z.object({
      manifest: z.string(),
      inputs: z.array(z.object({ key: z.string(), size: z.number(), etag: z.string() })),
      config_hash: z.string(),
      config: z.unknown(),
      code_version: z.string(),
      reference_time: z.string(),
    }),
  })
  .meta({ id: 'Dataset' });

/** The JSON value of a feature column (features.md): STRING, BOOLEAN or a number. */
function columnValue(column: ColumnSpec): z.ZodType {
  if (column.type === 'STRING') return z.string();
  if (column.type === 'BOOLEAN') return z.boolean();
  if (column.type === 'INT32' || column.type === 'INT64') return z.int();
  return z.number();
}

/** An object of feature columns named `<prefix><name>`, each nullable unless `required` holds its name. */
function columnsShape(
  columns: readonly ColumnSpec[],
  prefix = '',
  required: ReadonlySet<string> = new Set(),
): Record<string, z.ZodType> {
  const shape: Record<string, z.ZodType> = {};
  for (const c of columns) {
    const name = `${prefix}${c.name}`;
    shape[name] = required.has(name) ? columnValue(c) : columnValue(c).nullable();
  }
  return shape;
}

const UserCountersReply = z.object({
  last_interaction_at: z.string(),
  day: z.string(),
  counts: z.object({ view: z.int(), add_to_cart: z.int(), purchase: z.int() }),
});

/** `GET /features/users/{user_id}`. */
export const UserFeaturesReply = z
  .object({
    user_id: z.string(),
    as_of: z.string(),
    features: z.object(columnsShape(USER_FEATURE_COLUMNS)),
    realtime: UserCountersReply.nullable(),
  })
  .meta({ id: 'UserFeatures' });

/** `GET /features/items/{product_id}`. */
export const ItemFeaturesReply = z
  .object({
    product_id: z.string(),
    as_of: z.string(),
    features: z.object(columnsShape(ITEM_FEATURE_COLUMNS)),
  })
  .meta({ id: 'ItemFeatures' });

/** One row of `POST /features/online`: lookups, interaction features, `user_*`, `item_*` (domain `OnlineFeatureRow`). */
export const OnlineFeatureRowReply = z
  .object({
    product_id: z.string(),
    user_found: z.boolean(),
    item_found: z.boolean(),
    stale: z.boolean(),
    user_as_of: nullableString,
    item_as_of: nullableString,
    ...columnsShape(INTERACTION_FEATURE_COLUMNS, '', new Set(['time_of_day', 'day_of_week'])),
    ...columnsShape(USER_FEATURE_COLUMNS, 'user_'),
    ...columnsShape(ITEM_FEATURE_COLUMNS, 'item_'),
  })
  .meta({ id: 'OnlineFeatureRow' });

/** `POST /features/online`: one row per requested position, in request order. */
export const OnlineFeaturesReply = z
  .object({ user_id: z.string(), at: z.string(), rows: z.array(OnlineFeatureRowReply) })
  .meta({ id: 'OnlineFeatures' });

/** `GET /alerts`. */
export const AlertListReply = z
  .object({
    alerts: z.array(
      // Stored alerts pass through: listing checks `raised_at` only; monitoring writes the rest.
      z.looseObject({
        raised_at: z.string(),
        check: z.string().optional(),
        date: z.string().optional(),
        severity: z.enum(['warning', 'critical']).optional(),
        message: z.string().optional(),
      }),
    ),
    count: z.int(),
  })
  .meta({ id: 'AlertList' });

export type Problem = Reply<typeof Problem>;
export type HealthReply = Reply<typeof HealthReply>;
export type RunStartedReply = Reply<typeof RunStartedReply>;
export type RunViewReply = Reply<typeof RunViewReply>;
export type RunListReply = Reply<typeof RunListReply>;
export type ValidationReportReply = Reply<typeof ValidationReportReply>;
export type DatasetReply = Reply<typeof DatasetReply>;
export type UserFeaturesReply = Reply<typeof UserFeaturesReply>;
export type ItemFeaturesReply = Reply<typeof ItemFeaturesReply>;
export type OnlineFeatureRowReply = Reply<typeof OnlineFeatureRowReply>;
export type OnlineFeaturesReply = Reply<typeof OnlineFeaturesReply>;
export type AlertListReply = Reply<typeof AlertListReply>;
