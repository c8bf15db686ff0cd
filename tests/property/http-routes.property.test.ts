/**
 * Bad input is a 4xx naming the field, never a 500 (api.md): every HTTP route of serverless.yml gets
 * arbitrary bodies (any JSON value, wrong types, huge and odd-Unicode strings, non-JSON text, base64
 * flags, other Content-Types) and arbitrary path and query parameters, through its production
 * middy stack, over real local parts: a temporary local lake and the online table in dynalite.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createDynamoDbClient } from '../../adapters/dynamodb-client';
import { createFeatureStore } from '../../adapters/dynamodb-feature-store';
import { type LocalDynamo, startDynalite } from '../../adapters/dynamodb-local-server';
import { ensureFeatureTable } from '../../adapters/dynamodb-table';
import { lakeFromUri } from '../../adapters/lake-from-uri';
import { LocalEngine } from '../../adapters/local-state-machine';
import { defaultConfig } from '../../domain/config';
import { RunControl } from '../../domain/pipeline/run-control';
import { handler as alertsList } from '../../handlers/alerts-list';
import { handler as datasetsGet } from '../../handlers/datasets-get';
import { handler as featuresItemGet } from '../../handlers/features-item-get';
import { handler as featuresOnline } from '../../handlers/features-online';
import { handler as featuresUserGet } from '../../handlers/features-user-get';
import { handler as health } from '../../handlers/health';
import { handler as openapi } from '../../handlers/openapi-get';
import { problemJson } from '../../handlers/lib/http';
import { runPipelineLocally } from '../../handlers/lib/pipeline-engine';
import type { RunsService } from '../../handlers/lib/runs-service';
import { createHandler as createRunsGet } from '../../handlers/runs-get';
import { createHandler as createRunsList } from '../../handlers/runs-list';
import { createHandler as createRunsStart } from '../../handlers/runs-start';
import { handler as validationReportsGet } from '../../handlers/validation-reports-get';
import { handler as validationsCreate } from '../../handlers/validations-create';
import type { ItemRecordInput, UserRecordInput } from '../../domain/online/records';
import { resetWiring, useWiring, withWiring } from '../../wiring';
import { httpEvent, lambdaContext, writeLake } from '../support/http-events';
import { testSettings } from '../support/run-pipeline';

jest.setTimeout(300_000);

type Route = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/** A middy-wrapped Lambda handler as a plain function of the event. */
const callable =
  (h: unknown): Route =>
  (event) =>
    (h as (e: APIGatewayProxyEventV2, c: typeof lambdaContext) => Promise<APIGatewayProxyStructuredResultV2>)(
      event,
      lambdaContext,
    );

const CLOCK = Date.parse('2024-02-01T02:00:00Z');

const USER: UserRecordInput = {
  user_id: 'u1',
  total_interactions: 3,
  total_purchases: 1,
  avg_session_duration: 10,
  favorite_category: 'books',
  avg_price_point: 20,
  recency_days: 1,
  frequency_score: 3,
  monetary_value: 20,
  diversity_score: 1,
  age_group: null,
  gender: null,
  location: null,
  customer_segment: null,
  tenure_days: null,
  affinity: { 'c:books': 5 },
};

const ITEM: ItemRecordInput = {
  product_id: 'p1',
  category: 'books',
  subcategory: 'novels',
  brand: 'acme',
  price: 21,
  catalog_avg_rating: null,
  num_reviews: null,
  popularity_score: 0,
  conversion_rate: null,
  avg_rating: null,
  price_percentile: 1,
  recency_score: 0,
  category_popularity: null,
  trending_score: 1,
};

/** Strings a hostile or careless client sends: odd Unicode, lone surrogates, huge, path tricks, near-valid values. */
const oddString: fc.Arbitrary<string> = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\ud800',
    'a\udc00b',
    '\ufdfa'.repeat(150),
    'é'.repeat(1025),
    'u'.repeat(2041),
    'x'.repeat(70_000),
    '../../etc/passwd',
    '%2e%2e/%2e%2e',
    'raw/interactions/year=2024/month=01/day=02',
    's3://another-bucket/x',
    'file:///etc',
    '2024-01-02',
    '2024-02-30',
    '9999-12-31',
    '1970-01-01',
    '2024-01-02T10:00:00Z',
    '9999-12-31T23:59:59Z',
    'full',
    'incremental',
    'u1',
    'p1',
    '-1',
    '1e309',
    '<script>',
  ),
);

