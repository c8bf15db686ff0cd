/** Interaction lines: the valid JSON pieces, the id counters, and the line template. */

/** Interaction types, as indexes into TYPE_JSON. */
export const EVENT_TYPE = { view: 0, addToCart: 1, purchase: 2 } as const;

/** JSON of each interaction type, by EVENT_TYPE index. */
export const TYPE_JSON = ['"view"', '"add_to_cart"', '"purchase"'] as const;

/** The device_type field of a session: mobile, desktop, tablet. */
export const DEVICE_PART = [
  ',"device_type":"mobile"',
  ',"device_type":"desktop"',
  ',"device_type":"tablet"',
] as const;

/** The page_context field, by page. */
export const PAGE_PART = {
  home: ',"page_context":"home"',
  search: ',"page_context":"search"',
  product: ',"page_context":"product_page"',
  cart: ',"page_context":"cart"',
  rec: ',"page_context":"recommendation"',
} as const;

/** The run's interaction and session id counters (ids are unique across the lake). */
export interface EventIds {
  readonly event: () => string;
  readonly session: () => string;
}

/** Fresh counters: `e_00000000`, `s_0000000`, … in base 36. */
export function createEventIds(): EventIds {
  let eventSeq = 0;
  let sessionSeq = 0;
  return {
    event: () => `e_${(eventSeq++).toString(36).padStart(8, '0')}`,
    session: () => `s_${(sessionSeq++).toString(36).padStart(7, '0')}`,
  };
}

/** One interaction line; the parts are pre-rendered JSON (a template is faster than JSON.stringify). */
export function eventLine(
  id: string,
  user: string,
  product: string,
  typeJson: string,
  ts: string,
  session: string,
  rating: string,
  devicePart: string,
  pagePart: string,
  extra: string,
): string {
  return `{"interaction_id":"${id}","user_id":"${user}","product_id":"${product}","interaction_type":${typeJson},"timestamp":"${ts}","session_id":"${session}","rating":${rating}${devicePart}${pagePart}${extra}}`;
}
