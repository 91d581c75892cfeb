import type { DocumentHit, ScoredChunk } from '../core/search-types.js';

export interface GroupOptions {
  /** Documents kept at most. */
  k: number;
  /** Passages kept per document at most (at least 1). */
  passages: number;
}

/**
 * Ranked chunks → ranked distinct documents. A document takes the rank and score of its first chunk in
 * `chunks` (the list is best first: by fused score, or by the reranker's order), which is the max chunk
 * score when the list is sorted by score; its passages are its chunks in list order, best first.
 */
export function groupByDocument(chunks: readonly ScoredChunk[], options: GroupOptions): DocumentHit[] {
  const maxPassages = Math.max(1, options.passages);
  const byDocument = new Map<number, DocumentHit>();
  const documents: DocumentHit[] = [];
  for (const chunk of chunks) {
    const known = byDocument.get(chunk.documentId);
    if (known) {
      if (known.passages.length < maxPassages) known.passages.push(chunk);
      continue;
    }
    if (documents.length === options.k) continue;
    const document: DocumentHit = {
      documentId: chunk.documentId,
      collection: chunk.collection,
      sourceUri: chunk.sourceUri,
      relativePath: chunk.relativePath,
      title: chunk.title,
      format: chunk.format,
      ...(chunk.language === undefined ? {} : { language: chunk.language }),
      ...(chunk.gitCommit === undefined ? {} : { gitCommit: chunk.gitCommit }),
      score: chunk.score,
      passages: [chunk],
    };
    byDocument.set(chunk.documentId, document);
    documents.push(document);
  }
  return documents;
}