/** Any JSON-ish value, including the wrong types for every field. */
const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  oddString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(oddString, { maxLength: 4 }),
  fc.constant(Array.from({ length: 150 }, (_, i) => `p${i}`)),
  fc.jsonValue({ maxDepth: 2 }),
);

/** A route's body fields, each with the values that make it valid (the generator mixes in odd ones). */
type BodyFields = Readonly<Record<string, fc.Arbitrary<unknown>>>;

/**
 * An object with some of a route's fields, each a valid or an odd value, and sometimes a stray
 * field: so that requests get past validation too, into the stores.
 */
const nearValid = (fields: BodyFields): fc.Arbitrary<Record<string, unknown>> =>
  fc
    .tuple(
      fc.record(
        Object.fromEntries(
          Object.entries(fields).map(([k, valid]) => [
            k,
            fc.oneof({ arbitrary: valid, weight: 6 }, { arbitrary: oddValue, weight: 1 }),
          ]),
        ),
        { requiredKeys: [] },
      ),
      // A stray field in one body in ten.
      fc.oneof(
        { arbitrary: fc.constant(undefined), weight: 9 },
        { arbitrary: fc.tuple(fc.string({ maxLength: 8 }), oddValue), weight: 1 },
      ),
    )
    .map(([body, stray]) => (stray === undefined ? body : { ...body, [stray[0]]: stray[1] }));

const day = fc.constantFrom('2024-01-01', '2024-01-02', '2024-01-03');
const someIds = (ids: readonly string[]) => fc.oneof(fc.constantFrom(...ids), oddString);

/** The body fields of the routes that take one. */
const BODIES = {
  runs: {
    mode: fc.constantFrom('full', 'incremental'),
    start_date: day,
    end_date: day,
    date: day,
    run_id: fc.stringMatching(/^[a-z][a-z0-9-]{0,7}$/),
    now: fc.constantFrom('2024-02-01T00:00:00Z', '2024-01-20T12:00:00+01:00'),
    shards: fc.integer({ min: 1, max: 4 }),
    input_path: fc.constantFrom('raw', '.'),
    output_path: fc.constantFrom('processed', 'processed/experiments/a', 'raw/interactions', 'elsewhere'),
    schedule: fc.constantFrom('daily', 'weekly'),
  },
  validations: { date: day, input_path: fc.constantFrom('.', 'processed') },
  online: {
    user_id: someIds(['u1', 'u2', ' u1 ']),
    product_ids: fc.array(someIds(['p1', 'p2', 'p3']), { minLength: 1, maxLength: 5 }),
    at: fc.constantFrom('2024-01-04T10:00:00Z', '2024-01-04T10:00:00+05:30'),
    session_id: someIds(['s1']),
    session_position: fc.integer({ min: 1, max: 50 }),
  },
} as const satisfies Record<string, BodyFields>;

/** Parameters with every name of `valid`, each a valid value or (one in four) an odd one. */
const paramsOf = (valid: Readonly<Record<string, readonly string[]>>): fc.Arbitrary<Record<string, string>> =>
  fc.record(
    Object.fromEntries(
      Object.entries(valid).map(([name, values]) => [
        name,
        fc.oneof({ arbitrary: fc.constantFrom(...values), weight: 3 }, { arbitrary: oddString, weight: 1 }),
      ]),
    ),
  );

/** The body of a request as sent: JSON text, other text, or none; sometimes base64-flagged; any Content-Type. */
interface SentBody {
  readonly text: string | undefined;
  readonly base64: 'no' | 'encoded' | 'flag-only';
  readonly contentType: string | undefined;
}

const sentBody = (fields: BodyFields): fc.Arbitrary<SentBody> =>
  fc.record({
    text: fc.oneof(
      fc.constant(undefined),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      { arbitrary: nearValid(fields).map((v) => JSON.stringify(v)), weight: 6 },
      fc.string({ unit: 'binary' }),
      fc.constantFrom('{"mode":', 'null', '[]', '"x"', '{}', '\u0000', 'NaN', '{"__proto__":{"x":1}}'),
    ),
    base64: fc.constantFrom('no', 'no', 'no', 'no', 'no', 'encoded', 'flag-only'),
    contentType: fc.oneof(
      { arbitrary: fc.constant('application/json'), weight: 6 },
      {
        arbitrary: fc.constantFrom(
          undefined,
          'text/plain',
          'application/json; charset=utf-8',
          'APPLICATION/JSON',
          'multipart/form-data',
        ),
        weight: 1,
      },
      { arbitrary: oddString, weight: 1 },
    ),
  });

