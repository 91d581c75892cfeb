/**
 * Where adaptive fusion loses to fixed 0.8 on SciFact (issue 17 §1): per-query nDCG@10 differences by
 * agreement bucket, and label-free variants of the per-query lexical weight, over the arms dumped by
 * bench/fusion-arms.ts. Choices are read on the train split only; test is printed to report.
 *
 *   node --import tsx bench/fusion-loss-study.ts <arms.json> <qrels-dir> [--depth 100]
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readQrels } from '../src/eval/beir-dataset.js';
import { evaluateRun, type RunEvaluation } from '../src/eval/evaluate-run.js';
import { armAgreement } from '../src/retrieve/fuse/arm-agreement.js';
import type { RankedItem } from '../src/retrieve/fuse/fusion-types.js';
import { weightedScoreFusion } from '../src/retrieve/fuse/weighted-score-fusion.js';
import { pairedTest } from '../src/eval/paired-significance.js';

const [armsPath, qrelsDir] = process.argv.slice(2);
const depthIndex = process.argv.indexOf('--depth');
const depth = depthIndex < 0 ? 100 : Number(process.argv[depthIndex + 1]);
interface Arms {
  chunkDocs: Record<string, string>;
  queries: Record<string, { split: string; lexical: [number, number][]; dense: [number, number][] }>;
}
const arms = JSON.parse(readFileSync(armsPath as string, 'utf8')) as Arms;
const docOf = (id: number) => (arms.chunkDocs[id] as string).replace(/\.md$/, '');
const items = (pairs: [number, number][]): RankedItem<number>[] => pairs.slice(0, depth).map(([id, score]) => ({ id, score }));
function documents(ids: number[]): string[] {
  const seen = new Set<string>();
  for (const id of ids) {
    seen.add(docOf(id));
    if (seen.size === 100) break;
  }
  return [...seen];
}
const fuse = (lexical: RankedItem<number>[], dense: RankedItem<number>[], w: number) =>
  weightedScoreFusion([lexical, dense], { weights: [w, 1 - w], normalization: 'min-max' }).map((item) => item.id);

/** Per-query lexical weight rules: the arms → w. */
type Rule = (lexical: RankedItem<number>[], dense: RankedItem<number>[]) => number;
const rules: [string, Rule][] = [['lexical', () => 1]];
for (const w of [0.7, 0.75, 0.8]) rules.push([`fixed ${w}`, () => w]);
for (const m of [0.5, 0.6, 0.7]) rules.push([`adaptive ${m}`, (l, d) => 1 - (1 - m) * armAgreement(l, d)]);
// The agreement read in both directions (dense top 10 in lexical 100, lexical top 10 in dense 100).
for (const m of [0.5, 0.6]) rules.push([`symmetric ${m}`, (l, d) => 1 - (1 - m) * (armAgreement(l, d) + armAgreement(d, l)) / 2]);
// Agreement only raises the dense share above a floor the dense arm always gets (0.2 of fixed 0.8 when a = 0).
for (const [floor, m] of [[0.9, 0.6], [0.85, 0.6], [0.9, 0.5]] as const) {
  rules.push([`floor ${floor} m ${m}`, (l, d) => floor - (floor - m) * armAgreement(l, d)]);
}

/** Two-sided paired randomisation test on per-query nDCG@10, as `cairn eval compare` runs it. */
function pairedP(a: RunEvaluation, b: RunEvaluation): number {
  return pairedTest(b.perQuery.map((query) => query.ndcg), a.perQuery.map((query) => query.ndcg)).randomisationP;
}

for (const split of ['train', 'test']) {
  const qrelsPath = join(qrelsDir as string, `${split}.tsv`);
  if (!existsSync(qrelsPath)) continue;
  const qrels = await readQrels(qrelsPath);
  const queries = Object.entries(arms.queries).filter(([, query]) => query.split === split);
  const results = new Map<string, RunEvaluation>();
  for (const [name, rule] of rules) {
    const run = new Map(
      queries.map(([id, query]) => {
        const lexical = items(query.lexical);
        const dense = items(query.dense);
        return [id, documents(fuse(lexical, dense, rule(lexical, dense)))];
      }),
    );
    results.set(name, evaluateRun(run, qrels));
  }
  const fixed = results.get('fixed 0.8') as RunEvaluation;
  process.stdout.write(`${split} (${queries.length} queries, depth ${depth})\n`);
  for (const [name, result] of results) {
    process.stdout.write(`  ${name.padEnd(20)} nDCG@10 ${result.ndcg.toFixed(4)}  MRR@10 ${result.mrr.toFixed(4)}  p(vs fixed 0.8) ${pairedP(result, fixed).toFixed(3)}\n`);
  }
  // Where adaptive 0.6 differs from fixed 0.8: by agreement bucket.
  const adaptive = results.get('adaptive 0.6') as RunEvaluation;
  const buckets = new Map<string, { n: number; sum: number; better: number; worse: number }>();
  const byId = (result: RunEvaluation) => new Map(result.perQuery.map((scores) => [scores.queryId, scores.ndcg]));
  const adaptiveById = byId(adaptive);
  const fixedById = byId(fixed);
  queries.forEach(([id, query]) => {
    if (!adaptiveById.has(id)) return;
    const a = armAgreement(items(query.lexical), items(query.dense));
    const key = a <= 0.3 ? 'a ≤ 0.3 (w ≥ 0.88)' : a <= 0.6 ? '0.3 < a ≤ 0.6' : 'a > 0.6 (w < 0.76)';
    const difference = (adaptiveById.get(id) ?? 0) - (fixedById.get(id) ?? 0);
    const bucket = buckets.get(key) ?? { n: 0, sum: 0, better: 0, worse: 0 };
    bucket.n++;
    bucket.sum += difference;
    if (difference > 1e-9) bucket.better++;
    if (difference < -1e-9) bucket.worse++;
    buckets.set(key, bucket);
  });
  for (const [key, bucket] of [...buckets].sort()) {
    process.stdout.write(`  adaptive 0.6 − fixed 0.8, ${key.padEnd(20)} ${String(bucket.n).padStart(4)} queries, sum ΔnDCG@10 ${bucket.sum.toFixed(3)} (mean ${(bucket.sum / bucket.n).toFixed(4)}), better ${bucket.better}, worse ${bucket.worse}\n`);
  }
}
