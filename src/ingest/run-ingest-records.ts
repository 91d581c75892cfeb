import { createHash } from 'node:crypto';
import type { ParsedDocument } from '../core/parsed-document.js';
import type { Embedder } from '../models/embed/embedder.js';
import type { TokenCounter } from '../models/tokenize/token-counter.js';
import type { ChunkStore } from '../stores/chunk-store.js';
import type { VectorIndex } from '../stores/vector-index.js';
import { chunkDocument } from './chunk/chunk-document.js';
import { embedChunks, type PendingDocument } from './embed/embed-chunks.js';
import { IndexSync, type WrittenDocument } from './index-sync.js';

/** A document that arrives as text, not as a file (benchmark corpora, pasted text). */
export interface TextRecord {
  uri: string;
  relativePath: string;
  title: string;
  text: string;
  metadata?: Record<string, unknown>;
}

export interface IngestRecordsRequest {
  collection: string;
  records: Iterable<TextRecord> | AsyncIterable<TextRecord>;
  chunkSize: number;
  chunkOverlap: number;
  maxTokens: number;
  embedBatchSize: number;
  signal?: AbortSignal;
  onProgress?: (documents: number, chunks: number) => void;
}

/** The ingest flow for text records: chunk → embed → write → index sync (no source walk, no parsing). */
export async function runIngestRecords(
  deps: { chunks: ChunkStore; vectors: VectorIndex; embedder: Embedder | null; tokenizer: TokenCounter },
  request: IngestRecordsRequest,
): Promise<{ documents: number; chunks: number; millis: number; notices: string[] }> {
  const started = performance.now();
  const notices: string[] = [];
  const sync = new IndexSync(deps, request.collection, (text) => notices.push(text));
  let documents = 0;
  let chunkCount = 0;
  let batch: { record: TextRecord; parsed: ParsedDocument; pending: PendingDocument }[] = [];
  let batchChunks = 0;

  const flush = async () => {
    const embedded = await embedChunks(deps.embedder, batch.map((b) => b.pending), request.embedBatchSize, request.signal);
    const written: WrittenDocument[] = [];
    for (const [i, { record, parsed }] of batch.entries()) {
      const document = {
        collection: request.collection,
        uri: record.uri,
        relativePath: record.relativePath,
        sourceRoot: 'records',
        title: parsed.title,
        format: parsed.format,
        contentHash: createHash('sha256').update(record.text).digest('hex'),
        sizeBytes: Buffer.byteLength(record.text),
        modifiedMs: Date.now(),
        tags: [],
        metadata: record.metadata ?? {},
        chunks: embedded.documents[i]!,
      };
      written.push({ document, result: await deps.chunks.writeDocument(document) });
      documents += 1;
      chunkCount += embedded.documents[i]!.length;
    }
    await sync.written(written);
    request.onProgress?.(documents, chunkCount);
    batch = [];
    batchChunks = 0;
  };

  try {
    for await (const record of request.records) {
      request.signal?.throwIfAborted();
      const parsed: ParsedDocument = { title: record.title, format: 'text', blocks: [{ kind: 'text', text: record.text }], metadata: {} };
      const chunks = chunkDocument(parsed, { tokenizer: deps.tokenizer, chunkSize: request.chunkSize, chunkOverlap: request.chunkOverlap, maxTokens: request.maxTokens });
      if (chunks.length === 0) continue;
      batch.push({ record, parsed, pending: { title: record.title, chunks, reusable: new Map() } });
      batchChunks += chunks.length;
      if (batchChunks >= request.embedBatchSize) await flush();
    }
    if (batch.length > 0) await flush();
  } finally {
    await sync.settled();
  }
  await sync.finish();
  return { documents, chunks: chunkCount, millis: performance.now() - started, notices };
}
