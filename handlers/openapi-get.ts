import middy from '@middy/core';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

import { json, problemJson } from './lib/http';
import { openApiDocument } from './lib/openapi';

/** `GET /openapi.json`: the OpenAPI 3.1 document of the API, generated from the zod schemas; touches no storage. */
export async function lambdaHandler(): Promise<APIGatewayProxyStructuredResultV2> {
  return json(200, openApiDocument());
}

/** The Lambda entry point. */
export const handler = middy(lambdaHandler).use(problemJson());
