import type { Database, Statement } from 'better-sqlite3';
import type { SearchMode } from '../../core/search-types.js';
import {
  analyticsQueryKey,
  type AnalyticsKind,
  type AnalyticsQuery,
  type AnalyticsStore,
  type AnalyticsSummary,
  type AnalyticsSurface,
  type ExportedSearchEvent,
  type SearchEvent,
} from '../analytics-store.js';
import type { RecordPage } from '../record-transfer.js';

const MODE_ORDER: Record<SearchMode, number> = { lexical: 0, dense: 1, hybrid: 2 };

interface GroupRow {
  query_key: string;
  count: number;
  avg_results: number;
  last_ms: number;
}

/**
 * AnalyticsStore in the `search_events` table of the embedded database. Every report query reads
 * the window through the `(at_ms)` or `(collection, at_ms)` index; percentiles are nearest-rank,
 * from window functions (SQLite has no percentile aggregate).
 */
export class SqliteAnalyticsStore implements AnalyticsStore {
  readonly #db: Database;
  #insert: Statement | undefined;

  constructor(db: Database) {
    this.#db = db;
  }

  async append(events: readonly SearchEvent[]): Promise<void> {
    if (events.length === 0) return;
    this.#insert ??= this.#db.prepare(
      `INSERT INTO search_events (at_ms, kind, surface, collection, query_key, mode, result_count, top_score, latency_ms, key_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insert = this.#insert;
    this.#db.transaction(() => {
      for (const event of events) {
        insert.run(
          Date.parse(event.at), event.kind, event.surface, event.collection, analyticsQueryKey(event.query), event.mode,
          event.resultCount, event.topScore, event.latencyMs, event.keyId,
        );
      }
    })();
  }

  async exportRecords(cursor: string | null, limit: number): Promise<RecordPage<ExportedSearchEvent>> {
    const rows = this.#db.prepare('SELECT * FROM search_events WHERE id > ? ORDER BY id LIMIT ?').all(cursor === null ? 0 : Number(cursor), limit) as EventRow[];
    const last = rows[rows.length - 1];
    return { items: rows.map(toExported), cursor: rows.length === limit && last ? String(last.id) : null };
  }

  async importRecords(records: readonly ExportedSearchEvent[]): Promise<number> {
    const insert = this.#db.prepare(
      `INSERT OR IGNORE INTO search_events (id, at_ms, kind, surface, collection, query_key, mode, result_count, top_score, latency_ms, key_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    return this.#db.transaction(() => {
      let added = 0;
      for (const event of records) {
        added += insert.run(
          event.id, Date.parse(event.at), event.kind, event.surface, event.collection, analyticsQueryKey(event.query), event.mode,
          event.resultCount, event.topScore, event.latencyMs, event.keyId,
        ).changes;
      }
      return added;
    })();
  }

  async countRecords(): Promise<Record<string, number>> {
    return { searchEvents: this.#db.prepare('SELECT count(*) FROM search_events').pluck().get() as number };
  }

  async prune(before: string): Promise<number> {
    return this.#db.prepare('DELETE FROM search_events WHERE at_ms < ?').run(Date.parse(before)).changes;
  }

  async summarize(query: AnalyticsQuery): Promise<AnalyticsSummary> {
    const where = `at_ms >= @since AND at_ms < @until${query.collection !== undefined ? ' AND collection = @collection' : ''}`;
    const params = { since: Date.parse(query.since), until: Date.parse(query.until), limit: query.limit, ...(query.collection !== undefined ? { collection: query.collection } : {}) };
    const all = <T>(sql: string): T[] => this.#db.prepare(sql).all(params) as T[];

    const totals = all<{ total: number; zero: number | null }>(`SELECT COUNT(*) AS total, SUM(result_count = 0) AS zero FROM search_events WHERE ${where}`)[0];
    const perDay = all<{ day: string; count: number; zero: number }>(
      `SELECT date(at_ms / 1000, 'unixepoch') AS day, COUNT(*) AS count, SUM(result_count = 0) AS zero
       FROM search_events WHERE ${where} GROUP BY day ORDER BY day`,
    );
    const grouped = (filter: string) =>
      all<GroupRow>(
        `SELECT query_key, COUNT(*) AS count, AVG(result_count) AS avg_results, MAX(at_ms) AS last_ms
         FROM search_events WHERE ${where}${filter} GROUP BY query_key ORDER BY count DESC, last_ms DESC, query_key LIMIT @limit`,
      ).map(queryCount);
    const lowScore = all<{ query_key: string; mode: SearchMode; count: number; avg_score: number; last_ms: number }>(
      `SELECT query_key, mode, count, avg_score, last_ms FROM (
         SELECT query_key, mode, count, avg_score, last_ms,
                ROW_NUMBER() OVER (PARTITION BY mode ORDER BY avg_score, count DESC, query_key) AS rank
         FROM (
           SELECT query_key, mode, COUNT(*) AS count, AVG(top_score) AS avg_score, MAX(at_ms) AS last_ms
           FROM search_events WHERE ${where} AND result_count > 0 AND top_score IS NOT NULL
           GROUP BY query_key, mode))
       WHERE rank <= @limit`,
    );
    lowScore.sort((a, b) => MODE_ORDER[a.mode] - MODE_ORDER[b.mode] || a.avg_score - b.avg_score || b.count - a.count || a.query_key.localeCompare(b.query_key));
    const latency = all<{ kind: AnalyticsKind; mode: SearchMode; count: number; p50: number; p95: number; p99: number }>(
      `SELECT kind, mode, MAX(n) AS count,
              MIN(CASE WHEN rn * 100 >= n * 50 THEN latency_ms END) AS p50,
              MIN(CASE WHEN rn * 100 >= n * 95 THEN latency_ms END) AS p95,
              MIN(CASE WHEN rn * 100 >= n * 99 THEN latency_ms END) AS p99
       FROM (
         SELECT kind, mode, latency_ms,
                ROW_NUMBER() OVER (PARTITION BY kind, mode ORDER BY latency_ms) AS rn,
                COUNT(*) OVER (PARTITION BY kind, mode) AS n
         FROM search_events WHERE ${where})
       GROUP BY kind, mode ORDER BY kind, mode`,
    );
    const surfaces = all<{ surface: AnalyticsSurface; count: number }>(
      `SELECT surface, COUNT(*) AS count FROM search_events WHERE ${where} GROUP BY surface ORDER BY count DESC, surface`,
    );
    const keys = all<{ key_id: string | null; count: number }>(
      `SELECT key_id, COUNT(*) AS count FROM search_events WHERE ${where} GROUP BY key_id ORDER BY count DESC, key_id IS NULL, key_id LIMIT @limit`,
    );
    return {
      total: totals?.total ?? 0,
      zeroResults: totals?.zero ?? 0,
      perDay: perDay.map((row) => ({ day: row.day, count: row.count, zeroResults: row.zero })),
      topQueries: grouped(''),
      zeroResultQueries: grouped(' AND result_count = 0'),
      lowScoreQueries: lowScore.map((row) => ({ query: row.query_key, mode: row.mode, count: row.count, avgTopScore: row.avg_score, lastAt: new Date(row.last_ms).toISOString() })),
      latency: latency.map((row) => ({ kind: row.kind, mode: row.mode, count: row.count, p50Ms: row.p50, p95Ms: row.p95, p99Ms: row.p99 })),
      surfaces,
      keys: keys.map((row) => ({ keyId: row.key_id, count: row.count })),
    };
  }
}

function queryCount(row: GroupRow) {
  return { query: row.query_key, count: row.count, avgResults: row.avg_results, lastAt: new Date(row.last_ms).toISOString() };
}

interface EventRow {
  id: number;
  at_ms: number;
  kind: AnalyticsKind;
  surface: AnalyticsSurface;
  collection: string;
  query_key: string;
  mode: SearchMode;
  result_count: number;
  top_score: number | null;
  latency_ms: number;
  key_id: string | null;
}

function toExported(row: EventRow): ExportedSearchEvent {
  return {
    id: row.id, at: new Date(row.at_ms).toISOString(), kind: row.kind, surface: row.surface, collection: row.collection, query: row.query_key,
    mode: row.mode, resultCount: row.result_count, topScore: row.top_score, latencyMs: row.latency_ms, keyId: row.key_id,
  };
}
