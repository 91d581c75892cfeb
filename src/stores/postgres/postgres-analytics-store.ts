import type pg from 'pg';
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
import { withAppTransaction } from './app-transaction.js';

const MODE_ORDER: Record<SearchMode, number> = { lexical: 0, dense: 1, hybrid: 2 };

interface EventRow {
  id: string;
  at_ms: string;
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

interface GroupRow {
  query_key: string;
  count: number;
  avg_results: number;
  last_ms: string;
}

const INSERT_COLUMNS = 'at_ms, kind, surface, collection, query_key, mode, result_count, top_score, latency_ms, key_id';

/** An event as a row of RECORDSET. */
function eventRow(event: SearchEvent) {
  return {
    at_ms: Date.parse(event.at), kind: event.kind, surface: event.surface, collection: event.collection, query_key: analyticsQueryKey(event.query),
    mode: event.mode, result_count: event.resultCount, top_score: event.topScore, latency_ms: event.latencyMs, key_id: event.keyId,
  };
}

const RECORDSET = `jsonb_to_recordset($1::jsonb) AS r(id bigint, at_ms bigint, kind text, surface text, collection text, query_key text, mode text,
  result_count integer, top_score double precision, latency_ms double precision, key_id text)`;

/**
 * AnalyticsStore in the `search_events` table (migration 55): the report is the SQLite store's, in
 * PostgreSQL's SQL (percentile_disc is the same nearest-rank percentile), text ties broken bytewise
 * (`COLLATE "C"`) as SQLite does.
 */
export class PostgresAnalyticsStore implements AnalyticsStore {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async append(events: readonly SearchEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.#pool.query(`INSERT INTO search_events (${INSERT_COLUMNS}) SELECT ${INSERT_COLUMNS} FROM ${RECORDSET}`, [JSON.stringify(events.map(eventRow))]);
  }

  async exportRecords(cursor: string | null, limit: number): Promise<RecordPage<ExportedSearchEvent>> {
    const { rows } = await this.#pool.query<EventRow>('SELECT * FROM search_events WHERE id > $1 ORDER BY id LIMIT $2', [cursor ?? '0', limit]);
    const last = rows[rows.length - 1];
    return { items: rows.map(toExported), cursor: rows.length === limit && last ? last.id : null };
  }

  async importRecords(records: readonly ExportedSearchEvent[]): Promise<number> {
    if (records.length === 0) return 0;
    const rows = JSON.stringify(records.map((event) => ({ id: event.id, ...eventRow(event) })));
    return withAppTransaction(this.#pool, async (client) => {
      const { rowCount } = await client.query(
        `INSERT INTO search_events (id, ${INSERT_COLUMNS}) SELECT id, ${INSERT_COLUMNS} FROM ${RECORDSET} ON CONFLICT (id) DO NOTHING`,
        [rows],
      );
      // Ids were given explicitly: the next appended event must come after them.
      await client.query("SELECT setval(pg_get_serial_sequence('search_events', 'id'), greatest((SELECT max(id) FROM search_events), 1))");
      return rowCount ?? 0;
    });
  }

  async countRecords(): Promise<Record<string, number>> {
    const { rows } = await this.#pool.query<{ n: number }>('SELECT count(*)::int AS n FROM search_events');
    return { searchEvents: rows[0]?.n ?? 0 };
  }

