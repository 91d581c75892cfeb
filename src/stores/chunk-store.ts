import type { Chunk, EmbeddedChunk } from '../core/chunk.js';
import type { CollectionRecord, CollectionSettings } from './collection-record.js';

/**
 * The source of truth: collections, documents, chunks, their vectors and ingestion runs.
 * Implementations: SQLite (embedded default); PostgreSQL and others later. Every method is async so
 * that networked stores fit; the SQLite implementation answers synchronously inside.
 *
 * Contract (checked by stores/chunk-store.contract.ts against every implementation):
 * - `writeDocument` is atomic: after a crash either the old version of the document or the new one is
 *   stored, never a mix; the lexical index of the store is updated in the same transaction.
 * - Chunk ids are never reused, so a derived vector index can key on them.
 * - Deleting a collection deletes its documents, chunks and vectors.
 */
export interface ChunkStore {
  readonly kind: string;
  /** Where the store lives, for status output (a file path or a URL without credentials). */
  readonly location: string;

  createCollection(name: string, settings: CollectionSettings): Promise<CollectionRecord>;
  getCollection(name: string): Promise<CollectionRecord | undefined>;
  listCollections(): Promise<CollectionRecord[]>;
  deleteCollection(name: string): Promise<boolean>;
  /** Switches a collection to another embedder; callers must then rewrite every vector. */
  setCollectionEmbedder(name: string, embedder: string, dimensions: number): Promise<void>;
  /** Records where the collection's vectors are indexed from now on (`undefined`: the backend's own index). */
  setCollectionVectorStore(name: string, vectorStore: string | undefined): Promise<void>;
  /**
   * Marks (or clears) the collection's external vector index as missing pushes (CollectionRecord.vectorsPending).
   * Durable, so that a process that stopped before the index came back leaves the catch-up to the next one.
   */
  setVectorsPending(name: string, pending: boolean): Promise<void>;

  /** What the incremental ingest needs to decide skip/update/prune, for every document of a collection. */
  listDocumentStates(collection: string): Promise<Map<string, DocumentState>>;
  /** Stored vectors of a document keyed by chunk content hash, so unchanged chunks are not re-embedded. */
  getDocumentVectors(collection: string, uri: string): Promise<Map<string, Float32Array>>;
  writeDocument(document: DocumentWrite): Promise<WriteResult>;
  /**
   * Writes several documents in one transaction: all of them or none, each one whole (the same
   * crash-safety contract, amortising the commit over a batch). Optional; callers fall back to
   * `writeDocument` one by one.
   */
  writeDocuments?(documents: DocumentWrite[]): Promise<WriteResult[]>;
  /** Records a new modification time for a document whose content hash did not change. */
  touchDocument(collection: string, uri: string, modifiedMs: number, sizeBytes: number): Promise<void>;
  deleteDocuments(collection: string, uris: string[]): Promise<number[]>;

  listDocuments(query: DocumentListQuery): Promise<DocumentPage>;
  getDocument(collection: string, idOrUri: number | string): Promise<DocumentRecord | undefined>;
  getDocumentChunks(documentId: number): Promise<StoredChunk[]>;

  /** Chunks with their document fields, in the order of `ids` (missing ids are left out). */
  getChunks(ids: number[]): Promise<ChunkView[]>;
  getVectors(ids: number[]): Promise<Map<number, Float32Array>>;
  /** Replaces chunk vectors (re-embedding) in one transaction; `null` clears a vector. */
  updateVectors(items: { id: number; vector: Float32Array | null }[]): Promise<void>;
  /** Vectors of a collection with chunk id greater than `afterId`, in id order, in pages. */
  iterateVectors(collection: string, afterId: number, pageSize: number): AsyncIterable<{ id: number; vector: Float32Array }[]>;
  /** Highest chunk id of the collection, and how many chunks have a vector. */
  vectorWatermark(collection: string): Promise<{ maxChunkId: number; vectorCount: number }>;

