import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { getDocument, getDocumentInputSchema, type DocumentPageOfChunks } from '../../app/get-document.js';
import { parseInput } from '../../app/parse-input.js';
import { runTool, toolSuccess, type McpToolContext } from '../tool-result.js';

const shape = getDocumentInputSchema.shape;

export const getDocumentToolInputSchema = getDocumentInputSchema.partial({ collection: true }).extend({
  collection: shape.collection.optional().describe('Collection of the document; default: the server default.'),
  document: shape.document.describe('Document id (document_id of a search hit), source URI, or path relative to its source root.'),
  fromChunk: shape.fromChunk.describe('First chunk to return (0-based); pass nextChunk of the previous call to page on.'),
  maxChunks: shape.maxChunks.describe('Most chunks to return (default 20, at most 200).'),
});

const optionalNumber = z.number().nullable();

export const documentOutputSchema = z.object({
  id: z.number().int(),
  collection: z.string(),
  uri: z.string(),
  relativePath: z.string(),
  title: z.string(),
  format: z.string(),
  language: z.string().nullable(),
  tags: z.array(z.string()),
  sizeBytes: z.number(),
  modifiedAt: z.string(),
  ingestedAt: z.string(),
  gitRepository: z.string().nullable(),
  gitCommit: z.string().nullable(),
  chunkCount: z.number().int(),
});

export const getDocumentToolOutputSchema = z.object({
  document: documentOutputSchema,
  totalChunks: z.number().int(),
  fromChunk: z.number().int(),
  nextChunk: z.number().int().nullable().describe('fromChunk of the next page; null after the last chunk.'),
  chunks: z.array(
    z.object({
      ordinal: z.number().int(),
      id: z.number().int(),
      headingPath: z.array(z.string()),
      lineStart: optionalNumber,
      lineEnd: optionalNumber,
      pageStart: optionalNumber,
      pageEnd: optionalNumber,
      text: z.string(),
    }),
  ),
});

export type GetDocumentToolOutput = z.infer<typeof getDocumentToolOutputSchema>;

/** The structured form of a page of a document, shared by the tool and the document resources. */
export function documentPageJson(page: DocumentPageOfChunks): GetDocumentToolOutput {
  const d = page.document;
  return {
    document: {
      id: d.id,
      collection: d.collection,
      uri: d.uri,
      relativePath: d.relativePath,
      title: d.title,
      format: d.format,
      language: d.language ?? null,
      tags: d.tags,
      sizeBytes: d.sizeBytes,
      modifiedAt: new Date(d.modifiedMs).toISOString(),
      ingestedAt: d.ingestedAt,
      gitRepository: d.gitRepository ?? null,
      gitCommit: d.gitCommit ?? null,
      chunkCount: d.chunkCount,
    },
    totalChunks: page.totalChunks,
    fromChunk: page.fromChunk,
    nextChunk: page.nextChunk,
    chunks: page.chunks.map((c) => ({
      ordinal: c.ordinal,
      id: c.id,
      headingPath: c.headingPath,
      lineStart: c.lineStart ?? null,
      lineEnd: c.lineEnd ?? null,
      pageStart: c.pageStart ?? null,
      pageEnd: c.pageEnd ?? null,
      text: c.text,
    })),
  };
}

/** Markdown-ish text of a page: a header line, then the chunks in order (consecutive chunks overlap by a few tokens). */
export function renderDocumentPage(page: GetDocumentToolOutput): string {
  const d = page.document;
  const last = page.fromChunk + page.chunks.length - 1;
  const range = page.chunks.length === 0 ? 'no chunks in this range' : `chunks ${page.fromChunk}-${last} of ${page.totalChunks}`;
  const lines = [`# ${d.title}`, `${d.uri} · document ${d.id} in ${d.collection} · ${range}`, ''];
  let heading = '';
  for (const chunk of page.chunks) {
    const path = chunk.headingPath.join(' › ');
    if (path && path !== heading) lines.push(`## ${path}`);
    heading = path;
    lines.push(chunk.text, '');
  }
  if (page.nextChunk !== null) lines.push(`(more: call get_document with fromChunk ${page.nextChunk})`);
  return lines.join('\n').trimEnd();
}

export function registerGetDocumentTool(server: McpServer, context: McpToolContext): void {
  server.registerTool(
    'get_document',
    {
      title: 'Open a document',
      description: 'A document of the knowledge base by id (document_id of a search hit) or source URI, with a page of its chunks in order; page on with fromChunk = nextChunk.',
      inputSchema: getDocumentToolInputSchema,
      outputSchema: getDocumentToolOutputSchema,
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    (args) =>
      runTool(async () => {
        const input = parseInput(getDocumentInputSchema, { ...args, collection: args.collection ?? context.defaultCollection });
        const page = documentPageJson(await getDocument(context.app, input));
        return toolSuccess(page, renderDocumentPage(page));
      }),
  );
}
