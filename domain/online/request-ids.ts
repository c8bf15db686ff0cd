/**
 * Ids as the feature routes take them (path parameters and `POST /features/online`): the zod
 * schema every route uses, so an id that could never be stored is a 400 naming the field rather
 * than a DynamoDB error.
 */
import { z } from 'zod';
import { normalizeText } from '../text';
import { ONLINE_KEYS, fitsPartitionKey, maxIdBytes } from './online-table';

/** A UTF-16 surrogate without its pair: not Unicode text, and not storable as UTF-8. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * A non-empty, well-formed id whose every key fits DynamoDB's partition key limit once normalised
 * the way stored ids are (NFKC can lengthen text: one character may become 18). `keyOf` is the
 * longest key the id goes into. The value stays as sent: handlers normalise it for the lookup.
 */
export function requestId(keyOf: (id: string) => string) {
  const limit = maxIdBytes(keyOf);
  return z
    .string()
    .trim()
    .min(1)
    .refine((id) => !LONE_SURROGATE.test(id), 'must be well-formed Unicode (it holds a lone surrogate)')
    .refine(
      (id) => fitsPartitionKey(keyOf(normalizeText(id))),
      `must be at most ${limit} bytes of UTF-8 after normalisation (NFKC): longer ids cannot be stored`,
    );
}

/** A `user_id`: its longest key is its real-time counters' (`RT#USER#`). */
export const UserIdParam = requestId(ONLINE_KEYS.userCounters);

/** A `product_id` (`ITEM#`). */
export const ProductIdParam = requestId(ONLINE_KEYS.item);

/** A `session_id` on its own (`RT#SESSION#<user>#`: with the user id, see `sessionKeyFits`). */
export const SessionIdParam = requestId((id) => ONLINE_KEYS.sessionCounters('', id));

/** The most UTF-8 bytes `user_id` and `session_id` may have together (`RT#SESSION#<user>#<session>`). */
export const SESSION_IDS_MAX_BYTES = maxIdBytes((id) => ONLINE_KEYS.sessionCounters(id, ''));

/**
 * Whether a user id and a session id that each fit alone are too long together for their
 * session counters key (ids that do not fit alone are refused under their own names).
 */
export function sessionKeyTooLong(userId: unknown, sessionId: unknown): boolean {
  if (typeof userId !== 'string' || typeof sessionId !== 'string') return false;
  const user = normalizeText(userId.trim());
  const session = normalizeText(sessionId.trim());
  const eachFits =
    fitsPartitionKey(ONLINE_KEYS.userCounters(user)) &&
    fitsPartitionKey(ONLINE_KEYS.sessionCounters('', session));
  return eachFits && !fitsPartitionKey(ONLINE_KEYS.sessionCounters(user, session));
}
