import middy from '@middy/core';
import { wiring } from '../wiring';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { z } from 'zod';

import { CorruptObjectError } from '../domain/errors';
import { readJsonOrNull } from '../domain/lake-json';
import { outputKeys } from '../domain/lake-layout';
import { RUN_ID_PATTERN } from '../domain/pipeline/run-id';
import type { Lake } from '../domain/ports';
import { SPLITS } from '../domain/split';
import type { DatasetReply } from './lib/api-schemas';
import { json, parseRequest, problemJson, RequestError } from './lib/http';

/** Where manifests are read from; tests pass their own. */
export interface DatasetsDeps {
  /** The configured output root. */
  readonly output: Lake;
}

/** `GET /datasets/{run_id}` path parameters. */
export const DatasetPath = z.strictObject({
  run_id: z.string().regex(RUN_ID_PATTERN, 'must be a run id: letters, digits, - and _ (at most 80)'),
});

const Boundary = z.object({ first_timestamp: z.string().nullable(), last_timestamp: z.string().nullable() });

/** The manifest fields this endpoint serves (the manifest is written by the pipeline, features.md §7). */
const Manifest = z.looseObject({
  run_id: z.string(),
  status: z.enum(['RUNNING', 'SUCCEEDED', 'FAILED']),
  mode: z.string(),
  start_date: z.string(),
  end_date: z.string(),
  as_of: z.string().nullable(),
  reference_time: z.string(),
  schema_version: z.number(),
  code_version: z.string(),
  config_hash: z.string(),
  config: z.unknown(),
  inputs: z.array(z.object({ key: z.string(), size: z.number(), etag: z.string() })),
  outputs: z.array(
    z.object({ key: z.string(), uri: z.string(), rows: z.number(), bytes: z.number(), sha256: z.string() }),
  ),
  split: z
    .object({
      n: z.number(),
      counts: z.object({ train: z.number(), validation: z.number(), test: z.number() }),
      boundaries: z.object({ train: Boundary, validation: Boundary, test: Boundary }),
    })
    .nullable(),
  users: z.number().nullable(),
  items: z.number().nullable(),
  error: z.string().nullable(),
});
type Manifest = z.infer<typeof Manifest>;

/** A folder URI ends in exactly one `/` (a local lake's `uriOf` drops it). */
const folder = (uri: string): string => `${uri.replace(/\/+$/, '')}/`;

/** The API view of a succeeded run's manifest: splits with folder and part URIs, counts, boundaries, lineage. */
export function datasetView(manifest: Manifest, output: Lake, manifestKey: string) {
  const split = manifest.split;
  const splits = Object.fromEntries(
    SPLITS.map((s) => {
      const prefix = `${outputKeys.datasetPrefix(manifest.run_id)}split=${s}/`;
      const parts = manifest.outputs
        .filter((o) => o.key.startsWith(prefix))
        .map((o) => ({ uri: o.uri, key: o.key, rows: o.rows, bytes: o.bytes, sha256: o.sha256 }));
      return [
        s,
        {
          uri: folder(output.uriOf(prefix)),
          rows: split?.counts[s] ?? parts.reduce((n, p) => n + p.rows, 0),
          first_timestamp: split?.boundaries[s].first_timestamp ?? null,
          last_timestamp: split?.boundaries[s].last_timestamp ?? null,
          parts,
        },
      ];
    }),
  );
  const feature = (key: string | null) =>
    key === null ? null : (manifest.outputs.find((o) => o.key === key)?.uri ?? output.uriOf(key));
  return {
    run_id: manifest.run_id,
    status: manifest.status,
    mode: manifest.mode,
    start_date: manifest.start_date,
    end_date: manifest.end_date,
    as_of: manifest.as_of,
    schema_version: manifest.schema_version,
    uri: folder(output.uriOf(outputKeys.datasetPrefix(manifest.run_id))),
    splits,
    counts: {
      n: split?.n ?? null,
      train: split?.counts.train ?? null,
      validation: split?.counts.validation ?? null,
      test: split?.counts.test ?? null,
      users: manifest.users,
      items: manifest.items,
    },
    boundaries: split?.boundaries ?? null,
    features: {
      // One part per user shard: the folder holds them all.
      users:
        manifest.as_of === null ? null : folder(output.uriOf(outputKeys.userFeaturesPrefix(manifest.as_of))),
      items: feature(manifest.as_of === null ? null : outputKeys.itemFeatures(manifest.as_of)),
    },
    lineage: {
      manifest: output.uriOf(manifestKey),
      inputs: manifest.inputs,
      config_hash: manifest.config_hash,
      config: manifest.config,
      code_version: manifest.code_version,
      reference_time: manifest.reference_time,
    },
  };
}

/** Builds `GET /datasets/{run_id}`: the dataset of a succeeded run, from its manifest; 404 (saying why) otherwise. */
export function createHandler(deps: () => DatasetsDeps) {
  return async function lambdaHandler(
    event: APIGatewayProxyEventV2,
  ): Promise<APIGatewayProxyStructuredResultV2> {
    const { run_id } = parseRequest(DatasetPath, event.pathParameters ?? {}, 'path');
    const { output } = deps();
    const key = outputKeys.manifest(run_id);
    let raw: unknown;
    try {
      raw = await readJsonOrNull<unknown>(output, key);
    } catch (err) {
      throw new CorruptObjectError(output.uriOf(key), 'not JSON', { cause: err });
    }
    if (raw === null)
      throw new RequestError(
        `no dataset for run ${run_id}: no manifest at ${output.uriOf(key)} (the run does not exist, or has not finished: the manifest is written last)`,
        404,
      );
    const parsed = Manifest.safeParse(raw);
    if (!parsed.success)
      throw new CorruptObjectError(output.uriOf(key), `not a run manifest (${parsed.error.message})`);
    const manifest = parsed.data;
    if (manifest.status !== 'SUCCEEDED') {
      const why =
        manifest.status === 'FAILED'
          ? `it failed: ${manifest.error ?? 'no error recorded'}`
          : 'it is still running';
      throw new RequestError(
        `no dataset for run ${run_id}: the run did not succeed (status ${manifest.status}); ${why}`,
        404,
      );
    }
    if (manifest.split === null)
      throw new RequestError(
        `no dataset for run ${run_id}: the ${manifest.mode} run wrote no training split`,
        404,
      );
    const reply: DatasetReply = datasetView(manifest, output, key);
    return json(200, reply);
  };
}

/** `GET /datasets/{run_id}` over the configured output root. */
export const lambdaHandler = createHandler(() => ({ output: wiring().outputLake() }));

/** The Lambda entry point. */
export const handler = middy(lambdaHandler).use(problemJson());
