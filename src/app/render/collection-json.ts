import { z } from 'zod';

/** The JSON shape of a collection at the edges: HTTP `/v1/collections` and the MCP `list_collections` tool. */
export const collectionJsonSchema = z.object({
  name: z.string(),
  embedder: z.string(),
  dimensions: z.number(),
  chunkSize: z.number(),
  chunkOverlap: z.number(),
  createdAt: z.string(),
  documentCount: z.number(),
  chunkCount: z.number(),
});
