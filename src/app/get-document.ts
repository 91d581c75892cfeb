import { z } from 'zod';
import type { DocumentRecord, StoredChunk } from '../stores/chunk-store.js';
import type { CairnApp } from './cairn-app.js';
import { showDocument } from './documents.js';
import { collectionNameSchema } from './input-schemas.js';

export const getDocumentInputSchema = z
  .object({
    collection: collectionNameSchema,
    /** Document id, source URI or path relative to its source root. */
    document: z.string().trim().min(1, 'name a document id or source URI').max(4000),
    /** First chunk (0-based ordinal) to return. */
    fromChunk: z.number().int().min(0).default(0),
    /** Most chunks to return; the answer says where the next page starts. */
    maxChunks: z.number().int().min(1).max(200).default(20),
  })
  .strict();

export type GetDocumentInput = z.input<typeof getDocumentInputSchema>;

export interface DocumentPageOfChunks {
  document: DocumentRecord;
  totalChunks: number;
  /** Chunks `fromChunk` .. `fromChunk + chunks.length - 1`, in document order. */
  chunks: StoredChunk[];
  fromChunk: number;
  /** Ordinal to pass as `fromChunk` for the next page; null after the last chunk. */
  nextChunk: number | null;
}

/** Use case: one document (by id, URI or relative path) with a range of its chunks. */
export async function getDocument(app: CairnApp, input: z.infer<typeof getDocumentInputSchema>): Promise<DocumentPageOfChunks> {
  const { document, chunks } = await showDocument(app, input.collection, input.document);
  const page = chunks.slice(input.fromChunk, input.fromChunk + input.maxChunks);
  const end = input.fromChunk + page.length;
  return { document, totalChunks: chunks.length, chunks: page, fromChunk: input.fromChunk, nextChunk: end < chunks.length ? end : null };
}
