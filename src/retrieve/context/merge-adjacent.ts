import type { ScoredChunk } from '../../core/search-types.js';

export type ContextChunk = ScoredChunk & { rerankScore?: number };

/** One or more adjacent chunks of one document, joined into a single source. */
export interface MergedSource {
  chunks: ContextChunk[];
  text: string;
  /** Best score of its chunks (rerank score when reranked). */
  score: number;
}

/** The score that orders sources: the reranker's when it ran, else the fused retrieval score. */
export function rankScore(chunk: ContextChunk): number {
  return chunk.rerankScore ?? chunk.score;
}

/**
 * Most chunks joined into one source: a long run becomes several sources, so a citation still points
 * to a passage a reader can check, and one document cannot fill the context as a single source.
 */
export const MAX_MERGED_CHUNKS = 4;

/**
 * Joins chunks of one document with consecutive ordinals (n, n+1, …) into one source, removing the
 * text the chunker repeated at the seam (its token overlap). Chunks without an ordinal stay alone.
 * Output order: by best score, descending.
 */
export function mergeAdjacent(chunks: readonly ContextChunk[], maxMerged = MAX_MERGED_CHUNKS): MergedSource[] {
  const byDocument = new Map<number, ContextChunk[]>();
  const sources: MergedSource[] = [];
  for (const chunk of chunks) {
    if (chunk.ordinal === undefined) {
      sources.push({ chunks: [chunk], text: chunk.text, score: rankScore(chunk) });
      continue;
    }
    const group = byDocument.get(chunk.documentId) ?? [];
    if (!group.some((other) => other.chunkId === chunk.chunkId)) group.push(chunk);
    byDocument.set(chunk.documentId, group);
  }
  for (const group of byDocument.values()) {
    group.sort((a, b) => (a.ordinal as number) - (b.ordinal as number));
    let run: ContextChunk[] = [];
    const flush = () => {
      if (run.length === 0) return;
      let text = run[0]?.text ?? '';
      for (const next of run.slice(1)) text = joinWithoutOverlap(text, next.text);
      sources.push({ chunks: run, text, score: Math.max(...run.map(rankScore)) });
      run = [];
    };
    for (const chunk of group) {
      const last = run[run.length - 1];
      if (last !== undefined && (chunk.ordinal !== (last.ordinal as number) + 1 || run.length >= maxMerged)) flush();
      run.push(chunk);
    }
    flush();
  }
  return sources.sort((a, b) => b.score - a.score);
}

/**
 * `left` followed by `right` without the longest run of words that ends `left` and starts `right`
 * (compared as words, so a re-wrapped line still matches). Overlaps shorter than 3 words are kept:
 * two words in common at a seam are as likely a coincidence as a repeat.
 */
export function joinWithoutOverlap(left: string, right: string): string {
  const leftWords = left.split(/\s+/).filter(Boolean);
  const rightWords = [...right.matchAll(/\S+/g)];
  const longest = Math.min(leftWords.length, rightWords.length);
  for (let size = longest; size >= 3; size--) {
    let equal = true;
    for (let index = 0; index < size && equal; index++) {
      equal = leftWords[leftWords.length - size + index] === rightWords[index]?.[0];
    }
    if (!equal) continue;
    const cut = rightWords[size - 1];
    // What follows the overlap keeps its own leading whitespace (a space or a line break).
    const rest = cut === undefined ? right : right.slice((cut.index ?? 0) + cut[0].length);
    return rest.trim().length === 0 ? left : `${left.trimEnd()}${rest.trimEnd()}`;
  }
  return `${left.trimEnd()}\n${right.trim()}`;
}
