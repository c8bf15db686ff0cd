import middy from '@middy/core';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

import { SCHEMA_VERSION } from '../domain/schemas/records';
import packageJson from '../package.json';
import type { HealthReply } from './lib/api-schemas';
import { json, problemJson } from './lib/http';

/** `GET /health`: liveness and versions; touches no storage, so it answers even when the lake is down. */
export async function lambdaHandler(): Promise<APIGatewayProxyStructuredResultV2> {
  return json(200, {
    status: 'ok',
    service: packageJson.name,
    version: packageJson.version,
    schema_version: SCHEMA_VERSION,
    node: process.version,
  } satisfies HealthReply);
}

/** The Lambda entry point. */
export const handler = middy(lambdaHandler).use(problemJson());
