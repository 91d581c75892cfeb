import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { searchFilterSchema, searchInputSchema } from '../../app/input-schemas.js';
import { parseInput } from '../../app/parse-input.js';
import { search } from '../../app/search.js';
import type { ScoredChunk } from '../../core/search-types.js';
import { clip, runTool, toolSuccess, type McpToolContext } from '../tool-result.js';

const shape = searchInputSchema.shape;

/** The `search` input: the search use case's schema without the embedder override, collection optional. */
export const searchToolInputSchema = searchInputSchema
  .omit({ embedder: true })
  .partial({ collection: true })
  .extend({
    query: shape.query.describe('What to look for: a question or keywords.'),
    collection: shape.collection.optional().describe('Collection to search (list_collections); default: the server default.'),
    mode: shape.mode.describe('lexical (BM25 words), dense (meaning) or hybrid (both, fused; the default).'),
    k: shape.k.describe('Number of results (default 10).'),
    minScore: shape.minScore.describe('Drop results scoring below this.'),
    filter: searchFilterSchema
      .optional()
      .describe('Narrow the search: pathPrefix (e.g. a pathPrefix from list_sources), pathGlob, language, fileType, tags, modifiedAfter, modifiedBefore.'),
  });

const nullableNumber = z.number().nullable();

export const searchHitSchema = z.object({
  rank: z.number().int(),
  score: z.number(),
  source_uri: z.string(),
  title: z.string(),
  heading_path: z.array(z.string()),
  snippet: z.string().describe('Plain-text excerpt around the matching words.'),
  highlights: z.array(z.tuple([z.number().int(), z.number().int()])).describe('The matching words of snippet as [start, end) offsets (UTF-16 code units).'),
  anchor: z.string().nullable().describe('Fragment of the section (source_uri#anchor) when the source states heading ids.'),
  text: z.string().describe('The whole chunk.'),
  relative_path: z.string(),
  document_id: z.number().int().describe('Pass to get_document for the full document.'),
  chunk_id: z.number().int(),
  ordinal: nullableNumber.describe('Position of the chunk in its document (get_document fromChunk).'),
  format: z.string(),
  language: z.string().nullable(),
  line_start: nullableNumber,
  line_end: nullableNumber,
  page_start: nullableNumber,
  page_end: nullableNumber,
  also_in: z.array(z.string()).optional().describe('Paths of near-duplicate documents collapsed into this result.'),
});

export const searchToolOutputSchema = z.object({
  query: z.string(),
  collection: z.string(),
  mode: z.enum(['lexical', 'dense', 'hybrid']),
  results: z.array(searchHitSchema),
  totalMs: z.number(),
  notices: z.array(z.string()),
});

export function searchHitJson(result: ScoredChunk, rank: number): z.infer<typeof searchHitSchema> {
  return {
    rank,
    score: result.score,
    source_uri: result.sourceUri,
    title: result.title,
    heading_path: result.headingPath,
    snippet: result.snippet,
    highlights: result.highlights,
    anchor: result.anchor ?? null,
    text: result.text,
    relative_path: result.relativePath,
    document_id: result.documentId,
    chunk_id: result.chunkId,
    ordinal: result.ordinal ?? null,
    format: result.format,
    language: result.language ?? null,
    line_start: result.lineStart ?? null,
    line_end: result.lineEnd ?? null,
    page_start: result.pageStart ?? null,
    page_end: result.pageEnd ?? null,
    ...(result.alsoIn === undefined ? {} : { also_in: result.alsoIn }),
  };
}

export function registerSearchTool(server: McpServer, context: McpToolContext): void {
  server.registerTool(
    'search',
    {
      title: 'Search the knowledge base',
      description:
        `Ranked passages (chunks) of the ingested documents and code for a query, each with its source URI, title, heading path and a snippet. ` +
        `Use list_sources to see what the collection holds and narrow with filter.pathPrefix; open a hit with get_document. Default collection: "${context.defaultCollection}".`,
      inputSchema: searchToolInputSchema,
      outputSchema: searchToolOutputSchema,
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    (args, extra) =>
      runTool(async () => {
        const input = parseInput(searchInputSchema, { ...args, collection: args.collection ?? context.defaultCollection });
        const response = await search(context.app, { ...input, signal: extra.signal, origin: context.origin });
        const results = response.results.map((result, i) => searchHitJson(result, i + 1));
        const structured = { query: input.query, collection: response.collection, mode: response.mode, results, totalMs: response.timings.totalMs, notices: response.notices };
        return toolSuccess(structured, renderSearch(structured));
      }),
  );
}

function renderSearch(output: z.infer<typeof searchToolOutputSchema>): string {
  const head = `${output.results.length} result${output.results.length === 1 ? '' : 's'} for "${output.query}" in ${output.collection} (${output.mode}, ${output.totalMs.toFixed(1)} ms)`;
  const lines = [output.results.length === 0 ? `No results for "${output.query}" in ${output.collection}.` : `${head}:`];
  for (const hit of output.results) {
    const where = [
      `document ${hit.document_id}`,
      hit.ordinal !== null ? `chunk ${hit.ordinal}` : undefined,
      hit.line_start !== null ? `lines ${hit.line_start}-${hit.line_end ?? hit.line_start}` : undefined,
      hit.page_start !== null ? `p. ${hit.page_start}` : undefined,
    ].filter(Boolean);
    lines.push(
      `[${hit.rank}] ${hit.title}${hit.heading_path.length > 0 ? ` — ${hit.heading_path.join(' › ')}` : ''} (score ${hit.score.toFixed(3)})`,
      `    ${hit.source_uri} · ${where.join(', ')}`,
      `    ${clip(hit.text, 400)}`,
    );
  }
  for (const notice of output.notices) lines.push(`Note: ${notice}`);
  return lines.join('\n');
}