/** One route: its key, handler, body fields (none: no body) and path parameters. */
interface RouteSpec {
  readonly routeKey: string;
  readonly route: () => Route;
  readonly bodyFields?: BodyFields;
  /** Path parameters, each with valid values (the generator mixes in odd ones and stray names). */
  readonly pathParams?: Readonly<Record<string, readonly string[]>>;
  readonly queryParams?: Readonly<Record<string, readonly string[]>>;
}

describe('no HTTP route answers 5xx, and every 4xx is problem+json naming what is wrong', () => {
  let dir: string;
  let lake: string;
  let out: string;
  let dynamo: LocalDynamo;
  let engine: LocalEngine;
  let runs: RunsService;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'http-routes-'));
    lake = join(dir, 'lake');
    out = join(lake, 'processed');
    writeLake(lake);
    dynamo = await startDynalite();
    const client = createDynamoDbClient({ endpoint: dynamo.endpoint });
    await ensureFeatureTable(client, 'features');
    const store = createFeatureStore(client, 'features', 7);
    const wired = useWiring({
      settings: testSettings(defaultConfig(), { inputUri: lake, outputUri: out }),
      featureStore: store,
      now: () => CLOCK,
      log: () => undefined,
      codeVersion: 'test',
      runChecks: null,
    });
    engine = new LocalEngine((request) => withWiring(wired, () => runPipelineLocally(request)));
    runs = {
      control: new RunControl(lakeFromUri(out), (uri) => lakeFromUri(uri), engine, {
        clock: () => CLOCK,
        inputUri: wired.roots.inputUri,
        runMaxSeconds: 86_400,
      }),
      roots: wired.roots,
      clock: () => CLOCK,
      maxRunDays: wired.settings.maxRunDays,
    };
    // A published user and item, so lookups also meet stored items.
    await store.publish({ users: [USER], items: [ITEM] }, '2024-01-04');
  });

  afterAll(async () => {
    await engine?.idle();
    resetWiring();
    await dynamo?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const routes: readonly RouteSpec[] = [
    {
      routeKey: 'POST /runs',
      route: () => callable(middyWrap(createRunsStart(() => runs))),
      bodyFields: BODIES.runs,
    },
    {
      routeKey: 'GET /runs/{run_id}',
      route: () => callable(middyWrap(createRunsGet(() => runs))),
      pathParams: { run_id: ['api-run-1', 'nope', 'a'.repeat(80)] },
    },
    {
      routeKey: 'GET /runs',
      route: () => callable(middyWrap(createRunsList(() => runs))),
      queryParams: { limit: ['1', '20', '100'] },
    },
    {
      routeKey: 'POST /validations',
      route: () => callable(validationsCreate),
      bodyFields: BODIES.validations,
    },
    {
      routeKey: 'GET /validation-reports/{date}',
      route: () => callable(validationReportsGet),
      pathParams: { date: ['2024-01-02', '2024-01-05'] },
    },
    {
      routeKey: 'GET /datasets/{run_id}',
      route: () => callable(datasetsGet),
      pathParams: { run_id: ['api-run-1', 'nope', 'a'.repeat(80)] },
    },
    {
      routeKey: 'GET /features/users/{user_id}',
      route: () => callable(featuresUserGet),
      pathParams: { user_id: ['u1', ' u1 ', 'ghost'] },
    },
    {
      routeKey: 'GET /features/items/{product_id}',
      route: () => callable(featuresItemGet),
      pathParams: { product_id: ['p1', 'ghost'] },
    },
    {
      routeKey: 'POST /features/online',
      route: () => callable(featuresOnline),
      bodyFields: BODIES.online,
    },
    {
      routeKey: 'GET /alerts',
      route: () => callable(alertsList),
      queryParams: { since: ['2024-01-01', '2024-01-01T00:00:00Z'], limit: ['5'] },
    },
    { routeKey: 'GET /health', route: () => callable(health) },
    { routeKey: 'GET /openapi.json', route: () => callable(openapi) },
  ];

  it('covers every httpApi route of serverless.yml', () => {
    const yml = readFileSync(join(__dirname, '..', '..', 'serverless.yml'), 'utf8');
    const declared = [...yml.matchAll(/httpApi: \{ method: (\w+), path: '?([^',\s]+?)'?[,\s]/g)].map(
      (m) => `${m[1]} ${m[2]}`,
    );
    expect(routes.map((r) => r.routeKey).sort()).toEqual(declared.sort());
  });

  it.each(routes.map((r) => [r.routeKey, r] as const))('%s', async (_key, spec) => {
    const route = spec.route();
    const params = (valid: Readonly<Record<string, readonly string[]>> | undefined) =>
      valid === undefined
        ? fc.constant(undefined)
        : fc.option(
            fc.oneof(
              { arbitrary: paramsOf(valid), weight: 3 },
              {
                arbitrary: fc.dictionary(
                  fc.oneof(fc.constantFrom(...Object.keys(valid)), fc.string({ maxLength: 5 })),
                  oddString,
                  { maxKeys: 3 },
                ),
                weight: 1,
              },
            ),
            { nil: undefined },
          );
    await fc.assert(
      fc.asyncProperty(
        sentBody(spec.bodyFields ?? {}),
        params(spec.pathParams),
        params(spec.queryParams ?? { limit: ['10'] }),
        fc.option(
          fc.constantFrom('text/html', 'application/json', '*/*', 'text/html;q=0.1, application/json'),
          {
            nil: undefined,
          },
        ),
        async (body, pathParameters, query, accept) => {
          const event = eventOf(spec.routeKey, body, pathParameters, query, accept);
          const reply = await route(event);
          const status = reply.statusCode ?? 200;
          const described = `${spec.routeKey} ${JSON.stringify({ body, pathParameters, query }).slice(0, 500)} → ${status} ${String(reply.body).slice(0, 300)}`;
          if (status >= 500) throw new Error(`5xx: ${described}`);
          if (status >= 400) expectProblem(reply, status, described);
        },
      ),
      { numRuns: 200, seed: 20261202 },
    );
  });
});

