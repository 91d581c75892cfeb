import { z } from 'zod';
import { collectionJsonSchema } from '../app/render/collection-json.js';
import { askInputSchema, collectionNameSchema, searchInputSchema } from '../app/input-schemas.js';

/**
 * HTTP-only shapes: query strings (strings, coerced) and response bodies. Request bodies reuse the
 * use-case schemas of src/app/input-schemas.ts; query strings are turned into those inputs and
 * validated again there by `parseInput`.
 */

export const problemSchema = z
  .looseObject({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    hint: z.string().optional(),
    instance: z.string().optional(),
    issues: z.unknown().optional(),
    existing: z.array(z.string()).optional().describe('COLLECTION_NOT_FOUND: the collections that exist'),
    suggestion: z.string().optional().describe('COLLECTION_NOT_FOUND: the existing collection the name most likely meant'),
  })
  .describe('application/problem+json (RFC 9457) with Cairn error code and hint');

/** Success schema plus problem documents for client and server errors. */
export function withProblems<T extends z.ZodType>(ok: T, status: 200 | 201 | 204 = 200) {
  return { [status]: ok, '4xx': problemSchema, '5xx': problemSchema } as Record<200 | 201, T> & { '4xx': typeof problemSchema; '5xx': typeof problemSchema };
}

/** The response of a route that answers 204 with no body. */
export const noContentSchema = z.null().describe('No content');

const stringOrList = z.union([z.string().min(1), z.array(z.string().min(1))]);

export const searchQuerySchema = z
  .object({
    q: z.string().describe('the query'),
    collection: collectionNameSchema.optional(),
    mode: z.enum(['lexical', 'dense', 'hybrid']).optional(),
    k: z.coerce.number().int().min(1).max(1000).optional(),
    min_score: z.coerce.number().optional(),
    path: z.string().min(1).optional().describe('path prefix'),
    glob: z.string().min(1).optional().describe('path glob, e.g. src/**/*.ts'),
    lang: stringOrList.optional().describe('code language (repeatable)'),
    type: stringOrList.optional().describe('file type or format (repeatable)'),
    tag: stringOrList.optional().describe('tag (repeatable; all must match)'),
    after: z.string().optional().describe('modified on or after (ISO date)'),
    before: z.string().optional().describe('modified on or before (ISO date)'),
    group: z.enum(['documents', 'chunks']).optional().describe('documents (default): k distinct documents with their best passages; chunks: the k best chunks'),
    passages: z.coerce.number().int().min(1).max(20).optional().describe('passages per document (default 3)'),
    collapse: z.enum(['true', 'false']).optional().describe('true: one result per near-duplicate cluster, the others in also_in (default search.collapseDuplicates, true)'),
  })
  .strict();

export const searchBodySchema = searchInputSchema.partial({ collection: true });

const looseNumber = z.number().nullish();
const looseString = z.string().nullish();

const searchPassageSchema = z.object({
  chunk_id: z.number(),
  ordinal: z.number().nullable().describe('Position of the chunk in its document (0-based).'),
  score: z.number(),
  scores: z.record(z.string(), z.unknown()),
  heading_path: z.array(z.string()),
  anchor: looseString,
  snippet: z.string(),
  highlights: z.array(z.tuple([z.number().int(), z.number().int()])),
  text: z.string(),
  page_start: looseNumber,
  page_end: looseNumber,
  line_start: looseNumber,
  line_end: looseNumber,
});

export const searchResultSchema = z.object({
  source_uri: z.string(),
  title: z.string(),
  text: z.string(),
  score: z.number(),
  scores: z.record(z.string(), z.unknown()),
  snippet: z.string().describe('Plain-text excerpt around the matching words (no markup).'),
  highlights: z.array(z.tuple([z.number().int(), z.number().int()])).describe('The matching words of `snippet`: [start, end) offsets in UTF-16 code units (JavaScript string indexes), sorted.'),
  heading_path: z.array(z.string()),
  anchor: looseString.describe('Fragment of the cited section (`source_uri#anchor`), when the source states heading ids.'),
  relative_path: z.string(),
  format: z.string(),
  language: looseString,
  page_start: looseNumber,
  page_end: looseNumber,
  line_start: looseNumber,
  line_end: looseNumber,
  chunk_id: z.number(),
  document_id: z.number(),
  collection: z.string(),
  git_commit: looseString,
  passages: z.array(searchPassageSchema).optional().describe('With group=documents: the document\'s best passages, best first (the first is the chunk whose fields the result carries).'),
  also_in: z.array(z.string()).optional().describe('Paths of near-duplicate documents collapsed into this result.'),
});

