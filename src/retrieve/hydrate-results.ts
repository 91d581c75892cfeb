import type { ScoredChunk } from '../core/search-types.js';
import type { ChunkStore, ChunkView } from '../stores/chunk-store.js';
import type { FusedChunk } from './fuse/fuse-arms.js';
import { makeSnippet } from './snippet.js';

/**
 * Turns fused ids into results: one `getChunks` call, fused order kept, a snippet per result.
 * A chunk deleted between search and hydration is left out (the store skips missing ids).
 */
export async function hydrateResults(chunks: ChunkStore, fused: readonly FusedChunk[], terms: readonly string[]): Promise<ScoredChunk[]> {
  if (fused.length === 0) return [];
  const views = new Map<number, ChunkView>();
  for (const view of await chunks.getChunks(fused.map((item) => item.chunkId))) views.set(view.id, view);
  const results: ScoredChunk[] = [];
  for (const item of fused) {
    const view = views.get(item.chunkId);
    if (view === undefined) continue;
    results.push({
      chunkId: view.id,
      documentId: view.documentId,
      collection: view.collection,
      sourceUri: view.sourceUri,
      relativePath: view.relativePath,
      title: view.title,
      format: view.format,
      ...(view.language !== undefined ? { language: view.language } : {}),
      text: view.text,
      headingPath: view.headingPath,
      ...(view.pageStart !== undefined ? { pageStart: view.pageStart } : {}),
      ...(view.pageEnd !== undefined ? { pageEnd: view.pageEnd } : {}),
      ...(view.lineStart !== undefined ? { lineStart: view.lineStart } : {}),
      ...(view.lineEnd !== undefined ? { lineEnd: view.lineEnd } : {}),
      score: item.score,
      scores: { ...(item.lexical ? { lexical: item.lexical } : {}), ...(item.dense ? { dense: item.dense } : {}) },
      snippet: makeSnippet(view.text, terms),
      ...(view.gitCommit !== undefined ? { gitCommit: view.gitCommit } : {}),
    });
  }
  return results;
}
