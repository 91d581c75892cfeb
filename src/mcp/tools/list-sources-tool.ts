import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { listSources, listSourcesInputSchema } from '../../app/list-sources.js';
import { parseInput } from '../../app/parse-input.js';
import { runTool, toolSuccess, type McpToolContext } from '../tool-result.js';

export const listSourcesToolInputSchema = listSourcesInputSchema.partial({ collection: true }).extend({
  collection: listSourcesInputSchema.shape.collection.optional().describe('Collection to describe; default: the server default.'),
  depth: listSourcesInputSchema.shape.depth.describe('Directory levels to group by (1 = top level); default: the first level that splits the collection.'),
});

export const listSourcesToolOutputSchema = z.object({
  collection: z.string(),
  base: z.string().describe('Common directory of the ingested folders; group names are relative to it.'),
  depth: z.number().int(),
  totalDocuments: z.number().int(),
  totalChunks: z.number().int(),
  sources: z.array(
    z.object({
      name: z.string().describe('Project, technology or directory (or git repository).'),
      documents: z.number().int(),
      chunks: z.number().int(),
      formats: z.array(z.string()),
      pathPrefix: z.string().nullable().describe('search filter.pathPrefix that selects exactly this group; null when none does.'),
    }),
  ),
});

export function registerListSourcesTool(server: McpServer, context: McpToolContext): void {
  server.registerTool(
    'list_sources',
    {
      title: 'List the sources of a collection',
      description:
        'Which projects, technologies or directories a collection holds, with document counts (answers "which technologies are in the knowledge base?"). ' +
        'Groups by the top directories of the ingested folders (and by repository for git sources); use a pathPrefix to narrow search.',
      inputSchema: listSourcesToolInputSchema,
      outputSchema: listSourcesToolOutputSchema,
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    (args) =>
      runTool(async () => {
        const input = parseInput(listSourcesInputSchema, { ...args, collection: args.collection ?? context.defaultCollection });
        const result = await listSources(context.app, input);
        const lines = [`${result.collection}: ${result.totalDocuments} documents, ${result.totalChunks} chunks in ${result.sources.length} groups${result.base ? ` under ${result.base}` : ''}:`];
        for (const source of result.sources) {
          lines.push(`- ${source.name}: ${source.documents} documents, ${source.chunks} chunks (${source.formats.join(', ')})${source.pathPrefix ? ` · pathPrefix "${source.pathPrefix}"` : ''}`);
        }
        return toolSuccess({ ...result }, lines.join('\n'));
      }),
  );
}
