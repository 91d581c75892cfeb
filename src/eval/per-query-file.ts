import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, extname } from 'node:path';
import { z } from 'zod';
import { CairnError } from '../core/cairn-error.js';
import type { RankedItem } from '../retrieve/fuse/fusion-types.js';
import type { QueryScores } from './evaluate-run.js';
import { formatTrecRun } from './trec-run.js';

export const PER_QUERY_FORMAT = 'cairn-per-query/1';
export const PER_QUERY_METRICS = ['ndcg_at_10', 'recall_at_100', 'mrr_at_10'] as const;
export type PerQueryMetric = (typeof PER_QUERY_METRICS)[number];

const perQueryFileSchema = z.object({
  format: z.literal(PER_QUERY_FORMAT),
  /** What was measured (dataset, split, mode, embedder, reranker…), printed by `cairn eval compare`. */
  label: z.string(),
  run: z.record(z.string(), z.unknown()),
  queries: z.array(
    z.object({ query_id: z.string(), ndcg_at_10: z.number(), recall_at_100: z.number(), mrr_at_10: z.number(), retrieved: z.number().int() }).strict(),
  ),
});

/**
 * One evaluation's per-query metrics, the input of `cairn eval compare`. JSON:
 * `{ format: "cairn-per-query/1", label, run: {…settings}, queries: [{ query_id, ndcg_at_10, recall_at_100, mrr_at_10, retrieved }] }`.
 */
export type PerQueryFile = z.infer<typeof perQueryFileSchema>;

export function perQueryFile(label: string, run: Record<string, unknown>, scores: readonly QueryScores[]): PerQueryFile {
  return {
    format: PER_QUERY_FORMAT,
    label,
    run,
    queries: scores.map((s) => ({ query_id: s.queryId, ndcg_at_10: s.ndcg, recall_at_100: s.recall, mrr_at_10: s.mrr, retrieved: s.retrieved })),
  };
}

/** Where the TREC run of a per-query file goes: the same path with `.trec` for its extension. */
export function trecRunPathFor(perQueryPath: string): string {
  const extension = extname(perQueryPath);
  return `${extension ? perQueryPath.slice(0, -extension.length) : perQueryPath}.trec`;
}

/** Writes the per-query file and, beside it, the ranked documents as a TREC run (trec_eval's input). */
export async function writePerQueryFiles(path: string, file: PerQueryFile, ranking: ReadonlyMap<string, readonly RankedItem<string>[]>, tag: string): Promise<{ perQuery: string; trecRun: string }> {
  const trecRun = trecRunPathFor(path);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(file, null, 1)}\n`);
  await writeFile(trecRun, formatTrecRun(ranking, tag.replace(/\s+/g, '_') || 'cairn'));
  return { perQuery: path, trecRun };
}

export async function readPerQueryFile(path: string): Promise<PerQueryFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new CairnError('INPUT_INVALID', `Cannot read the per-query file ${path}: ${(error as Error).message}.`, {
      cause: error,
      hint: 'Write one with `cairn eval beir <dir> --per-query <file>`.',
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CairnError('INPUT_INVALID', `${path} is not JSON: ${(error as Error).message}.`, { cause: error, hint: 'Give a file written by `cairn eval beir --per-query`.' });
  }
  const parsed = perQueryFileSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CairnError('INPUT_INVALID', `${path} is not a per-query file (${issue?.path.join('.') || 'top level'}: ${issue?.message}).`, {
      hint: 'Give a file written by `cairn eval beir --per-query`.',
    });
  }
  return parsed.data;
}
