/**
 * Fusion study over the chunk candidates dumped by bench/fusion-arms.ts (docs/decisions/0033-adaptive-fusion.md):
 * per split, nDCG@10 / MRR@10 of each arm, of fixed-weight min-max fusion and of adaptive fusion (lexical
 * weight 1 - (1 - m) * agreement) for several m, with documents ranked by their best chunk as
 * `cairn eval beir` ranks them, and a paired randomisation test of adaptive (m 0.6) against fixed 0.8 and
 * against lexical.
 *
 *   node --import tsx bench/fusion-guard-study.ts <arms.json> <qrels-dir> [--depth 100]
 *
 * `--depth` keeps each arm's first n candidates (300 as `cairn eval` fetches; 100 as search does by default).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readQrels } from '../src/eval/beir-dataset.js';
import { evaluateRun, type RunEvaluation } from '../src/eval/evaluate-run.js';
import { fuseArms } from '../src/retrieve/fuse/fuse-arms.js';
import type { HybridFusion, RankedItem } from '../src/retrieve/fuse/fusion-types.js';
import { pairedTest } from '../src/eval/paired-significance.js';

const [armsPath, qrelsDir] = process.argv.slice(2);
if (!armsPath || !qrelsDir) {
  process.stderr.write('usage: fusion-guard-study.ts <arms.json> <qrels-dir> [--depth n]\n');
  process.exit(2);
}
const depthIndex = process.argv.indexOf('--depth');
const depth = depthIndex < 0 ? Number.POSITIVE_INFINITY : Number(process.argv[depthIndex + 1]);
interface Arms {
  chunkDocs: Record<string, string>;
  queries: Record<string, { split: string; lexical: [number, number][]; dense: [number, number][] }>;
}
const arms = JSON.parse(readFileSync(armsPath, 'utf8')) as Arms;
const toItems = (pairs: [number, number][]): RankedItem<number>[] => pairs.slice(0, depth).map(([id, score]) => ({ id, score }));

/** Chunk ids → document ids by best chunk, at most 100 (as evaluate-beir.ts ranks them). */
function documents(chunks: readonly { chunkId: number }[]): string[] {
  const seen = new Set<string>();
  for (const { chunkId } of chunks) {
    seen.add(arms.chunkDocs[chunkId] as string);
    if (seen.size === 100) break;
  }
  return [...seen];
}

type Ranker = (lexical: RankedItem<number>[], dense: RankedItem<number>[]) => { chunkId: number }[];
const single = (items: RankedItem<number>[]) => items.map((item) => ({ chunkId: item.id }));
const rankers: [string, Ranker][] = [
  ['lexical', (lexical) => single(lexical)],
  ['dense', (_, dense) => single(dense)],
];
for (const w of [0.6, 0.7, 0.8, 0.9]) {
  const fusion: HybridFusion = { kind: 'fixed', lexicalWeight: w };
  rankers.push([`fixed ${w}`, (lexical, dense) => fuseArms(lexical, dense, fusion).chunks]);
}
for (const m of [0.5, 0.6, 0.7]) {
  const fusion: HybridFusion = { kind: 'adaptive', minLexicalWeight: m };
  rankers.push([`adaptive ${m}`, (lexical, dense) => fuseArms(lexical, dense, fusion).chunks]);
}

/** Two-sided paired randomisation test on per-query nDCG@10, as `cairn eval compare` runs it. */
function pairedP(a: RunEvaluation, b: RunEvaluation): number {
  return pairedTest(b.perQuery.map((query) => query.ndcg), a.perQuery.map((query) => query.ndcg)).randomisationP;
}

for (const split of new Set(Object.values(arms.queries).map((query) => query.split))) {
  const qrelsPath = join(qrelsDir, `${split}.tsv`);
  if (!existsSync(qrelsPath)) continue;
  const qrels = await readQrels(qrelsPath);
  const queries = Object.entries(arms.queries).filter(([, query]) => query.split === split);
  const results = new Map<string, RunEvaluation>();
  for (const [name, rank] of rankers) {
    const run = new Map(queries.map(([id, query]) => [id, documents(rank(toItems(query.lexical), toItems(query.dense)))]));
    results.set(name, evaluateRun(run, qrels));
  }
  process.stdout.write(`${split} (${queries.length} queries, depth ${depth})\n`);
  for (const [name, result] of results) process.stdout.write(`  ${name.padEnd(13)} nDCG@10 ${result.ndcg.toFixed(4)}  MRR@10 ${result.mrr.toFixed(4)}\n`);
  const adaptive = results.get('adaptive 0.6') as RunEvaluation;
  process.stdout.write(
    `  p(adaptive 0.6 vs fixed 0.8) ${pairedP(adaptive, results.get('fixed 0.8') as RunEvaluation).toFixed(3)}` +
      `  p(adaptive 0.6 vs lexical) ${pairedP(adaptive, results.get('lexical') as RunEvaluation).toFixed(3)}\n`,
  );
}