/** The production middleware around a `createHandler` route (the exported `handler`s already have it). */
function middyWrap(lambdaHandler: Route): unknown {
  return middy(lambdaHandler).use(problemJson());
}

/** The HTTP API event of a generated request. */
function eventOf(
  routeKey: string,
  body: SentBody,
  pathParameters: Record<string, string> | undefined,
  query: Record<string, string> | undefined,
  accept: string | undefined,
): APIGatewayProxyEventV2 {
  // Path parameters are set after the fact: a lone surrogate cannot be percent-encoded into rawPath.
  const base = {
    ...httpEvent(routeKey, query === undefined ? {} : { query }),
    ...(pathParameters === undefined ? {} : { pathParameters }),
  };
  const headers: Record<string, string> = { host: 'api.example.test' };
  if (body.contentType !== undefined) headers['content-type'] = body.contentType;
  if (accept !== undefined) headers.accept = accept;
  const text =
    body.text === undefined || body.base64 !== 'encoded'
      ? body.text
      : Buffer.from(body.text).toString('base64');
  return {
    ...base,
    headers,
    ...(text === undefined ? {} : { body: text }),
    isBase64Encoded: body.base64 !== 'no',
  };
}

/** A 4xx is problem+json whose status matches; a 400 or 415 names each bad part of the request. */
function expectProblem(reply: APIGatewayProxyStructuredResultV2, status: number, described: string): void {
  const type = String(reply.headers?.['content-type'] ?? '');
  if (type !== 'application/problem+json') throw new Error(`not problem+json: ${described}`);
  const problem = JSON.parse(String(reply.body)) as {
    status: number;
    detail: string;
    errors?: { path: string }[];
  };
  if (problem.status !== status || problem.detail === '') throw new Error(`bad problem: ${described}`);
  if (status === 400 || status === 415) {
    const paths = (problem.errors ?? []).map((e) => e.path);
    if (paths.length === 0 || !paths.every((p) => /^(body|path|query|headers)(\.|$)/.test(p)))
      throw new Error(`4xx naming no field: ${described}`);
  }
}
