import { CairnError } from '../core/cairn-error.js';
import type { RankedItem } from '../retrieve/fuse/fusion-types.js';

/**
 * TREC run files (the format trec_eval and pytrec_eval read): one line per retrieved document,
 * `query-id Q0 doc-id rank score tag`, whitespace-separated. Used to hand per-arm rankings to the
 * fusion study. Each query's items come back sorted by score descending (trec_eval's order, ties by
 * the rank column), whatever order the lines had.
 */
export type RankedRun = Map<string, RankedItem<string>[]>;

export function parseTrecRun(content: string, source = 'run'): RankedRun {
  const rows = new Map<string, { id: string; score: number; rank: number }[]>();
  const lines = content.split(/\r?\n/);
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const columns = line.trim().split(/\s+/);
    const [queryId, , docId, rankText, scoreText] = columns;
    const rank = Number(rankText);
    const score = Number(scoreText);
    if (columns.length < 5 || !queryId || !docId || !Number.isFinite(rank) || !Number.isFinite(score)) {
      throw new CairnError('INPUT_INVALID', `${source} line ${index + 1} is not a TREC run line.`, {
        hint: 'Each line must read `query-id Q0 doc-id rank score tag`.',
      });
    }
    let list = rows.get(queryId);
    if (list === undefined) {
      list = [];
      rows.set(queryId, list);
    }
    list.push({ id: docId, score, rank });
  });
  const run: RankedRun = new Map();
  for (const [queryId, list] of rows) {
    list.sort((a, b) => b.score - a.score || a.rank - b.rank);
    run.set(queryId, list.map(({ id, score }) => ({ id, score })));
  }
  return run;
}

export function formatTrecRun(run: ReadonlyMap<string, readonly RankedItem<string>[]>, tag: string): string {
  const lines: string[] = [];
  for (const [queryId, items] of run) {
    items.forEach((item, index) => lines.push(`${queryId} Q0 ${item.id} ${index + 1} ${item.score} ${tag}`));
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
