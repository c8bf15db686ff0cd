import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { z } from 'zod';

import { wiring } from '../wiring';
import { UserIdParam } from '../domain/online/request-ids';
import { normalizeText } from '../domain/text';
import type { UserFeaturesReply } from './lib/api-schemas';
import { json, notFound, parseRequest, problemJson } from './lib/http';

/** `GET /features/users/{user_id}` path parameters. */
export const UserPath = z.object({ user_id: UserIdParam });

/** `GET /features/users/{user_id}`: the user's latest features with `as_of`, plus the real-time counters. */
export async function lambdaHandler(
  event: APIGatewayProxyEventV2,
): Promise<APIGatewayProxyStructuredResultV2> {
  const { user_id } = parseRequest(UserPath, event.pathParameters ?? {}, 'path');
  const id = normalizeText(user_id);
  const store = wiring().featureStore();
  const [user, counters] = await Promise.all([store.getUser(id), store.getCounters(id)]);
  if (user === null) throw notFound(`features of user ${JSON.stringify(id)}`);
  const { user_id: _id, as_of, affinity: _affinity, ...features } = user;
  return json(200, { user_id: id, as_of, features, realtime: counters.user } satisfies UserFeaturesReply);
}

/** The Lambda entry point. */
export const handler = middy(lambdaHandler).use(problemJson());
