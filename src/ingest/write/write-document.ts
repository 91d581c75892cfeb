import type { EmbeddedChunk } from '../../core/chunk.js';
import type { ParsedDocument } from '../../core/parsed-document.js';
import type { SourceItem } from '../../core/source-item.js';
import { shingleHashes } from '../../core/minhash.js';
import type { ChunkStore, DocumentWrite, WriteResult } from '../../stores/chunk-store.js';
import type { WrittenDocument } from '../index-sync.js';

/** Near-duplicate detection at ingest: `threshold` and `boilerplateDf` as in FingerprintInput (chunk-store.ts). */
export interface NearDuplicateSettings {
  threshold: number;
  boilerplateDf: number;
}

export interface WriteDocumentInput {
  collection: string;
  item: SourceItem;
  contentHash: string;
  parsed: ParsedDocument;
  chunks: EmbeddedChunk[];
  /** Tags given at ingest time (`--tag`), merged with the document's own (front matter). */
  tags: string[];
  /** Fingerprint the document for near-duplicate clusters with these settings; absent: not fingerprinted. */
  nearDuplicates?: NearDuplicateSettings | undefined;
}

/**
 * Stores documents with their chunks: in one transaction when the store offers `writeDocuments`
 * (each document whole, the batch all or nothing), otherwise one transaction per document. Returns
 * each document as written with what the store did, for the vector index's sync.
 */
export async function writeDocuments(store: ChunkStore, inputs: WriteDocumentInput[]): Promise<WrittenDocument[]> {
  const writes = inputs.map(toDocumentWrite);
  let results: WriteResult[];
  if (store.writeDocuments) results = await store.writeDocuments(writes);
  else {
    results = [];
    for (const write of writes) results.push(await store.writeDocument(write));
  }
  return writes.map((document, i) => ({ document, result: results[i]! }));
}

function toDocumentWrite(input: WriteDocumentInput): DocumentWrite {
  const { item, parsed } = input;
  return {
    collection: input.collection,
    uri: item.uri,
    relativePath: item.relativePath,
    sourceRoot: item.sourceRoot,
    title: parsed.title,
    format: parsed.format,
    language: parsed.language,
    contentHash: input.contentHash,
    sizeBytes: item.sizeBytes,
    modifiedMs: item.modifiedMs,
    tags: mergeTags(documentTags(parsed.metadata), input.tags),
    metadata: {
      ...parsed.metadata,
      ...(parsed.pageCount === undefined ? {} : { pageCount: parsed.pageCount }),
      ...item.metadata,
    },
    gitRepository: item.git?.repository,
    gitCommit: item.git?.commit,
    chunks: input.chunks,
    fingerprint: fingerprintOf(input),
  };
}

/** The shingles of the document's chunk texts (overlaps repeat shingles, which a set ignores); the store signs them. */
function fingerprintOf(input: WriteDocumentInput): DocumentWrite['fingerprint'] {
  if (input.nearDuplicates === undefined) return undefined;
  const shingles = shingleHashes(input.chunks.map((chunk) => chunk.text).join('\n'));
  return shingles.length === 0 ? undefined : { shingles, ...input.nearDuplicates };
}

function documentTags(metadata: Record<string, unknown>): string[] {
  const tags = metadata.tags;
  if (Array.isArray(tags)) return tags.map(String);
  if (typeof tags === 'string') return tags.split(/[,\s]+/).filter(Boolean);
  return [];
}

function mergeTags(a: string[], b: string[]): string[] {
  return [...new Set([...a, ...b].map((tag) => tag.trim().toLowerCase()).filter(Boolean))];
}
