import type { AnswerPart, RetrievalSummary } from '../../core/answer-types.js';
import type { AnalyticsKind, AnalyticsSurface } from '../../stores/analytics-store.js';
import type { CairnApp } from '../cairn-app.js';

/**
 * Who asked, given by the edge that called a use case. Only calls with an origin are recorded:
 * internal searches (the scaling benchmark, warm-up, evaluation) pass none.
 */
export interface AnalyticsOrigin {
  surface: AnalyticsSurface;
  /** The API key that asked (HTTP, MCP over HTTP); absent for the CLI and MCP over stdio. */
  keyId?: string;
}

export interface RecordedSearch {
  kind: AnalyticsKind;
  collection: string;
  query: string;
  retrieval: RetrievalSummary;
  latencyMs: number;
}

export function recordSearchEvent(app: CairnApp, origin: AnalyticsOrigin | undefined, search: RecordedSearch): void {
  if (!origin || !app.analytics?.enabled) return;
  app.analytics.record({
    kind: search.kind,
    surface: origin.surface,
    collection: search.collection,
    query: search.query,
    mode: search.retrieval.mode,
    resultCount: search.retrieval.resultCount,
    topScore: search.retrieval.topScore,
    latencyMs: search.latencyMs,
    keyId: origin.keyId ?? null,
  });
}

/**
 * Passes an answer's parts through and records it once it ends: with the retrieval of its `sources`
 * part, and the answer's total time (or the time until it failed or the consumer stopped). An answer
 * that failed before its sources (unknown collection, bad filter) searched nothing and is not recorded.
 */
export async function* withAnswerAnalytics(
  app: CairnApp,
  origin: AnalyticsOrigin | undefined,
  answer: { kind: AnalyticsKind; collection: string; query: string },
  parts: AsyncIterable<AnswerPart>,
): AsyncGenerator<AnswerPart, void, undefined> {
  if (!origin || !app.analytics?.enabled) {
    yield* parts;
    return;
  }
  const started = performance.now();
  let retrieval: RetrievalSummary | undefined;
  let totalMs: number | undefined;
  try {
    for await (const part of parts) {
      if (part.type === 'sources') retrieval = part.retrieval;
      else if (part.type === 'finish') totalMs = part.timings.totalMs;
      yield part;
    }
  } finally {
    if (retrieval) recordSearchEvent(app, origin, { ...answer, retrieval, latencyMs: totalMs ?? performance.now() - started });
  }
}