  /**
   * For each given document in a near-duplicate cluster, all members of its cluster (itself included);
   * documents alone are absent. Optional: a store without it never collapses results. `generation`
   * (from `getCollectionAndGeneration`) lets a server store answer from the clusters it read at that
   * generation: clusters change only with a write, and every write moves the generation.
   */
  duplicatesOf?(collection: string, documentIds: number[], generation?: string): Promise<Map<number, DuplicateMember[]>>;
  /** The collection's near-duplicate clusters, largest first. */
  listDuplicateClusters?(collection: string): Promise<DuplicateCluster[]>;
  /**
   * Re-fingerprints the documents whose signature changed since it was written, because a shingle of
   * theirs became boilerplate (or stopped being one) as documents came and went, or `boilerplateDf` is not
   * the one the collection was settled with, and re-clusters them; cheap when nothing is stale (one row
   * read). Returns the number of documents re-fingerprinted. Called at the end of each ingest run.
   */
  settleNearDuplicates?(collection: string, boilerplateDf: number): Promise<number>;
  /**
   * A token that changes with every write to the collection (documents written, updated or deleted,
   * vectors replaced, the collection deleted and re-created), by this process or any other sharing the
   * store; undefined when the collection does not exist. Caches of search results key on it.
   */
  collectionGeneration?(collection: string): Promise<string | undefined>;
  /**
   * `getCollection` and `collectionGeneration` read together (one statement on a server database, where
   * each is a round trip); undefined when the collection does not exist. Optional: without it callers
   * read the two apart.
   */
  getCollectionAndGeneration?(collection: string): Promise<{ record: CollectionRecord; generation: string } | undefined>;

  startRun(collection: string, sources: string[]): Promise<number>;
  finishRun(runId: number, summary: Record<string, unknown>): Promise<void>;
  /** The latest finished ingestion run that wrote chunks (of `collection`, or of any); optional. */
  latestRun?(collection?: string): Promise<IngestRunRecord | undefined>;

  close(): Promise<void>;
}

/** What a finished ingestion run wrote and how long it took (`millis`: its whole wall time). */
export interface IngestRunRecord {
  collection: string;
  finishedAt: string;
  chunksWritten: number;
  millis: number;
}

export interface DocumentState {
  id: number;
  contentHash: string;
  sizeBytes: number;
  modifiedMs: number;
  /** Relative path and root, so `--prune` can limit itself to the roots of this run. */
  sourceRoot: string;
}

/** What a document is, as written by ingest and read back by listings. */
export interface DocumentFields {
  collection: string;
  uri: string;
  relativePath: string;
  sourceRoot: string;
  title: string;
  format: string;
  language?: string;
  /** sha256 hex of the file's bytes. */
  contentHash: string;
  sizeBytes: number;
  modifiedMs: number;
  tags: string[];
  metadata: Record<string, unknown>;
  gitRepository?: string;
  gitCommit?: string;
}

export interface DocumentWrite extends DocumentFields {
  chunks: EmbeddedChunk[];
  /** Near-duplicate fingerprint input; absent: the document is not fingerprinted (and leaves any cluster it was in). */
  fingerprint?: FingerprintInput;
}

/**
 * What a document is fingerprinted with: its distinct word-shingle hashes (core/minhash.ts shingleHashes),
 * the estimated Jaccard similarity from which it joins another's cluster, and the document frequency from
 * which a shingle of the collection is boilerplate and left out of the signature (0: none is).
 */
export interface FingerprintInput {
  shingles: Uint32Array;
  threshold: number;
  boilerplateDf: number;
}

/** A document of a near-duplicate cluster. */
export interface DuplicateMember {
  documentId: number;
  uri: string;
  relativePath: string;
  title: string;
}

/** Near-duplicate documents of one collection; `cluster` is the smallest member id. At least two members, by path. */
export interface DuplicateCluster {
  cluster: number;
  members: DuplicateMember[];
}

export interface WriteResult {
  documentId: number;
  /** Ids of the chunks now stored for the document, in ordinal order. */
  chunkIds: number[];
  /** Ids of the chunks the write removed (the previous version's). */
  removedChunkIds: number[];
}

export interface DocumentRecord extends DocumentFields {
  id: number;
  chunkCount: number;
  ingestedAt: string;
}

export interface DocumentListQuery {
  collection: string;
  /** Case-insensitive substring of the relative path or title. */
  text?: string;
  sort?: 'path' | 'title' | 'modified' | 'ingested' | 'chunks';
  order?: 'asc' | 'desc';
  limit: number;
  offset: number;
}

export interface DocumentPage {
  total: number;
  items: DocumentRecord[];
}

/** A chunk as stored: the chunk itself plus its ids (its vector is read separately). */
export interface StoredChunk extends Chunk {
  id: number;
  documentId: number;
}

/** A chunk joined with the fields of its document that results show. */
export interface ChunkView extends StoredChunk {
  collection: string;
  sourceUri: string;
  relativePath: string;
  title: string;
  format: string;
  language?: string;
  gitCommit?: string;
}
