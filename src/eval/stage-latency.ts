/** Search stages whose latency an evaluation reports; `total` is the whole query (the arms run concurrently; `hydrate` reads the chunks' text and makes snippets). */
export const LATENCY_STAGES = ['lexical', 'dense', 'fuse', 'hydrate', 'rerank', 'total'] as const;
export type LatencyStage = (typeof LATENCY_STAGES)[number];

export interface LatencyPercentiles {
  /** Queries the stage ran for. */
  count: number;
  p50: number;
  p95: number;
  p99: number;
}

/**
 * Collects per-query stage times (milliseconds) and summarises them as nearest-rank percentiles; a
 * stage that never ran is left out of the summary.
 */
export class StageLatency {
  readonly #samples = new Map<LatencyStage, number[]>();

  add(stage: LatencyStage, millis: number | undefined): void {
    if (millis === undefined || !Number.isFinite(millis)) return;
    let list = this.#samples.get(stage);
    if (list === undefined) {
      list = [];
      this.#samples.set(stage, list);
    }
    list.push(millis);
  }

  summary(): Partial<Record<LatencyStage, LatencyPercentiles>> {
    const out: Partial<Record<LatencyStage, LatencyPercentiles>> = {};
    for (const stage of LATENCY_STAGES) {
      const list = this.#samples.get(stage);
      if (!list || list.length === 0) continue;
      const sorted = [...list].sort((a, b) => a - b);
      out[stage] = { count: sorted.length, p50: round(nearestRank(sorted, 50)), p95: round(nearestRank(sorted, 95)), p99: round(nearestRank(sorted, 99)) };
    }
    return out;
  }
}

/** Nearest-rank percentile of ascending samples. */
export function nearestRank(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1] as number;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
