import { CairnError } from '../../core/cairn-error.js';
import { shingleHashes } from '../../core/minhash.js';
import { IndexSync, type WrittenDocument } from '../../ingest/index-sync.js';
import type { NearDuplicateSettings } from '../../ingest/write/write-document.js';
import type { ChunkStore, DocumentRecord, DocumentWrite } from '../../stores/chunk-store.js';
import type { RecordTransfer } from '../../stores/record-transfer.js';
import type { OpenedDatabase } from './open-database.js';

/** The application stores a copy moves, in this order, by the names their counts use. */
const APP_STORES = ['keys', 'settings', 'chats', 'memories', 'analytics', 'jobs'] as const;
type AppStoreName = (typeof APP_STORES)[number];

export type CopyProgress =
  | { phase: 'documents'; collection: string; done: number; total: number; copied: number }
  | { phase: 'index'; collection: string }
  | { phase: 'records'; store: AppStoreName; done: number };

export interface CopyOptions {
  /** Documents written per transaction (default 256). */
  batchDocuments?: number;
  /** Records per exported page (default 500). */
  pageSize?: number;
  onProgress?: (progress: CopyProgress) => void;
  onNotice?: (text: string) => void;
  /**
   * Fingerprint the copied documents for near-duplicate clusters as ingest does (from their chunk texts,
   * with the target's settings), then settle each collection's clusters; absent: not fingerprinted.
   */
  nearDuplicates?: NearDuplicateSettings | undefined;
}

/** One count of the check: what the source holds and what the target holds after the copy. */
export interface CopyCount {
  name: string;
  source: number;
  target: number;
}

export interface CopyReport {
  from: string;
  to: string;
  collections: number;
  /** Documents written now, and those the target held already (a resumed copy). */
  documentsCopied: number;
  documentsPresent: number;
  /** Records added now, by store. */
  recordsAdded: Record<AppStoreName, number>;
  counts: CopyCount[];
  millis: number;
}

/**
 * Copies a whole knowledge base between two stores of any backends, over their interfaces only: the
 * collections, documents, chunks and vectors through ChunkStore (each document written whole, in
 * batches, and pushed to the target's vector index as ingest does), then the application stores
 * through their RecordTransfer (keys with their hashes, chat sessions, memories with vectors,
 * settings, analytics, jobs with their events).
 *
 * Resumable: a document the target holds with the same content hash is skipped, and records are
 * imported by id (present ones are left alone), so a copy that stopped is run again with the same
 * arguments and finishes the rest. The target may hold other data; what the copy writes never
 * replaces a record the target has. At the end every count of the source is compared with the
 * target's, which must hold at least as much (DB_COPY_INCOMPLETE otherwise).
 */
export async function copyDatabase(source: OpenedDatabase, target: OpenedDatabase, options: CopyOptions = {}): Promise<CopyReport> {
  const started = performance.now();
  const batchDocuments = options.batchDocuments ?? 256;
  const pageSize = options.pageSize ?? 500;
  const collections = source.chunks === undefined ? [] : await source.chunks.listCollections();
  if (collections.some((c) => c.documentCount > 0) && (target.chunks === undefined || target.vectors === undefined)) {
    throw new CairnError('STORE_MISCONFIGURED', `${target.location} cannot hold documents and chunks with this build of Cairn (its knowledge-base store is missing).`, {
      hint: 'Copy between SQLite files, or use a Cairn build whose PostgreSQL backend includes the chunk store.',
    });
  }
  let documentsCopied = 0;
  let documentsPresent = 0;
  for (const collection of collections) {
    const copied = await copyCollection(source.chunks as ChunkStore, target, collection.name, { batchDocuments, ...options });
    documentsCopied += copied.copied;
    documentsPresent += copied.present;
  }
  const recordsAdded = {} as Record<AppStoreName, number>;
  for (const name of APP_STORES) {
    recordsAdded[name] = await copyRecords(source[name] as RecordTransfer<unknown>, target[name] as RecordTransfer<unknown>, pageSize, (done) =>
      options.onProgress?.({ phase: 'records', store: name, done }),
    );
  }
  const counts = await compareCounts(source, target, collections.map((c) => c.name));
  const short = counts.filter((count) => count.target < count.source);
  if (short.length > 0) {
    throw new CairnError('DB_COPY_INCOMPLETE', `The copy to ${target.location} is short: ${short.map((c) => `${c.name} ${c.target} of ${c.source}`).join(', ')}.`, {
      hint: 'Run the same `cairn db copy` again: it resumes and copies what is missing. If it stays short, check that nothing deletes from the target meanwhile.',
      details: { short },
    });
  }
  return {
    from: source.location, to: target.location, collections: collections.length, documentsCopied, documentsPresent, recordsAdded, counts,
    millis: performance.now() - started,
  };
}