export const searchResponseSchema = z.object({
  query: z.string(),
  collection: z.string(),
  mode: z.enum(['lexical', 'dense', 'hybrid']),
  group: z.enum(['documents', 'chunks']).describe('documents: one result per document, with passages; chunks: one result per chunk'),
  /** Milliseconds per stage; stages that did not run are absent. `denseMs` includes the query embedding (`embedMs`). */
  timings: z.object({
    lexicalMs: z.number().optional(),
    embedMs: z.number().optional(),
    denseMs: z.number().optional(),
    fusionMs: z.number(),
    rerankMs: z.number().optional(),
    hydrateMs: z.number(),
    totalMs: z.number(),
  }),
  notices: z.array(z.string()),
  results: z.array(searchResultSchema),
});

/** `stream` (default true) chooses Server-Sent Events or one JSON object; it may also come in the query string. */
export const askBodySchema = askInputSchema.partial({ collection: true }).extend({ stream: z.boolean().optional() });
export const askQuerySchema = z.object({ stream: z.enum(['true', 'false']).optional() }).strict();

export const collectionSchema = collectionJsonSchema;

export const collectionParamsSchema = z.object({ name: collectionNameSchema });
export const documentParamsSchema = z.object({ name: collectionNameSchema, id: z.string().min(1).describe('document id, source URI or relative path') });

export const documentSchema = z.object({
  id: z.number(),
  collection: z.string(),
  uri: z.string(),
  relativePath: z.string(),
  sourceRoot: z.string(),
  title: z.string(),
  format: z.string(),
  language: z.string().optional(),
  contentHash: z.string(),
  sizeBytes: z.number(),
  modifiedMs: z.number(),
  tags: z.array(z.string()),
  metadata: z.record(z.string(), z.unknown()),
  gitRepository: z.string().optional(),
  gitCommit: z.string().optional(),
  chunkCount: z.number(),
  ingestedAt: z.string(),
});

export const chunkSchema = z.object({
  id: z.number(),
  documentId: z.number(),
  ordinal: z.number(),
  text: z.string(),
  headingPath: z.array(z.string()),
  anchor: z.string().optional(),
  pageStart: z.number().optional(),
  pageEnd: z.number().optional(),
  lineStart: z.number().optional(),
  lineEnd: z.number().optional(),
  tokenCount: z.number(),
  contentHash: z.string(),
});

export const documentListQuerySchema = z
  .object({
    q: z.string().min(1).max(1000).optional().describe('case-insensitive substring of the path or title'),
    sort: z.enum(['path', 'title', 'modified', 'ingested', 'chunks']).optional(),
    order: z.enum(['asc', 'desc']).optional(),
    limit: z.coerce.number().int().min(1).max(500).optional(),
    offset: z.coerce.number().int().min(0).optional(),
  })
  .strict();

export const citationSchema = z.object({
  n: z.number(),
  kind: z.enum(['chunk', 'memory', 'turn']),
  source_uri: z.string(),
  title: z.string(),
  heading_path: z.array(z.string()),
  anchor: z.string().nullable().describe('Fragment of the cited section (`source_uri#anchor`), when the source states heading ids.'),
  page_start: z.number().nullable(),
  page_end: z.number().nullable(),
  line_start: z.number().nullable(),
  line_end: z.number().nullable(),
  chunk_ids: z.array(z.number()),
  document_id: z.number().nullable(),
  score: z.number(),
  text: z.string(),
});

export const askResponseSchema = z.object({
  question: z.string(),
  collection: z.string(),
  answer: z.string(),
  extractive: z.boolean(),
  citations: z.array(citationSchema),
  sources: z.array(citationSchema),
  model: z.string().nullable(),
  endpoint: z.string().nullable(),
  finish_reason: z.string(),
  notices: z.array(z.string()),
  timings: z.object({
    retrieval_ms: z.number(),
    rerank_ms: z.number(),
    context_ms: z.number(),
    preparation_ms: z.number(),
    ttft_ms: z.number().nullable(),
    decode_ms: z.number().nullable(),
    tokens_per_second: z.number().nullable(),
    prompt_tokens: z.number().nullable(),
    completion_tokens: z.number().nullable(),
    total_ms: z.number(),
  }),
});
