import type { ChunkView, DocumentRecord, StoredChunk } from '../chunk-store.js';
import type { CollectionRecord } from '../collection-record.js';

/** Row shapes as better-sqlite3 returns them (snake_case columns of sqlite-schema.ts). */
export interface CollectionRow {
  id: number;
  name: string;
  embedder: string;
  dimensions: number;
  chunk_size: number;
  chunk_overlap: number;
  created_at: string;
  document_count: number;
  chunk_count: number;
  vector_store: string | null;
  vectors_pending: number;
}

export interface DocumentRow {
  id: number;
  collection: string;
  uri: string;
  relative_path: string;
  source_root: string;
  title: string;
  format: string;
  language: string | null;
  content_hash: string;
  size_bytes: number;
  modified_ms: number;
  tags: string;
  metadata: string;
  git_repository: string | null;
  git_commit: string | null;
  chunk_count: number;
  ingested_at: string;
}

export interface ChunkRow {
  id: number;
  document_id: number;
  ordinal: number;
  text: string;
  heading_path: string;
  page_start: number | null;
  page_end: number | null;
  line_start: number | null;
  line_end: number | null;
  token_count: number;
  content_hash: string;
  anchor: string | null;
}

export interface ChunkViewRow extends ChunkRow {
  collection: string;
  uri: string;
  relative_path: string;
  title: string;
  format: string;
  language: string | null;
  git_commit: string | null;
}

export const CHUNK_COLUMNS =
  'c.id, c.document_id, c.ordinal, c.text, c.heading_path, c.page_start, c.page_end, c.line_start, c.line_end, c.token_count, c.content_hash, c.anchor';

export function collectionFromRow(row: CollectionRow): CollectionRecord {
  return {
    name: row.name,
    embedder: row.embedder,
    dimensions: row.dimensions,
    chunkSize: row.chunk_size,
    chunkOverlap: row.chunk_overlap,
    createdAt: row.created_at,
    documentCount: row.document_count,
    chunkCount: row.chunk_count,
    ...(row.vector_store === null ? {} : { vectorStore: row.vector_store }),
    ...(row.vectors_pending ? { vectorsPending: true } : {}),
  };
}

export function documentFromRow(row: DocumentRow): DocumentRecord {
  const record: DocumentRecord = {
    id: row.id,
    collection: row.collection,
    uri: row.uri,
    relativePath: row.relative_path,
    sourceRoot: row.source_root,
    title: row.title,
    format: row.format,
    contentHash: row.content_hash,
    sizeBytes: row.size_bytes,
    modifiedMs: row.modified_ms,
    tags: JSON.parse(row.tags) as string[],
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    chunkCount: row.chunk_count,
    ingestedAt: row.ingested_at,
  };
  if (row.language !== null) record.language = row.language;
  if (row.git_repository !== null) record.gitRepository = row.git_repository;
  if (row.git_commit !== null) record.gitCommit = row.git_commit;
  return record;
}

export function chunkFromRow(row: ChunkRow): StoredChunk {
  const chunk: StoredChunk = {
    id: row.id,
    documentId: row.document_id,
    ordinal: row.ordinal,
    text: row.text,
    headingPath: JSON.parse(row.heading_path) as string[],
    tokenCount: row.token_count,
    contentHash: row.content_hash,
  };
  if (row.page_start !== null) chunk.pageStart = row.page_start;
  if (row.page_end !== null) chunk.pageEnd = row.page_end;
  if (row.line_start !== null) chunk.lineStart = row.line_start;
  if (row.line_end !== null) chunk.lineEnd = row.line_end;
  if (row.anchor !== null) chunk.anchor = row.anchor;
  return chunk;
}

export function chunkViewFromRow(row: ChunkViewRow): ChunkView {
  const view: ChunkView = {
    ...chunkFromRow(row),
    collection: row.collection,
    sourceUri: row.uri,
    relativePath: row.relative_path,
    title: row.title,
    format: row.format,
  };
  if (row.language !== null) view.language = row.language;
  if (row.git_commit !== null) view.gitCommit = row.git_commit;
  return view;
}
