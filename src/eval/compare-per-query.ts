import { CairnError } from '../core/cairn-error.js';
import { pairedTest, type PairedTest } from './paired-significance.js';
import { PER_QUERY_METRICS, type PerQueryFile, type PerQueryMetric } from './per-query-file.js';

export interface PerQueryComparison {
  a: string;
  b: string;
  /** Queries present in both files (the pairs compared). */
  queries: number;
  /** Queries present in one file only; they are left out of the comparison. */
  onlyInA: number;
  onlyInB: number;
  /** Per metric: means, b − a, randomisation and t-test p. */
  metrics: Record<PerQueryMetric, PairedTest>;
  /** Per metric: queries where b beat a, tied, lost. */
  wins: Record<PerQueryMetric, { better: number; same: number; worse: number }>;
}

/**
 * Paired comparison of two evaluations of the same queries (b against a). Queries are paired by id;
 * the randomisation test uses a fixed seed so that the same files always print the same p.
 */
export function comparePerQuery(a: PerQueryFile, b: PerQueryFile, options: { permutations?: number; seed?: number } = {}): PerQueryComparison {
  const byIdB = new Map(b.queries.map((q) => [q.query_id, q]));
  const pairs = a.queries.flatMap((q) => {
    const other = byIdB.get(q.query_id);
    return other ? [[q, other] as const] : [];
  });
  if (pairs.length === 0) {
    throw new CairnError('INPUT_INVALID', `The two per-query files share no query id (${a.label} vs ${b.label}).`, {
      hint: 'Compare two evaluations of the same dataset and split.',
    });
  }
  const metrics = {} as PerQueryComparison['metrics'];
  const wins = {} as PerQueryComparison['wins'];
  for (const metric of PER_QUERY_METRICS) {
    const left = pairs.map(([x]) => x[metric]);
    const right = pairs.map(([, y]) => y[metric]);
    metrics[metric] = pairedTest(left, right, options);
    const count = { better: 0, same: 0, worse: 0 };
    left.forEach((value, i) => {
      const delta = (right[i] as number) - value;
      if (Math.abs(delta) < 1e-12) count.same++;
      else if (delta > 0) count.better++;
      else count.worse++;
    });
    wins[metric] = count;
  }
  const idsA = new Set(a.queries.map((q) => q.query_id));
  return {
    a: a.label,
    b: b.label,
    queries: pairs.length,
    onlyInA: a.queries.length - pairs.length,
    onlyInB: b.queries.filter((q) => !idsA.has(q.query_id)).length,
    metrics,
    wins,
  };
}
