import { createHash } from 'node:crypto';
import { CairnError } from '../core/cairn-error.js';
import { IndexSync } from '../ingest/index-sync.js';
import { embedChunks } from '../ingest/embed/embed-chunks.js';
import type { ChromaClient } from '../stores/chroma/chroma-client.js';
import type { DocumentWrite } from '../stores/chunk-store.js';
import type { CairnApp } from './cairn-app.js';
import { resolveCollection } from './resolve-collection.js';

export interface ImportChromaInput {
  client: ChromaClient;
  /** The Chroma collection to read. */
  source: string;
  /** The Cairn collection to write (created on first use). */
  into: string;
  /** The model that made the Chroma embeddings; they are kept when it is the collection's and dimensions match. */
  embedder?: string;
  /** Records per page read from Chroma. */
  pageSize?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  onNotice?: (text: string) => void;
}

export interface ImportChromaSummary {
  source: string;
  collection: string;
  /** Records in the Chroma collection when the import started. */
  total: number;
  imported: number;
  /** Already imported with the same content by an earlier run (the import is resumable). */
  unchanged: number;
  /** Records without a document text (nothing to search). */
  skipped: number;
  /** Whether the Chroma embeddings were kept, or the texts re-embedded with the collection's embedder. */
  vectors: 'kept' | 're-embedded' | 'none';
  /** Documents of the Cairn collection that came from this Chroma collection, after the import. */
  documents: number;
  millis: number;
}

/** Metadata keys that usually name a record's source (LangChain, LlamaIndex, hand-written loaders). */
const SOURCE_KEYS = ['source', 'path', 'file_path', 'filename', 'url'];
const TITLE_KEYS = ['title', 'heading'];

/**
 * Use case: brings a Chroma collection (ids, documents, metadatas, embeddings) into a Cairn collection
 * (`cairn import chroma`). Each Chroma record becomes one document of one chunk (`chroma://<collection>/<id>`),
 * searchable lexically at once. Its embedding is kept when `embedder` names the model that made it, it
 * is the collection's embedder and the dimensions match; else the text is re-embedded (with a notice).
 * Resumable: a record already imported with the same text and metadata is skipped. Ends with a count check.
 */
