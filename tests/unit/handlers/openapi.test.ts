/** `GET /openapi.json`: the document covers every route of serverless.yml, with its auth and its error replies. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

import { handler, lambdaHandler } from '../../../handlers/openapi-get';
import { OnlineFeaturesBody } from '../../../handlers/features-online';
import { lambdaContext } from '../../support/http-events';
import { checkAgainstDocument } from '../../support/openapi-check';

type Json = Record<string, unknown>;
type Operation = { security?: unknown[]; responses: Record<string, { content?: Json }>; requestBody?: Json };

const declaredRoutes = (): string[] => {
  const yml = readFileSync(join(__dirname, '..', '..', '..', 'serverless.yml'), 'utf8');
  return [...yml.matchAll(/httpApi: \{ method: (\w+), path: '?([^',\s]+?)'?[,\s]/g)].map(
    (m) => `${m[1]} ${m[2]}`,
  );
};

describe('GET /openapi.json', () => {
  let doc: { openapi: string; paths: Record<string, Record<string, Operation>>; components: Json };

  beforeAll(async () => {
    const reply = await lambdaHandler();
    expect(reply.statusCode).toBe(200);
    expect(reply.headers?.['content-type']).toBe('application/json');
    doc = JSON.parse(reply.body as string) as typeof doc;
  });

  it('is OpenAPI 3.1 and documents exactly the routes of serverless.yml', () => {
    expect(doc.openapi).toBe('3.1.0');
    const documented = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(declaredRoutes().sort());
  });

  it('requires SigV4 on every route but /health', () => {
    for (const [path, item] of Object.entries(doc.paths))
      for (const op of Object.values(item))
        expect([path, op.security]).toEqual([path, path === '/health' ? [] : [{ sigv4: [] }]]);
  });

  it('gives every 4xx and 5xx reply the problem+json schema', () => {
    for (const item of Object.values(doc.paths))
      for (const op of Object.values(item))
        for (const [status, response] of Object.entries(op.responses))
          if (/^[45]/.test(status))
            expect(response.content?.['application/problem+json']).toEqual({
              schema: { $ref: '#/components/schemas/Problem' },
            });
  });

  it('renders the request schema the handler parses with (a change to it shows here)', () => {
    const body = doc.paths['/features/online']?.post?.requestBody as {
      content: { 'application/json': { schema: { properties: Json; required: string[] } } };
    };
    const schema = body.content['application/json'].schema;
    expect(Object.keys(schema.properties).sort()).toEqual(Object.keys(OnlineFeaturesBody.shape).sort());
    expect(schema.required.sort()).toEqual(['product_ids', 'user_id']);
    expect(schema.properties.product_ids).toMatchObject({ maxItems: 100, minItems: 1 });
  });

  it('answers through the middy stack', async () => {
    const reply = await (
      handler as unknown as (e: unknown, c: unknown) => Promise<APIGatewayProxyStructuredResultV2>
    )({}, lambdaContext);
    expect(JSON.parse(reply.body as string)).toMatchObject({ openapi: '3.1.0' });
  });

  it('the reply check (tests/support/openapi-check.ts) catches a wrong body, status or route', () => {
    const reply = (path: string, status: number, body: unknown, type = 'application/json') => ({
      method: 'GET',
      path,
      status,
      type,
      body: JSON.stringify(body),
    });
    const health = { status: 'ok', service: 's', version: '1', schema_version: 1, node: 'v24' };
    const check = checkAgainstDocument(doc, [
      reply('/health', 200, health),
      reply('/health', 200, { ...health, status: 'down' }),
      reply('/health', 200, { ...health, extra: 1 }),
      reply(
        '/features/items/p1',
        404,
        { type: 'about:blank', title: 'Not Found', status: 404 },
        'application/problem+json',
      ),
      reply('/health', 418, health),
      reply('/nowhere', 200, {}),
    ]);
    expect(check.mismatches).toHaveLength(3);
    expect(check.mismatches.join('\n')).toContain("must have required property 'detail'");
    expect(check.unmatched).toEqual([
      'GET /health 418 application/json',
      'GET /nowhere 200 application/json',
    ]);
  });
});
