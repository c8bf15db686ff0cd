/** Number formatting shared by the generator's ids, prices and timestamps. */

/** `n` in decimal, left-padded with zeros to `width` digits. */
export function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** `x` rounded to two decimals (cents, ratings, weights). */
export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
