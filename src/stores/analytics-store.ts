import type { SearchMode } from '../core/search-types.js';
import type { RecordTransfer } from './record-transfer.js';

/** What ran: a search, a one-shot answer, or a turn of a conversation (chat sessions, OpenAI-compatible completions). */
export const ANALYTICS_KINDS = ['search', 'ask', 'chat'] as const;
export type AnalyticsKind = (typeof ANALYTICS_KINDS)[number];

/** Where the request came from: the HTTP API, the web UI (over HTTP), MCP, the CLI, the OpenAI-compatible routes. */
export const ANALYTICS_SURFACES = ['http', 'ui', 'mcp', 'cli', 'openai'] as const;
export type AnalyticsSurface = (typeof ANALYTICS_SURFACES)[number];

/** Longest query text stored, in characters (queries may be up to 4,000; the rest is cut). */
export const ANALYTICS_QUERY_MAX_CHARS = 500;

/** One recorded search or answer. Times are ISO 8601 (UTC). */
export interface SearchEvent {
  at: string;
  kind: AnalyticsKind;
  surface: AnalyticsSurface;
  collection: string;
  /** What was searched: the query, the question, or a chat follow-up rewritten to stand alone. */
  query: string;
  /** The mode that actually ran (hybrid and dense fall back to lexical without vectors). */
  mode: SearchMode;
  /** Retrieved results (before an answer's context budget cut them). */
  resultCount: number;
  /**
   * The best match's score on the mode's own absolute scale (see topMatchScore): BM25 for lexical,
   * cosine similarity for dense and hybrid; null without results (or without a dense score).
   */
  topScore: number | null;
  /** Whole operation, in milliseconds (an answer's includes generation). */
  latencyMs: number;
  /** The API key that asked; null for the CLI and MCP over stdio. */
  keyId: string | null;
}

export interface AnalyticsQuery {
  /** Events at or after `since` and before `until` (ISO 8601). */
  since: string;
  until: string;
  collection?: string;
  /** Rows per list at most (per mode for the low-score list). */
  limit: number;
}

export interface QueryCount {
  /** The grouped text: see analyticsQueryKey. */
  query: string;
  count: number;
  /** Mean result count over the group. */
  avgResults: number;
  lastAt: string;
}

export interface LowScoreQuery {
  query: string;
  mode: SearchMode;
  count: number;
  avgTopScore: number;
  lastAt: string;
}

export interface LatencyPercentiles {
  kind: AnalyticsKind;
  mode: SearchMode;
  count: number;
  /** Nearest-rank percentiles, milliseconds. */
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

export interface AnalyticsSummary {
  total: number;
  zeroResults: number;
  /** Only days with events, oldest first; `day` is the UTC date `YYYY-MM-DD`. */
  perDay: { day: string; count: number; zeroResults: number }[];
  /** Most frequent first (ties: most recent first). */
  topQueries: QueryCount[];
  /** Queries that found nothing, most frequent first. */
  zeroResultQueries: QueryCount[];
  /**
   * Queries with results whose best match scored lowest, grouped by query and mode, lowest mean top
   * score first within each mode (modes in the order lexical, dense, hybrid); at most `limit` per mode.
   * Scores compare only within a mode.
   */
  lowScoreQueries: LowScoreQuery[];
  /** Per kind and mode (sorted by kind, then mode). */
  latency: LatencyPercentiles[];
  /** Most used first. */
  surfaces: { surface: AnalyticsSurface; count: number }[];
  /** The API keys that asked most, most first (ties: keys by id, then null), at most `limit`; null is the CLI and MCP over stdio. */
  keys: { keyId: string | null; count: number }[];
}

/**
 * A stored event as `cairn db copy` moves it: `id` is the store's (kept by the import, so a rerun adds
 * nothing twice) and `query` the grouped text (analyticsQueryKey), which is all a store keeps.
 */
export interface ExportedSearchEvent extends SearchEvent {
  id: number;
}

/**
 * Append-only log of searches and answers for the analytics report. Small on purpose: a PostgreSQL
 * implementation adds the same three methods. Grouping of query text is by analyticsQueryKey.
 * Records: ExportedSearchEvent in id order; counted as `searchEvents`.
 */
export interface AnalyticsStore extends RecordTransfer<ExportedSearchEvent> {
  /** Stores the events in one write (the caller batches). */
  append(events: readonly SearchEvent[]): Promise<void>;
  summarize(query: AnalyticsQuery): Promise<AnalyticsSummary>;
  /** Deletes events before `before` (ISO 8601); answers how many. */
  prune(before: string): Promise<number>;
}

/** The text queries are grouped by: lower case, whitespace collapsed and trimmed, cut to ANALYTICS_QUERY_MAX_CHARS. */
export function analyticsQueryKey(query: string): string {
  return query.replace(/\s+/g, ' ').trim().toLowerCase().slice(0, ANALYTICS_QUERY_MAX_CHARS);
}
