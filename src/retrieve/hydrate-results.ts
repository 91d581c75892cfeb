import type { ScoredChunk } from '../core/search-types.js';
import type { ChunkStore, ChunkView } from '../stores/chunk-store.js';
import type { FusedChunk } from './fuse/fuse-arms.js';
import { makeSnippet } from './snippet.js';

/**
 * Turns fused ids into results: one `getChunks` call, fused order kept, a snippet per result (with
 * `snippets` false, an empty one: the caller fills in those it shows with addSnippets).
 * A chunk deleted between search and hydration is left out (the store skips missing ids).
 */
export async function hydrateResults(chunks: ChunkStore, fused: readonly FusedChunk[], terms: readonly string[], snippets = true): Promise<ScoredChunk[]> {
  if (fused.length === 0) return [];
  const views = new Map<number, ChunkView>();
  for (const view of await chunks.getChunks(fused.map((item) => item.chunkId))) views.set(view.id, view);
  const results: ScoredChunk[] = [];
  for (const item of fused) {
    const view = views.get(item.chunkId);
    if (view === undefined) continue;
    const snippet = snippets ? makeSnippet(view.text, terms) : { text: '', highlights: [] };
    const result: ScoredChunk = {
      chunkId: view.id,
      documentId: view.documentId,
      collection: view.collection,
      sourceUri: view.sourceUri,
      relativePath: view.relativePath,
      title: view.title,
      format: view.format,
      text: view.text,
      headingPath: view.headingPath,
      ordinal: view.ordinal,
      score: item.score,
      scores: {},
      snippet: snippet.text,
      highlights: snippet.highlights,
    };
    if (item.lexical) result.scores.lexical = item.lexical;
    if (item.dense) result.scores.dense = item.dense;
    if (view.anchor !== undefined) result.anchor = view.anchor;
    if (view.language !== undefined) result.language = view.language;
    if (view.pageStart !== undefined) result.pageStart = view.pageStart;
    if (view.pageEnd !== undefined) result.pageEnd = view.pageEnd;
    if (view.lineStart !== undefined) result.lineStart = view.lineStart;
    if (view.lineEnd !== undefined) result.lineEnd = view.lineEnd;
    if (view.gitCommit !== undefined) result.gitCommit = view.gitCommit;
    results.push(result);
  }
  return results;
}

/** Sets each result's snippet and highlights for the query terms (results hydrated without them). */
export function addSnippets(results: Iterable<ScoredChunk>, terms: readonly string[]): void {
  for (const result of results) {
    const snippet = makeSnippet(result.text, terms);
    result.snippet = snippet.text;
    result.highlights = snippet.highlights;
  }
}
