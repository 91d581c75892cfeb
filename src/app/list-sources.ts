import { z } from 'zod';
import type { DocumentRecord } from '../stores/chunk-store.js';
import type { CairnApp } from './cairn-app.js';
import { getCollection } from './collections.js';
import { groupSources, type SourceGroup } from './group-sources.js';
import { collectionNameSchema } from './input-schemas.js';

export const listSourcesInputSchema = z
  .object({
    collection: collectionNameSchema,
    /** Directory levels to group by; unset: the shallowest level that splits the collection. */
    depth: z.number().int().min(1).max(6).optional(),
  })
  .strict();

export type ListSourcesInput = z.infer<typeof listSourcesInputSchema>;

export interface ListSourcesResult {
  collection: string;
  /** Common directory of the ingested filesystem roots ('' when every source is a git repository). */
  base: string;
  depth: number;
  totalDocuments: number;
  totalChunks: number;
  sources: SourceGroup[];
}

/** Documents read per page while grouping. */
const PAGE_SIZE = 5000;

/**
 * Use case: the projects, technologies or directories of a collection with their document and chunk
 * counts ("which technologies are in the knowledge base?"); see groupSources for the grouping.
 * Reads every document record once (a page at a time).
 */
export async function listSources(app: CairnApp, input: ListSourcesInput): Promise<ListSourcesResult> {
  const record = await getCollection(app, input.collection);
  const documents: DocumentRecord[] = [];
  for (let offset = 0; ; offset += PAGE_SIZE) {
    const page = await app.chunks.listDocuments({ collection: record.name, sort: 'path', order: 'asc', limit: PAGE_SIZE, offset });
    documents.push(...page.items);
    if (page.items.length < PAGE_SIZE || documents.length >= page.total) break;
  }
  const grouping = groupSources(documents, input.depth);
  return {
    collection: record.name,
    base: grouping.base,
    depth: grouping.depth,
    totalDocuments: documents.length,
    totalChunks: documents.reduce((sum, d) => sum + d.chunkCount, 0),
    sources: grouping.groups,
  };
}
