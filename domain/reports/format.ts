/** Numbers as the report pages print them: the same text on every locale. */

/** A number in at most 4 significant digits, without trailing zeros (axis and bin labels). */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const abs = Math.abs(x);
  if (abs >= 1e6 || abs < 1e-3) return x.toExponential(2).replace(/\.?0+e/, 'e');
  return String(Number(x.toPrecision(4)));
}

/** An integer count with thousands separators (`12,345`), the same on every locale. */
export function formatCount(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A share (0..1) as a percentage with `digits` decimals (`12.5%`). */
export const percent = (x: number, digits = 1): string => `${(x * 100).toFixed(digits)}%`;
