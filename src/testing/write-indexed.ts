import { writtenVectors } from '../ingest/index-sync.js';
import type { ChunkStore, DocumentWrite, WriteResult } from '../stores/chunk-store.js';
import type { VectorIndex } from '../stores/vector-index.js';

/** Writes a document and pushes what the write did to the vector index, as every writer does (see ingest/index-sync.ts). */
export async function writeIndexed(chunks: ChunkStore, vectors: VectorIndex, document: DocumentWrite): Promise<WriteResult> {
  const result = await chunks.writeDocument(document);
  await vectors.remove(document.collection, result.removedChunkIds);
  await vectors.upsert(document.collection, writtenVectors({ document, result }));
  await vectors.flush(document.collection);
  return result;
}
