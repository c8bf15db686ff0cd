import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { z } from 'zod';

import { wiring } from '../wiring';
import { ProductIdParam } from '../domain/online/request-ids';
import { normalizeText } from '../domain/text';
import type { ItemFeaturesReply } from './lib/api-schemas';
import { json, notFound, parseRequest, problemJson } from './lib/http';

/** `GET /features/items/{product_id}` path parameters. */
export const ItemPath = z.object({ product_id: ProductIdParam });

/** `GET /features/items/{product_id}`: the item's latest features with `as_of`. */
export async function lambdaHandler(
  event: APIGatewayProxyEventV2,
): Promise<APIGatewayProxyStructuredResultV2> {
  const { product_id } = parseRequest(ItemPath, event.pathParameters ?? {}, 'path');
  const id = normalizeText(product_id);
  const item = (await wiring().featureStore().getItems([id])).get(id);
  if (item === undefined) throw notFound(`features of product ${JSON.stringify(id)}`);
  const { product_id: _id, as_of, ...features } = item;
  return json(200, { product_id: id, as_of, features } satisfies ItemFeaturesReply);
}

/** The Lambda entry point. */
export const handler = middy(lambdaHandler).use(problemJson());
