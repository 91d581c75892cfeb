import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { listCollections } from '../../app/collections.js';
import { collectionJsonSchema } from '../../app/render/collection-json.js';
import { runTool, toolSuccess, type McpToolContext } from '../tool-result.js';

export const listCollectionsOutputSchema = z.object({
  defaultCollection: z.string().describe('Used when a tool call names no collection.'),
  collections: z.array(collectionJsonSchema),
});

export function registerListCollectionsTool(server: McpServer, context: McpToolContext): void {
  server.registerTool(
    'list_collections',
    {
      title: 'List collections',
      description: 'The collections of the knowledge base with their document and chunk counts and embedder, and the default collection.',
      inputSchema: z.object({}).strict(),
      outputSchema: listCollectionsOutputSchema,
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    () =>
      runTool(async () => {
        const collections = (await listCollections(context.app)).map((c) => ({
          name: c.name,
          embedder: c.embedder,
          dimensions: c.dimensions,
          chunkSize: c.chunkSize,
          chunkOverlap: c.chunkOverlap,
          createdAt: c.createdAt,
          documentCount: c.documentCount,
          chunkCount: c.chunkCount,
        }));
        const text =
          collections.length === 0
            ? 'No collections yet: ingest documents first (`cairn ingest <path>`).'
            : collections
                .map((c) => `${c.name}${c.name === context.defaultCollection ? ' (default)' : ''}: ${c.documentCount} documents, ${c.chunkCount} chunks · ${c.embedder}`)
                .join('\n');
        return toolSuccess({ defaultCollection: context.defaultCollection, collections }, text);
      }),
  );
}
