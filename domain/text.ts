/** Text helpers shared by validation, cleaning and features. */

const WHITESPACE_RUN = /\s+/g;

/**
 * Whether a string is already NFKC-normal, trimmed and single-spaced because it is printable
 * ASCII words split by single spaces (`/^[\x21-\x7e]+(?: [\x21-\x7e]+)*$/`, as a loop: it runs
 * on every id of every record).
 */
function isCleanAscii(value: string): boolean {
  // Starting "after a space" rejects a leading space; ending after one rejects a trailing one.
  let afterSpace = true;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x20) {
      if (afterSpace) return false;
      afterSpace = true;
    } else if (c < 0x21 || c > 0x7e) return false;
    else afterSpace = false;
  }
  return !afterSpace;
}

/**
 * Cleaning's text rule (data-contract.md §4.1): NFKC, trim, collapse whitespace runs to one space.
 * Most values are plain ASCII, so they skip the (slow) Unicode normalisation.
 */
export function normalizeText(value: string): string {
  if (isCleanAscii(value)) return value;
  return value.normalize('NFKC').trim().replace(WHITESPACE_RUN, ' ');
}

/** `normalizeText` then lowercase: the rule for key fields (types, device, page, category, brand). */
export function normalizeKey(value: string): string {
  return normalizeText(value).toLowerCase();
}

/**
 * Whether a string is empty after `String.prototype.trim` (the contract's "blank"). Most values start
 * with printable ASCII, which trim never removes, so they need no trimmed copy.
 */
export function isBlank(value: string): boolean {
  const first = value.charCodeAt(0);
  return !(first > 0x20 && first < 0x7f) && value.trim() === '';
}

/** A nullable string after "empty after trimming counts as null". */
export function blankToNull(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return isBlank(value) ? null : value;
}

/** Maps a UTF-16 code unit so that plain `<` on the result orders by code point. */
function codePointRank(unit: number): number {
  if (unit >= 0xe000) return unit - 0x800;
  if (unit >= 0xd800) return unit + 0x2000;
  return unit;
}

/**
 * Code-point (= UTF-8 byte) order, the only ordering the contract uses for keys and tie-breaks.
 * JavaScript's `<` compares UTF-16 code units, which misorders astral characters against U+E000-U+FFFF.
 */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}
