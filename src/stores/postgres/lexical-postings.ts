import { stemsOf } from '../sqlite/bm25-postings.js';
import type { LexicalWeights } from '../sqlite/sqlite-lexical-index.js';

/** One chunk's lexical row set: column-weighted frequency per stem, and its length in stems (all columns). */
export interface ChunkPostings {
  frequencies: Map<string, number>;
  length: number;
}

/**
 * The postings of one chunk as the SQLite store's FTS5 table would count them: each analyzer term of
 * the title, heading path and body goes through FTS5's `porter unicode61 remove_diacritics 2`
 * tokenizer (stemsOf), a stem's frequency is the sum over columns of weight × occurrences, and the
 * length counts every stem of every column. So BM25 over these rows equals FTS5's bm25() there.
 * `stemCache` maps analyzer terms to their single stem across calls (most terms repeat).
 */
export function chunkPostings(columns: readonly [string, string, string], weights: LexicalWeights, stemCache: Map<string, string>): ChunkPostings {
  const frequencies = new Map<string, number>();
  const columnWeights = [weights.title, weights.heading, weights.body];
  let length = 0;
  for (let column = 0; column < 3; column++) {
    const text = columns[column] as string;
    if (text === '') continue;
    const weight = columnWeights[column] as number;
    for (const term of text.split(' ')) {
      if (term === '') continue;
      const cached = stemCache.get(term);
      if (cached !== undefined) {
        frequencies.set(cached, (frequencies.get(cached) ?? 0) + weight);
        length++;
        continue;
      }
      const stems: string[] = [];
      stemsOf(term, stems);
      if (stems.length === 1 && stemCache.size < 200_000) stemCache.set(term, stems[0] as string);
      for (const stem of stems) {
        frequencies.set(stem, (frequencies.get(stem) ?? 0) + weight);
        length++;
      }
    }
  }
  return { frequencies, length };
}

/** The stems of query terms, each with how many distinct query terms map to it (FTS5 scores each quoted term as a phrase of its own). */
export function queryStems(terms: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const term of terms) {
    const stems: string[] = [];
    stemsOf(term, stems);
    for (const stem of new Set(stems)) out.set(stem, (out.get(stem) ?? 0) + 1);
  }
  return out;
}
