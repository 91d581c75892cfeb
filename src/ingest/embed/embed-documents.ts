import type { Embedder } from '../../models/embed/embedder.js';
import type { ChunkStore } from '../../stores/chunk-store.js';
import type { PreparedDocument } from '../prepare-document.js';
import { embedChunks, type EmbedChunksResult } from './embed-chunks.js';

type Ready = Extract<PreparedDocument, { kind: 'ready' }>;

/**
 * The embed stage for a batch of prepared documents: the stored vectors of an updated document's
 * unchanged chunks are reused, vectors a prepare worker computed are taken as they are, the rest are
 * computed (see embedChunks).
 */
export async function embedDocuments(
  deps: { chunks: Pick<ChunkStore, 'getDocumentVectors'>; embedder: Embedder | null },
  collection: string,
  docs: Ready[],
  batchSize: number,
  signal: AbortSignal | undefined,
): Promise<EmbedChunksResult> {
  const reusable = await Promise.all(
    docs.map((doc) => (doc.isNew || deps.embedder === null ? new Map<string, Float32Array>() : deps.chunks.getDocumentVectors(collection, doc.item.uri))),
  );
  return embedChunks(
    deps.embedder,
    docs.map((doc, i) => ({
      title: doc.parsed.title,
      chunks: doc.chunks,
      reusable: reusable[i]!,
      precomputed: doc.vectors === undefined ? undefined : { vectors: doc.vectors, tokens: doc.tokens ?? 0 },
    })),
    batchSize,
    signal,
  );
}
