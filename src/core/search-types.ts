/** Retrieval arms. `hybrid` fuses lexical and dense. */
export type SearchMode = 'lexical' | 'dense' | 'hybrid';

/** Metadata filters shared by every search edge (CLI flags, HTTP query, MCP tool input). */
export interface SearchFilter {
  /** Keep chunks whose document's relative path starts with this prefix (`docs/guide/`). */
  pathPrefix?: string;
  /** Keep chunks whose document's relative path matches this glob (`**\/*.md`, `src/*.ts`). */
  pathGlob?: string;
  /** Programming language of code files (`typescript`). */
  language?: string[];
  /** Document format (`pdf`, `markdown`, `code`) or file extension (`md`, `ts`). */
  fileType?: string[];
  /** Every listed tag must be present on the document (front matter `tags`, or ingest `--tag`). */
  tags?: string[];
  /** Document modification time range, ISO-8601 dates or date-times, inclusive. */
  modifiedAfter?: string;
  modifiedBefore?: string;
}

/** What one arm said about a result: its 1-based rank in that arm and its raw score. */
export interface ArmScore {
  rank: number;
  score: number;
}

/** A retrieved chunk with everything a caller needs to show and cite it. */
export interface ScoredChunk {
  chunkId: number;
  documentId: number;
  collection: string;
  sourceUri: string;
  relativePath: string;
  title: string;
  format: string;
  language?: string;
  text: string;
  headingPath: string[];
  /** Fragment of the innermost heading of `headingPath` that has one, for a deep link (`sourceUri#anchor`). */
  anchor?: string;
  /** Position of the chunk in its document (0-based); consecutive ordinals are adjacent chunks. */
  ordinal?: number;
  pageStart?: number;
  pageEnd?: number;
  lineStart?: number;
  lineEnd?: number;
  /** Final score after fusion (higher is better; comparable within one result list only). */
  score: number;
  /** Per-arm rank and score; `rerank` when a reranker ordered the list (the search use case with `rerank`). */
  scores: { lexical?: ArmScore; dense?: ArmScore; rerank?: ArmScore };
  /** Short excerpt around the matching terms, plain text (see retrieve/snippet.ts). */
  snippet: string;
  /** The matching words of `snippet`: `[start, end)` offsets in UTF-16 code units, sorted, non-overlapping. */
  highlights: Array<[start: number, end: number]>;
  gitCommit?: string;
}

/** What a search returns: distinct documents with their best passages (the default), or the raw ranked chunks. */
export type ResultGrouping = 'documents' | 'chunks';

/**
 * A retrieved document: its best passages (chunks), best first. Its rank and `score` are those of its
 * best passage (max chunk score; see docs/decisions/0036-document-results.md).
 */
export interface DocumentHit {
  documentId: number;
  collection: string;
  sourceUri: string;
  relativePath: string;
  title: string;
  format: string;
  language?: string;
  gitCommit?: string;
  score: number;
  /** At least one; `passages[0]` is the chunk that ranked the document. */
  passages: ScoredChunk[];
}
