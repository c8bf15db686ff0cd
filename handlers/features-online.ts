import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { z } from 'zod';

import { wiring } from '../wiring';
import { type OnlineConfig, type OnlineRequest, onlineFeatureRows } from '../domain/online/online-features';
import { readOnline } from '../domain/online/online-reads';
import {
  ProductIdParam,
  SESSION_IDS_MAX_BYTES,
  SessionIdParam,
  UserIdParam,
  sessionKeyTooLong,
} from '../domain/online/request-ids';
import { normalizeText } from '../domain/text';
import { parseTimestamp } from '../domain/time';
import type { OnlineFeaturesReply } from './lib/api-schemas';
import { json, jsonBody, parseRequest, problemJson } from './lib/http';

/** The most candidates one request may score (api.md). */
const MAX_CANDIDATES = 100;

/**
 * `POST /features/online` body; unknown fields are refused by name. Candidates may repeat (callers
 * merge several retrieval sources): each position gets its row, each distinct id is read once.
 */
export const OnlineFeaturesBody = z
  .strictObject({
    user_id: UserIdParam,
    product_ids: z.array(ProductIdParam).min(1).max(MAX_CANDIDATES, `at most ${MAX_CANDIDATES} candidates`),
    at: z
      .string()
      .refine((s) => parseTimestamp(s)?.naive === false, 'an ISO 8601 timestamp with a time zone')
      .optional(),
    session_id: SessionIdParam.optional(),
    session_position: z.int().positive().optional(),
  })
  .refine((b) => !sessionKeyTooLong(b.user_id, b.session_id), {
    message: `user_id and session_id together must be at most ${SESSION_IDS_MAX_BYTES} bytes of UTF-8 after normalisation (the session counters key)`,
    path: ['session_id'],
  });

/** The online-feature settings of the process's configuration. */
function config(): OnlineConfig {
  const { online, pipeline } = wiring().settings;
  return {
    staleHours: online.staleHours,
    priceMatchRatio: pipeline.priceMatchRatio,
    sessionGapMs: pipeline.sessionGapMs,
  };
}

/** Features for inference: one row per requested position, in request order (api.md). */
export async function lambdaHandler(
  event: APIGatewayProxyEventV2,
): Promise<APIGatewayProxyStructuredResultV2> {
  const body = parseRequest(OnlineFeaturesBody, jsonBody(event), 'body');
  // Stored ids are the cleaned ones (data-contract.md §4.1), so lookups use the same rule.
  const userId = normalizeText(body.user_id);
  const sessionId = body.session_id === undefined ? undefined : normalizeText(body.session_id);
  const productIds = body.product_ids.map(normalizeText);
  const request: OnlineRequest = {
    user_id: userId,
    product_ids: productIds,
    at: body.at === undefined ? undefined : parseTimestamp(body.at)?.ms,
    session_id: sessionId,
    session_position: body.session_position,
  };
  const w = wiring();
  const needsCounters = body.session_position === undefined && sessionId !== undefined;
  const { user, items, counters } = await readOnline(w.featureStore(), w.onlineItemCache(), {
    userId,
    productIds: [...new Set(productIds)],
    counters: needsCounters ? { sessionId } : null,
  });
  const reply: OnlineFeaturesReply = onlineFeatureRows(request, user, items, counters, w.now(), config());
  return json(200, reply);
}

/** The Lambda entry point. */
export const handler = middy(lambdaHandler).use(problemJson());
