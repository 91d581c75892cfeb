/** Pure scale and tick helpers for the SVG charts (no chart library). */

export type Scale = (value: number) => number;

/** Maps [d0, d1] linearly onto [r0, r1]; a zero-width domain maps to the middle of the range. */
export function linearScale(domain: readonly [number, number], range: readonly [number, number]): Scale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  if (d1 === d0) return () => (r0 + r1) / 2;
  const factor = (r1 - r0) / (d1 - d0);
  return (value) => r0 + (value - d0) * factor;
}

/** Maps by log2 (for concurrency 1, 2, 4, …); values must be > 0. */
export function log2Scale(domain: readonly [number, number], range: readonly [number, number]): Scale {
  const inner = linearScale([Math.log2(domain[0]), Math.log2(domain[1])], range);
  return (value) => inner(Math.log2(value));
}

/** The "nice" step (1, 2 or 5 × 10^k) that cuts `span` into about `count` intervals. */
export function niceStep(span: number, count: number): number {
  if (!(span > 0) || count < 1) return 1;
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  return nice * power;
}

/**
 * Ticks at multiples of a nice step covering [min, max] (the first ≤ min, the last ≥ max), so the
 * axis ends on a labelled value. Rounded to the step's decimals to avoid 0.30000000000000004.
 */
export function linearTicks(min: number, max: number, count = 5): number[] {
  if (min === max) return [min];
  const step = niceStep(max - min, count);
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  const first = Math.floor(min / step + 1e-9);
  const last = Math.ceil(max / step - 1e-9);
  const ticks: number[] = [];
  for (let index = first; index <= last; index++) ticks.push(Number((index * step).toFixed(decimals)));
  return ticks;
}

/** Powers of two from the largest ≤ min to the smallest ≥ max (min must be > 0). */
export function log2Ticks(min: number, max: number): number[] {
  const low = Math.floor(Math.log2(min));
  const high = Math.ceil(Math.log2(max));
  const ticks: number[] = [];
  for (let exponent = low; exponent <= high; exponent++) ticks.push(2 ** exponent);
  return ticks;
}

/**
 * The y domain of a series: its [min, max] widened by `padding` (a fraction of the span) on each side,
 * from 0 when `includeZero` (latency, throughput) and the data is non-negative. A flat series gets a
 * span of 1 (or 10 % of its value) so the line sits in the middle.
 */
export function paddedDomain(values: readonly number[], options: { padding?: number; includeZero?: boolean } = {}): [number, number] {
  const finite = values.filter((value) => Number.isFinite(value));
  if (finite.length === 0) return [0, 1];
  const padding = options.padding ?? 0.05;
  let min = Math.min(...finite);
  const max = Math.max(...finite);
  if (options.includeZero && min >= 0) min = 0;
  if (max === min) {
    const half = max === 0 ? 0.5 : Math.abs(max) * 0.1;
    return options.includeZero && min === 0 ? [0, max + 2 * half] : [min - half, max + half];
  }
  const pad = (max - min) * padding;
  return [options.includeZero && min === 0 ? 0 : min - pad, max + pad];
}

/** Short axis labels: 1.2k, 3.4M; fractions get at most two significant decimals. */
export function formatTick(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${trim(value / 1e6)}M`;
  if (abs >= 1e3) return `${trim(value / 1e3)}k`;
  return trim(value);
}

function trim(value: number): string {
  return Number(value.toPrecision(3)).toString();
}
