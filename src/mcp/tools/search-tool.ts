import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { searchFilterSchema, searchInputSchema } from '../../app/input-schemas.js';
import { parseInput } from '../../app/parse-input.js';
import { search } from '../../app/search.js';
import type { DocumentHit, ScoredChunk } from '../../core/search-types.js';
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
    k: shape.k.describe('Number of results (default 10): distinct documents, or chunks with group "chunks".'),
    group: shape.group.describe('documents (default): k distinct documents, each with its best passages; chunks: the k best chunks (several may come from one document).'),
    passages: shape.passages.describe('Best passages per document (default 3).'),
    minScore: shape.minScore.describe('Drop results scoring below this.'),
    filter: searchFilterSchema
      .optional()
      .describe('Narrow the search: pathPrefix (e.g. a pathPrefix from list_sources), pathGlob, language, fileType, tags, modifiedAfter, modifiedBefore.'),
  });

const nullableNumber = z.number().nullable();

export const searchPassageSchema = z.object({
  chunk_id: z.number().int(),
  ordinal: nullableNumber.describe('Position of the chunk in its document (get_document fromChunk).'),
  score: z.number(),
  heading_path: z.array(z.string()),
  anchor: z.string().nullable(),
  snippet: z.string(),
  text: z.string().describe('The whole chunk.'),
  line_start: nullableNumber,
  line_end: nullableNumber,
  page_start: nullableNumber,
  page_end: nullableNumber,
});

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
  passages: z.array(searchPassageSchema).optional().describe('With group "documents": the document\'s best passages, best first (the first is the chunk this hit shows).'),
});

export const searchToolOutputSchema = z.object({
  query: z.string(),
  collection: z.string(),
  mode: z.enum(['lexical', 'dense', 'hybrid']),
  group: z.enum(['documents', 'chunks']),
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
  };
}

function passageJson(chunk: ScoredChunk): z.infer<typeof searchPassageSchema> {
  return {
    chunk_id: chunk.chunkId,
    ordinal: chunk.ordinal ?? null,
    score: chunk.score,
    heading_path: chunk.headingPath,
    anchor: chunk.anchor ?? null,
    snippet: chunk.snippet,
    text: chunk.text,
    line_start: chunk.lineStart ?? null,
    line_end: chunk.lineEnd ?? null,
    page_start: chunk.pageStart ?? null,
    page_end: chunk.pageEnd ?? null,
  };
}

/** A document hit: its best passage's fields, and every passage kept. */
export function documentHitJson(document: DocumentHit, rank: number): z.infer<typeof searchHitSchema> {
  return { ...searchHitJson(document.passages[0] as ScoredChunk, rank), passages: document.passages.map(passageJson) };
}

export function registerSearchTool(server: McpServer, context: McpToolContext): void {
  server.registerTool(
    'search',
    {
      title: 'Search the knowledge base',
      description:
        `The k best distinct documents of the ingested documents and code for a query, each with its source URI, title and best passages (heading path, snippet, text); ` +
        `group "chunks" returns raw ranked passages instead. ` +
        `Use list_sources to see what the collection holds and narrow with filter.pathPrefix; open a hit with get_document. Default collection: "${context.defaultCollection}".`,
      inputSchema: searchToolInputSchema,
      outputSchema: searchToolOutputSchema,
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    (args, extra) =>
      runTool(async () => {
        const input = parseInput(searchInputSchema, { ...args, collection: args.collection ?? context.defaultCollection });
        const response = await search(context.app, { ...input, signal: extra.signal, origin: context.origin });
        const results = response.documents
          ? response.documents.map((document, i) => documentHitJson(document, i + 1))
          : response.results.map((result, i) => searchHitJson(result, i + 1));
        const structured = { query: input.query, collection: response.collection, mode: response.mode, group: response.group, results, totalMs: response.timings.totalMs, notices: response.notices };
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
    if (hit.passages) {
      lines.push(`[${hit.rank}] ${hit.title} (score ${hit.score.toFixed(3)})`, `    ${hit.source_uri} · document ${hit.document_id}`);
      for (const passage of hit.passages) {
        const at = [
          passage.heading_path.length > 0 ? passage.heading_path.join(' › ') : undefined,
          passage.ordinal !== null ? `chunk ${passage.ordinal}` : undefined,
          passage.line_start !== null ? `lines ${passage.line_start}-${passage.line_end ?? passage.line_start}` : undefined,
          passage.page_start !== null ? `p. ${passage.page_start}` : undefined,
        ].filter(Boolean);
        lines.push(`    · ${at.join(', ')} (score ${passage.score.toFixed(3)})`, `      ${clip(passage.text, hit.passages.length > 1 ? 300 : 400)}`);
      }
      continue;
    }
    lines.push(
      `[${hit.rank}] ${hit.title}${hit.heading_path.length > 0 ? ` — ${hit.heading_path.join(' › ')}` : ''} (score ${hit.score.toFixed(3)})`,
      `    ${hit.source_uri} · ${where.join(', ')}`,
      `    ${clip(hit.text, 400)}`,
    );
  }
  for (const notice of output.notices) lines.push(`Note: ${notice}`);
  return lines.join('\n');
}