export async function importChroma(app: CairnApp, input: ImportChromaInput): Promise<ImportChromaSummary> {
  const started = performance.now();
  const notice = input.onNotice ?? (() => undefined);
  const found = await input.client.getCollection(input.source);
  if (found === undefined) {
    throw new CairnError('VECTOR_STORE_FAILED', `The Chroma collection "${input.source}" does not exist at ${input.client.url}.`, {
      hint: 'Check --collection (the Chroma collection name) and --url; the tenant and database come from vectorStore.tenant and vectorStore.database.',
    });
  }
  const total = await input.client.count(found.id);
  const { record, loaded } = await resolveCollection(app, input.into, input.embedder === undefined ? {} : { embedder: input.embedder }, true);
  const embedder = loaded.embedder;
  const dimension = typeof (found as { dimension?: unknown }).dimension === 'number' ? Number((found as { dimension?: number }).dimension) : undefined;
  let vectors: ImportChromaSummary['vectors'] = embedder === null ? 'none' : 're-embedded';
  if (embedder !== null) {
    if (input.embedder === undefined) {
      notice(`The model of the Chroma embeddings is not named (--embedder): re-embedding the texts with ${record.embedder}.`);
    } else if (dimension !== undefined && dimension !== embedder.dimensions) {
      notice(`The Chroma embeddings have ${dimension} dimensions and ${record.embedder} makes ${embedder.dimensions}: re-embedding the texts.`);
    } else {
      vectors = 'kept';
    }
  }
  const known = await app.chunks.listDocumentStates(record.name);
  const sync = new IndexSync({ vectors: app.vectors, chunks: app.chunks }, record.name, notice);
  const pageSize = input.pageSize ?? 500;
  const include = vectors === 'kept' ? ['documents', 'metadatas', 'embeddings'] : ['documents', 'metadatas'];
  let imported = 0;
  let unchanged = 0;
  let skipped = 0;
  let done = 0;
  for (let offset = 0; offset < total; offset += pageSize) {
    input.signal?.throwIfAborted();
    const page = await input.client.get(found.id, { limit: pageSize, offset, include });
    const writes: DocumentWrite[] = [];
    const kept: (Float32Array | null)[] = [];
    for (const [i, id] of page.ids.entries()) {
      const text = page.documents?.[i];
      if (typeof text !== 'string' || text.trim() === '') {
        skipped += 1;
        continue;
      }
      const metadata = page.metadatas?.[i] ?? {};
      const write = documentOf(record.name, input.source, id, text, metadata);
      if (known.get(write.uri)?.contentHash === write.contentHash) {
        unchanged += 1;
        continue;
      }
      const embedding = page.embeddings?.[i];
      const vector = vectors === 'kept' && Array.isArray(embedding) && embedding.length === embedder?.dimensions ? normalized(embedding) : null;
      writes.push(write);
      kept.push(vector);
    }
    if (vectors === 're-embedded' && writes.length > 0) {
      const embedded = await embedChunks(embedder, writes.map((write) => ({ title: write.title, chunks: write.chunks, reusable: new Map() })), app.config.ingest.embedBatchSize, input.signal);
      for (const [i, write] of writes.entries()) write.chunks = embedded.documents[i]!;
    } else {
      for (const [i, write] of writes.entries()) write.chunks = write.chunks.map((chunk) => ({ ...chunk, vector: kept[i] ?? null }));
    }
    if (writes.length > 0) {
      const results = app.chunks.writeDocuments ? await app.chunks.writeDocuments(writes) : await Promise.all(writes.map((write) => app.chunks.writeDocument(write)));
      await sync.written(writes.map((document, i) => ({ document, result: results[i]! })));
      imported += writes.length;
    }
    done += page.ids.length;
    input.onProgress?.(done, total);
    if (page.ids.length < pageSize) break;
  }
  await sync.finish();
  const documents = [...(await app.chunks.listDocumentStates(record.name)).keys()].filter((uri) => uri.startsWith(`chroma://${input.source}/`)).length;
  if (documents + skipped !== total) {
    notice(`Count check: the Chroma collection has ${total} records and Cairn holds ${documents} of them (${skipped} without text); run the import again to resume.`);
  }
  return { source: input.source, collection: record.name, total, imported, unchanged, skipped, vectors, documents, millis: performance.now() - started };
}

function documentOf(collection: string, source: string, id: string, text: string, metadata: Record<string, unknown>): DocumentWrite {
  const named = SOURCE_KEYS.map((key) => metadata[key]).find((value): value is string => typeof value === 'string' && value !== '');
  const title = TITLE_KEYS.map((key) => metadata[key]).find((value): value is string => typeof value === 'string' && value !== '');
  const relativePath = (named ?? id).replace(/^[a-z]+:\/\//i, '').replace(/^\/+/, '');
  // Chroma answers metadata keys in no fixed order: sorted, so that an unchanged record is recognised.
  const contentHash = createHash('sha256').update(text).update('\0').update(JSON.stringify(Object.entries(metadata).sort(([a], [b]) => (a < b ? -1 : 1)))).digest('hex');
  const tags = typeof metadata.tags === 'string' ? metadata.tags.split(',').map((tag) => tag.trim().toLowerCase()).filter(Boolean) : [];
  return {
    collection,
    uri: `chroma://${source}/${encodeURIComponent(id)}`,
    relativePath,
    sourceRoot: `chroma://${source}`,
    title: title ?? named ?? id,
    format: 'text',
    ...(typeof metadata.language === 'string' ? { language: metadata.language.toLowerCase() } : {}),
    contentHash,
    sizeBytes: Buffer.byteLength(text),
    modifiedMs: typeof metadata.modified_ms === 'number' ? metadata.modified_ms : Date.now(),
    tags,
    metadata: { chroma: { collection: source, id, metadata } },
    chunks: [{ ordinal: 0, text, headingPath: [], tokenCount: Math.ceil(text.length / 4), contentHash: createHash('sha256').update(text).digest('hex'), vector: null }],
  };
}

/** Cosine search expects unit vectors; Chroma stores them as given. */
function normalized(values: number[]): Float32Array {
  const vector = Float32Array.from(values);
  let norm = 0;
  for (const value of vector) norm += value * value;
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < vector.length; i++) vector[i]! /= norm;
  return vector;
}
