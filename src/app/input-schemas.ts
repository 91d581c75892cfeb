import { z } from 'zod';

/**
 * One zod schema per use-case input, shared by every edge (CLI flags now; HTTP routes and MCP tools
 * later). Types come from z.infer.
 */
export const collectionNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'use 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit');

const isoDate = z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'expected an ISO-8601 date such as 2026-01-31');

export const searchFilterSchema = z
  .object({
    pathPrefix: z.string().min(1).optional(),
    pathGlob: z.string().min(1).optional(),
    language: z.array(z.string().min(1)).optional(),
    fileType: z.array(z.string().min(1)).optional(),
    tags: z.array(z.string().min(1)).optional(),
    modifiedAfter: isoDate.optional(),
    modifiedBefore: isoDate.optional(),
  })
  .strict();

export const searchInputSchema = z
  .object({
    collection: collectionNameSchema,
    query: z.string().trim().min(1, 'the query is empty').max(4000),
    mode: z.enum(['lexical', 'dense', 'hybrid']).optional(),
    k: z.number().int().min(1).max(1000).optional(),
    minScore: z.number().optional(),
    filter: searchFilterSchema.optional(),
    embedder: z.string().min(1).optional(),
    /** Reorder the top candidates with the configured reranker (default false). */
    rerank: z.boolean().optional(),
    /** Candidates the reranker reorders (default `rerank.candidates`). */
    rerankDepth: z.number().int().min(1).max(1000).optional(),
    /** `documents` (default): k distinct documents with their best passages; `chunks`: the k best chunks. */
    group: z.enum(['documents', 'chunks']).optional(),
    /** Passages per document when grouping by documents (default 3). */
    passages: z.number().int().min(1).max(20).optional(),
    /** One result per near-duplicate cluster, the others in `also_in` (default `search.collapseDuplicates`). */
    collapseDuplicates: z.boolean().optional(),
  })
  .strict();

export const askInputSchema = z
  .object({
    collection: collectionNameSchema,
    question: z.string().trim().min(1, 'the question is empty').max(4000),
    /** Chunks retrieved before reranking; default config answer.retrieveK. */
    k: z.number().int().min(1).max(1000).optional(),
    mode: z.enum(['lexical', 'dense', 'hybrid']).optional(),
    filter: searchFilterSchema.optional(),
    /** false skips the reranker (`--no-rerank`). */
    rerank: z.boolean().default(true),
    /** Memories scoped to this user are considered besides the unscoped ones. */
    userId: z.string().trim().min(1).max(200).optional(),
  })
  .strict();

/** How a crawl runs, as a caller may ask (over `crawl.*` of the configuration); shared by the CLI, the HTTP job and the MCP tool. */
export const crawlOptionsSchema = z
  .object({
    /** Pages requested at most (the start page included). */
    maxPages: z.number().int().min(1).max(1_000_000).optional(),
    /** Link hops from the start page (when no sitemap lists the pages). */
    maxDepth: z.number().int().min(0).max(100).optional(),
    /** URL prefix (a directory) pages must lie in, or a path on the start page's site; default the start page's directory. */
    scope: z.string().trim().min(1).max(2048).optional(),
    /** Globs over the URL path (`/guide/**`): pages must match one include (when given) and no exclude. */
    include: z.array(z.string().trim().min(1).max(500)).max(100).optional(),
    exclude: z.array(z.string().trim().min(1).max(500)).max(100).optional(),
    /** false: follow links even when the site has a sitemap. */
    sitemap: z.boolean().optional(),
  })
  .strict();

export type CrawlOptions = z.infer<typeof crawlOptionsSchema>;

export const ingestInputSchema = z
  .object({
    collection: collectionNameSchema,
    sources: z.array(z.string().min(1)).min(1, 'name at least one file, directory or git URL'),
    prune: z.boolean().optional(),
    tags: z.array(z.string().min(1)).optional(),
    force: z.boolean().optional(),
    embedder: z.string().min(1).optional(),
    chunkSize: z.number().int().min(16).max(8192).optional(),
    chunkOverlap: z.number().int().min(0).max(4096).optional(),
    /** http(s) sources are web sites to crawl (`--crawl`); the CLI may also set the pace. */
    crawl: crawlOptionsSchema
      .extend({
        concurrency: z.number().int().min(1).max(16).optional(),
        delayMs: z.number().int().min(0).max(60_000).optional(),
      })
      .optional(),
    /** Also ingest files whose symbolic links lead out of the folder being ingested (default: skipped and reported). */
    followSymlinks: z.boolean().optional(),
  })
  .strict();

export const beirEvalInputSchema = z
  .object({
    dir: z.string().min(1),
    mode: z.enum(['lexical', 'dense', 'hybrid']).default('lexical'),
    split: z.string().min(1).default('test'),
    embedder: z.string().min(1).optional(),
    /** Fixed fusion with this lexical weight; without it, the configured fusion. */
    lexicalWeight: z.number().min(0).max(1).optional(),
    fusion: z.enum(['adaptive', 'fixed']).optional(),
    limitQueries: z.number().int().positive().optional(),
    /** Rerank each query's top `rerankDepth` chunks with the configured reranker; evaluation fails when it cannot be had. */
    rerank: z.boolean().default(false),
    /** Chunks reranked per query (default `rerank.candidates`). */
    rerankDepth: z.number().int().min(1).max(1000).optional(),
    /** Write per-query metrics here (JSON) and the ranked documents beside it (`.trec`). */
    perQuery: z.string().min(1).optional(),
    /** Documents per query, as `cairn search -k` (default 10): nDCG@10 and MRR@10 are those of this list. */
    k: z.number().int().min(1).max(100).default(10),
  })
  .strict();

/** `cairn eval folder`: files ingested through the normal ingest, BEIR queries and qrels keyed by file path. */
export const folderEvalInputSchema = beirEvalInputSchema.omit({ dir: true, split: true }).extend({
  dir: z.string().min(1),
  queries: z.string().min(1),
  qrels: z.string().min(1),
});

export type SearchInputParsed = z.infer<typeof searchInputSchema>;
export type AskInput = z.infer<typeof askInputSchema>;
export type IngestInputParsed = z.infer<typeof ingestInputSchema>;
export type BeirEvalInput = z.infer<typeof beirEvalInputSchema>;
export type FolderEvalInput = z.infer<typeof folderEvalInputSchema>;

export const createCollectionInputSchema = z
  .object({
    name: collectionNameSchema,
    /** Embedder of the new collection; default the configured one. */
    embedder: z.string().min(1).optional(),
    chunkSize: z.number().int().min(16).max(8192).optional(),
    chunkOverlap: z.number().int().min(0).max(4096).optional(),
  })
  .strict();

export const documentListInputSchema = z
  .object({
    collection: collectionNameSchema,
    /** Case-insensitive substring of the relative path or title. */
    text: z.string().min(1).max(1000).optional(),
    sort: z.enum(['path', 'title', 'modified', 'ingested', 'chunks']).default('path'),
    order: z.enum(['asc', 'desc']).default('asc'),
    limit: z.number().int().min(1).max(500).default(50),
    offset: z.number().int().min(0).default(0),
  })
  .strict();

export type CreateCollectionInput = z.infer<typeof createCollectionInputSchema>;
export type DocumentListInput = z.infer<typeof documentListInputSchema>;
