import type { Chunk, EmbeddedChunk } from '../../core/chunk.js';
import type { Embedder } from '../../models/embed/embedder.js';
import { embeddingInput } from '../chunk/chunk-document.js';

/** A document's chunks waiting for vectors; `reusable` maps content hash → stored vector of the previous version. */
export interface PendingDocument {
  title: string;
  chunks: Chunk[];
  reusable: Map<string, Float32Array>;
  /** Vectors already computed for `chunks` (one per chunk, by the prepare worker) with the tokens they took. */
  precomputed?: { vectors: Float32Array[]; tokens: number };
}

export interface EmbedChunksResult {
  documents: EmbeddedChunk[][];
  embedded: number;
  reused: number;
  tokens: number;
}

/**
 * Gives every chunk of several documents its vector: reused from the previous version when the
 * embedding input's hash is unchanged, otherwise computed in calls of at most `embedder.maxBatchSize`
 * texts (chunks of several documents share a call, which keeps batches full for small files).
 * Vectors a prepare worker already computed are taken as they are (`precomputed`; the tokens then
 * count every chunk of the document, reused ones included). With `embedder === null` (lexical-only)
 * every vector is null.
 */
export async function embedChunks(
  embedder: Embedder | null,
  documents: PendingDocument[],
  batchSize: number,
  signal?: AbortSignal,
): Promise<EmbedChunksResult> {
  const out: EmbeddedChunk[][] = documents.map((doc) => doc.chunks.map((chunk) => ({ ...chunk, vector: null })));
  if (embedder === null) return { documents: out, embedded: 0, reused: 0, tokens: 0 };
  const todo: { doc: number; chunk: number; text: string }[] = [];
  let reused = 0;
  let computed = 0;
  let tokens = 0;
  documents.forEach((doc, d) => {
    const precomputed = doc.precomputed?.vectors.length === doc.chunks.length ? doc.precomputed : undefined;
    if (precomputed) tokens += precomputed.tokens;
    doc.chunks.forEach((chunk, c) => {
      const previous = doc.reusable.get(chunk.contentHash);
      const target = out[d]![c]!;
      const ready = precomputed?.vectors[c];
      if (previous && previous.length === embedder.dimensions) {
        target.vector = previous;
        reused += 1;
      } else if (ready && ready.length === embedder.dimensions) {
        target.vector = ready;
        computed += 1;
      } else {
        todo.push({ doc: d, chunk: c, text: embeddingInput(doc.title, chunk) });
      }
    });
  });
  const size = Math.max(1, Math.min(batchSize, embedder.maxBatchSize));
  for (let start = 0; start < todo.length; start += size) {
    signal?.throwIfAborted();
    const slice = todo.slice(start, start + size);
    const result = await embedder.embed({ texts: slice.map((item) => item.text), signal });
    tokens += result.tokens ?? 0;
    slice.forEach((item, i) => {
      out[item.doc]![item.chunk]!.vector = result.vectors[i] ?? null;
    });
  }
  return { documents: out, embedded: todo.length + computed, reused, tokens };
}