async function copyCollection(
  source: ChunkStore,
  target: OpenedDatabase,
  name: string,
  options: CopyOptions & { batchDocuments: number },
): Promise<{ copied: number; present: number }> {
  const chunks = target.chunks as ChunkStore;
  const settings = (await source.getCollection(name))!;
  const existing = await chunks.getCollection(name);
  if (existing === undefined) {
    await chunks.createCollection(name, { embedder: settings.embedder, dimensions: settings.dimensions, chunkSize: settings.chunkSize, chunkOverlap: settings.chunkOverlap });
  } else if (existing.embedder !== settings.embedder || existing.dimensions !== settings.dimensions) {
    throw new CairnError('EMBEDDER_MISMATCH', `Collection ${name} exists in ${target.location} with embedder ${existing.embedder} (${existing.dimensions} d); the source's uses ${settings.embedder} (${settings.dimensions} d).`, {
      hint: 'Copy into another database, or delete that collection from the target first.',
    });
  }
  const present = await chunks.listDocumentStates(name);
  const vectors = target.vectors as NonNullable<OpenedDatabase['vectors']>;
  // Into an empty collection, an index the database maintains per row (pgvector) is built once at the
  // end instead: a resumed copy finds rows present and keeps the index, and `open` below rebuilds a missing one.
  const bulk = present.size === 0 && settings.dimensions > 0 && settings.documentCount > 0 && vectors.deferBuild !== undefined;
  if (bulk) await vectors.deferBuild!(name);
  const sync = new IndexSync({ vectors, chunks }, name, options.onNotice ?? (() => {}));
  const total = settings.documentCount;
  let done = 0;
  let copied = 0;
  let skipped = 0;
  let batch: DocumentWrite[] = [];
  // One batch is written while the next is read from the source: the target's server works while this
  // process reads and analyses. At most one write is in flight, so batches commit in order.
  let inflight: Promise<void> = Promise.resolve();
  const write = async (documents: DocumentWrite[]) => {
    const results = chunks.writeDocuments ? await chunks.writeDocuments(documents) : await writeOneByOne(chunks, documents);
    await sync.written(documents.map((document, index): WrittenDocument => ({ document, result: results[index]! })));
    copied += documents.length;
  };
  const flush = async () => {
    await inflight;
    if (batch.length === 0) return;
    inflight = write(batch);
    inflight.catch(() => {});
    batch = [];
  };
  try {
    // Path order over a store nobody writes meanwhile: stable pages.
    for (let offset = 0; ; offset += 200) {
      const page = await source.listDocuments({ collection: name, sort: 'path', order: 'asc', limit: 200, offset });
      for (const document of page.items) {
        done += 1;
        if (present.get(document.uri)?.contentHash === document.contentHash) {
          skipped += 1;
          continue;
        }
        batch.push(withFingerprint(await readDocument(source, document), options.nearDuplicates));
        if (batch.length >= options.batchDocuments) await flush();
        options.onProgress?.({ phase: 'documents', collection: name, done, total, copied });
      }
      if (page.items.length < 200) break;
    }
    await flush();
    await inflight;
    options.onProgress?.({ phase: 'documents', collection: name, done, total, copied });
  } finally {
    await inflight.catch(() => {});
    await sync.finish();
  }
  if (options.nearDuplicates !== undefined) await chunks.settleNearDuplicates?.(name, options.nearDuplicates.boilerplateDf);
  if (settings.dimensions > 0) {
    options.onProgress?.({ phase: 'index', collection: name });
    await vectors.open(name, settings.dimensions);
  }
  return { copied, present: skipped };
}

/** A stored document as a write: its fields, its chunks in order, each with its vector. */
async function readDocument(source: ChunkStore, record: DocumentRecord): Promise<DocumentWrite> {
  const { id, chunkCount: _chunkCount, ingestedAt: _ingestedAt, ...fields } = record;
  const stored = await source.getDocumentChunks(id);
  const vectors = await source.getVectors(stored.map((chunk) => chunk.id));
  return {
    ...fields,
    chunks: stored.map(({ id: chunkId, documentId: _documentId, ...chunk }) => ({ ...chunk, vector: vectors.get(chunkId) ?? null })),
  };
}

/** The write with the fingerprint ingest gives it (write-document.ts: the shingles of its chunk texts). */
function withFingerprint(write: DocumentWrite, settings: NearDuplicateSettings | undefined): DocumentWrite {
  if (settings === undefined) return write;
  const shingles = shingleHashes(write.chunks.map((chunk) => chunk.text).join('\n'));
  return shingles.length === 0 ? write : { ...write, fingerprint: { shingles, ...settings } };
}

async function writeOneByOne(chunks: ChunkStore, documents: DocumentWrite[]) {
  const results = [];
  for (const document of documents) results.push(await chunks.writeDocument(document));
  return results;
}

async function copyRecords<T>(source: RecordTransfer<T>, target: RecordTransfer<T>, pageSize: number, onPage: (done: number) => void): Promise<number> {
  let cursor: string | null = null;
  let done = 0;
  let added = 0;
  do {
    const page: { items: T[]; cursor: string | null } = await source.exportRecords(cursor, pageSize);
    if (page.items.length > 0) added += await target.importRecords(page.items);
    done += page.items.length;
    onPage(done);
    cursor = page.cursor;
  } while (cursor !== null);
  return added;
}

/** Every count of the source beside the target's: per collection documents, chunks and vectors, then each store's records. */
async function compareCounts(source: OpenedDatabase, target: OpenedDatabase, collections: string[]): Promise<CopyCount[]> {
  const counts: CopyCount[] = [];
  for (const name of collections) {
    const [from, to] = await Promise.all([collectionCounts(source.chunks as ChunkStore, name), collectionCounts(target.chunks as ChunkStore, name)]);
    for (const key of Object.keys(from) as (keyof typeof from)[]) counts.push({ name: `${name}.${key}`, source: from[key], target: to[key] });
  }
  for (const store of APP_STORES) {
    const [from, to] = await Promise.all([source[store].countRecords(), target[store].countRecords()]);
    for (const [key, value] of Object.entries(from)) counts.push({ name: key, source: value, target: to[key] ?? 0 });
  }
  return counts;
}

async function collectionCounts(chunks: ChunkStore, name: string) {
  const collection = await chunks.getCollection(name);
  const watermark = await chunks.vectorWatermark(name);
  return { documents: collection?.documentCount ?? 0, chunks: collection?.chunkCount ?? 0, vectors: watermark.vectorCount };
}