  async prune(before: string): Promise<number> {
    return (await this.#pool.query('DELETE FROM search_events WHERE at_ms < $1', [Date.parse(before)])).rowCount ?? 0;
  }

  async summarize(query: AnalyticsQuery): Promise<AnalyticsSummary> {
    const where = `at_ms >= $1 AND at_ms < $2${query.collection !== undefined ? ' AND collection = $3' : ''}`;
    const base: unknown[] = [Date.parse(query.since), Date.parse(query.until), ...(query.collection !== undefined ? [query.collection] : [])];
    /** Runs one report statement; `@limit` in it becomes the next parameter (PostgreSQL wants every parameter used). */
    const all = async <T extends object>(sql: string): Promise<T[]> => {
      const params = sql.includes('@limit') ? [...base, query.limit] : base;
      return (await this.#pool.query<T>(sql.replaceAll('@limit', `$${base.length + 1}`), params)).rows;
    };
    const limited = (sql: string) => `${sql} LIMIT @limit`;

    const [totals, perDay, top, zero, lowScore, latency, surfaces, keys] = await Promise.all([
      all<{ total: number; zero: number }>(`SELECT count(*)::int AS total, (count(*) FILTER (WHERE result_count = 0))::int AS zero FROM search_events WHERE ${where}`),
      all<{ day: string; count: number; zero: number }>(
        `SELECT to_char(to_timestamp(at_ms / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, count(*)::int AS count,
           (count(*) FILTER (WHERE result_count = 0))::int AS zero
         FROM search_events WHERE ${where} GROUP BY day ORDER BY day`,
      ),
      all<GroupRow>(limited(this.#grouped(where, ''))),
      all<GroupRow>(limited(this.#grouped(where, ' AND result_count = 0'))),
      all<{ query_key: string; mode: SearchMode; count: number; avg_score: number; last_ms: string }>(
        `SELECT query_key, mode, count, avg_score, last_ms FROM (
           SELECT query_key, mode, count, avg_score, last_ms,
                  row_number() OVER (PARTITION BY mode ORDER BY avg_score, count DESC, query_key COLLATE "C") AS rank
           FROM (
             SELECT query_key, mode, count(*)::int AS count, avg(top_score)::float8 AS avg_score, max(at_ms) AS last_ms
             FROM search_events WHERE ${where} AND result_count > 0 AND top_score IS NOT NULL
             GROUP BY query_key, mode) grouped) ranked
         WHERE rank <= @limit`,
      ),
      all<{ kind: AnalyticsKind; mode: SearchMode; count: number; p50: number; p95: number; p99: number }>(
        `SELECT kind, mode, count(*)::int AS count,
                percentile_disc(0.5) WITHIN GROUP (ORDER BY latency_ms) AS p50,
                percentile_disc(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95,
                percentile_disc(0.99) WITHIN GROUP (ORDER BY latency_ms) AS p99
         FROM search_events WHERE ${where} GROUP BY kind, mode ORDER BY kind COLLATE "C", mode COLLATE "C"`,
      ),
      all<{ surface: AnalyticsSurface; count: number }>(
        `SELECT surface, count(*)::int AS count FROM search_events WHERE ${where} GROUP BY surface ORDER BY count DESC, surface COLLATE "C"`,
      ),
      all<{ key_id: string | null; count: number }>(
        limited(`SELECT key_id, count(*)::int AS count FROM search_events WHERE ${where} GROUP BY key_id ORDER BY count DESC, key_id IS NULL, key_id COLLATE "C"`),
      ),
    ]);
    lowScore.sort((a, b) => MODE_ORDER[a.mode] - MODE_ORDER[b.mode] || a.avg_score - b.avg_score || b.count - a.count || (a.query_key < b.query_key ? -1 : a.query_key > b.query_key ? 1 : 0));
    return {
      total: totals[0]?.total ?? 0,
      zeroResults: totals[0]?.zero ?? 0,
      perDay: perDay.map((row) => ({ day: row.day, count: row.count, zeroResults: row.zero })),
      topQueries: top.map(queryCount),
      zeroResultQueries: zero.map(queryCount),
      lowScoreQueries: lowScore.map((row) => ({ query: row.query_key, mode: row.mode, count: row.count, avgTopScore: row.avg_score, lastAt: new Date(Number(row.last_ms)).toISOString() })),
      latency: latency.map((row) => ({ kind: row.kind, mode: row.mode, count: row.count, p50Ms: row.p50, p95Ms: row.p95, p99Ms: row.p99 })),
      surfaces,
      keys: keys.map((row) => ({ keyId: row.key_id, count: row.count })),
    };
  }

  #grouped(where: string, filter: string): string {
    return `SELECT query_key, count(*)::int AS count, avg(result_count)::float8 AS avg_results, max(at_ms) AS last_ms
      FROM search_events WHERE ${where}${filter} GROUP BY query_key ORDER BY count DESC, last_ms DESC, query_key COLLATE "C"`;
  }
}

function queryCount(row: GroupRow) {
  return { query: row.query_key, count: row.count, avgResults: row.avg_results, lastAt: new Date(Number(row.last_ms)).toISOString() };
}

function toExported(row: EventRow): ExportedSearchEvent {
  return {
    id: Number(row.id), at: new Date(Number(row.at_ms)).toISOString(), kind: row.kind, surface: row.surface, collection: row.collection, query: row.query_key,
    mode: row.mode, resultCount: row.result_count, topScore: row.top_score, latencyMs: row.latency_ms, keyId: row.key_id,
  };
}
