import { randomBytes } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import type {
  ExportedMemory,
  Memory,
  MemoryCandidate,
  MemoryCandidateQuery,
  MemoryListQuery,
  MemoryPatch,
  MemoryScope,
  MemoryStore,
  NewMemory,
} from '../memory-store.js';
import type { RecordPage } from '../record-transfer.js';
import { dot, isVisible, visibleSql, type CachedVector, type VectorCache } from './memory-visibility.js';
import { porterStem } from './porter-stemmer.js';
import { buildMatchExpression } from './sqlite-lexical-index.js';
import { blobToVector, vectorToBlob } from './vector-blob.js';

interface MemoryRow {
  seq: number;
  id: string;
  content: string;
  tags: string;
  source: string | null;
  session_id: string | null;
  user_id: string | null;
  created_at: string;
  updated_at: string;
  expires_at: string | null;
}

/** Memories whose stems are kept; past it the memo starts over (a bound, not an LRU: searches touch few rows). */
const MAX_CACHED_STEMS = 100_000;

const COLUMNS = 'm.seq, m.id, m.content, m.tags, m.source, m.session_id, m.user_id, m.created_at, m.updated_at, m.expires_at';

function toMemory(row: MemoryRow): Memory {
  const parsed = JSON.parse(row.tags) as unknown;
  return {
    id: row.id,
    content: row.content,
    tags: Array.isArray(parsed) ? parsed.filter((tag): tag is string => typeof tag === 'string') : [],
    source: row.source,
    sessionId: row.session_id,
    userId: row.user_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    expiresAt: row.expires_at,
  };
}


/**
 * MemoryStore in the `memories` table (with `memories_fts`, a contentless FTS5 table keyed by
 * `memories.seq`) of the embedded database. Dense search is an exact scan over the visible rows'
 * vectors, held in memory per embedder (about 1.5 KB per 384-d memory) and reloaded when another
 * process wrote to the database; this process's own writes update it in place.
 */
export class SqliteMemoryStore implements MemoryStore {
  readonly #db: Database;
  readonly #analyze: (text: string) => string;
  #cache: VectorCache | null = null;
  /** Stems of each memory's content and tags, by seq, valid while its updated_at is unchanged. */
  readonly #stems = new Map<number, { updatedAt: string; stems: Set<string> }>();

  /** `analyze`: the lexical analyzer of the chunk store (space-separated terms), applied to content, tags and queries. */
  constructor(db: Database, analyze: (text: string) => string) {
    this.#db = db;
    this.#analyze = analyze;
  }

  async create(memory: NewMemory): Promise<Memory> {
    const now = new Date().toISOString();
    const row: MemoryRow = {
      seq: 0,
      id: `mem_${randomBytes(9).toString('base64url')}`,
      content: memory.content,
      tags: JSON.stringify([...new Set(memory.tags)]),
      source: memory.source,
      session_id: memory.sessionId,
      user_id: memory.userId,
      created_at: now,
      updated_at: now,
      expires_at: memory.expiresAt,
    };
    this.#db.transaction(() => {
      const { seq: _seq, ...values } = row;
      const result = this.#db
        .prepare(
          `INSERT INTO memories (id, content, tags, source, session_id, user_id, created_at, updated_at, expires_at)
           VALUES (@id, @content, @tags, @source, @session_id, @user_id, @created_at, @updated_at, @expires_at)`,
        )
        .run(values);
      row.seq = Number(result.lastInsertRowid);
      this.#index(row);
    })();
    return toMemory(row);
  }

  async get(id: string, now: string): Promise<Memory | undefined> {
    const row = this.#row(id, now);
    return row ? toMemory(row) : undefined;
  }

  async list(query: MemoryListQuery): Promise<{ items: Memory[]; nextCursor: string | null }> {
    const params: Record<string, unknown> = { now: query.now, limit: query.limit + 1 };
    const clauses = ['(m.expires_at IS NULL OR m.expires_at > @now)'];
    if (query.tag !== undefined) {
      params.tag = query.tag;
      clauses.push('EXISTS (SELECT 1 FROM json_each(m.tags) WHERE json_each.value = @tag)');
    }
    if (query.sessionId !== undefined) {
      params.sessionId = query.sessionId;
      clauses.push('m.session_id = @sessionId');
    }
    if (query.userId !== undefined) {
      params.userId = query.userId;
      clauses.push('m.user_id = @userId');
    }
    if (query.text !== undefined) {
      params.text = query.text.toLowerCase();
      clauses.push('instr(lower(m.content), @text) > 0');
    }
    const cursor = query.cursor === undefined ? Number.NaN : Number.parseInt(query.cursor, 10);
    if (Number.isFinite(cursor)) {
      params.cursor = cursor;
      clauses.push('m.seq < @cursor');
    }
    const rows = this.#db
      .prepare(`SELECT ${COLUMNS} FROM memories m WHERE ${clauses.join(' AND ')} ORDER BY m.seq DESC LIMIT @limit`)
      .all(params) as MemoryRow[];
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return { items: page.map(toMemory), nextCursor: rows.length > query.limit && last ? String(last.seq) : null };
  }

  async update(id: string, patch: MemoryPatch, now: string): Promise<Memory | undefined> {
    return this.#db.transaction((): Memory | undefined => {
      const row = this.#row(id, now);
      if (!row) return undefined;
      const contentChanged = patch.content !== undefined && patch.content !== row.content;
      if (patch.content !== undefined) row.content = patch.content;
      if (patch.tags !== undefined) row.tags = JSON.stringify([...new Set(patch.tags)]);
      if (patch.source !== undefined) row.source = patch.source;
      if (patch.sessionId !== undefined) row.session_id = patch.sessionId;
      if (patch.userId !== undefined) row.user_id = patch.userId;
      if (patch.expiresAt !== undefined) row.expires_at = patch.expiresAt;
      row.updated_at = new Date().toISOString();
      this.#db
        .prepare(
          `UPDATE memories SET content = @content, tags = @tags, source = @source, session_id = @session_id, user_id = @user_id,
             updated_at = @updated_at, expires_at = @expires_at${contentChanged ? ', embedder = NULL, vector = NULL' : ''}
           WHERE seq = @seq`,
        )
        .run(row);
      this.#db.prepare('DELETE FROM memories_fts WHERE rowid = ?').run(row.seq);
      this.#index(row);
      const cached = this.#cache?.rows.get(row.seq);
      if (cached && contentChanged) this.#cache?.rows.delete(row.seq);
      else if (cached) this.#cache?.rows.set(row.seq, { ...visibilityOf(row), vector: cached.vector });
      return toMemory(row);
    })();
  }

  async delete(id: string): Promise<boolean> {
    return this.#db.transaction((): boolean => {
      const found = this.#db.prepare('SELECT seq FROM memories WHERE id = ?').get(id) as { seq: number } | undefined;
      if (!found) return false;
      this.#db.prepare('DELETE FROM memories_fts WHERE rowid = ?').run(found.seq);
      this.#db.prepare('DELETE FROM memories WHERE seq = ?').run(found.seq);
      this.#cache?.rows.delete(found.seq);
      return true;
    })();
  }

  async setVector(id: string, embedder: string, vector: Float32Array): Promise<void> {
    const row = this.#db.prepare(`UPDATE memories SET embedder = ?, vector = ? WHERE id = ? RETURNING ${COLUMNS.replaceAll('m.', '')}`).get(embedder, vectorToBlob(vector), id) as
      | MemoryRow
      | undefined;
    if (!row || !this.#cache) return;
    if (this.#cache.embedder === embedder) this.#cache.rows.set(row.seq, { ...visibilityOf(row), vector: Float32Array.from(vector) });
    else this.#cache.rows.delete(row.seq);
  }

  async missingVectors(embedder: string, scope: MemoryScope, now: string, limit: number): Promise<Memory[]> {
    // Every row has a vector of `embedder` (the usual case): no scan.
    const total = (this.#db.prepare('SELECT count(*) AS n FROM memories').get() as { n: number }).n;
    if (this.#vectors(embedder).size >= total) return [];
    const params: Record<string, unknown> = { now, embedder, limit };
    const rows = this.#db
      .prepare(
        `SELECT ${COLUMNS} FROM memories m
         WHERE (m.embedder IS NULL OR m.embedder <> @embedder) AND ${visibleSql(scope, undefined, params)}
         ORDER BY m.seq LIMIT @limit`,
      )
      .all(params) as MemoryRow[];
    return rows.map(toMemory);
  }

  async candidates(query: MemoryCandidateQuery): Promise<MemoryCandidate[]> {
    const terms = this.#terms(query.text);
    const queryStems = new Set(terms.map((term) => porterStem(term)));
    const found = new Map<number, { row: MemoryRow; cosine: number | null }>();
    if (terms.length > 0) {
      const params: Record<string, unknown> = { now: query.now, match: buildMatchExpression(terms), limit: query.limit };
      const rows = this.#db
        .prepare(
          `SELECT ${COLUMNS} FROM memories_fts JOIN memories m ON m.seq = memories_fts.rowid
           WHERE memories_fts MATCH @match AND ${visibleSql(query.scope, query.tags, params)}
           ORDER BY bm25(memories_fts), m.seq LIMIT @limit`,
        )
        .all(params) as MemoryRow[];
      for (const row of rows) found.set(row.seq, { row, cosine: null });
    }
    const cosines = new Map<number, number>();
    if (query.vector !== null && query.embedder !== null) {
      const vector = query.vector;
      const rows = this.#vectors(query.embedder);
      const seqs: number[] = [];
      const scores: number[] = [];
      for (const [seq, cached] of rows) {
        if (!isVisible(cached, query.scope, query.tags, query.now)) continue;
        seqs.push(seq);
        scores.push(dot(vector, cached.vector));
      }
      // The best `limit` by cosine: a numeric sort of the scores gives the cut-off, ties broken by seq order.
      const cutoff = scores.length <= query.limit ? Number.NEGATIVE_INFINITY : (Float64Array.from(scores).sort()[scores.length - query.limit] as number);
      const best: number[] = [];
      for (let index = 0; index < seqs.length && best.length < query.limit; index++) {
        if ((scores[index] as number) >= cutoff) {
          best.push(seqs[index] as number);
          cosines.set(seqs[index] as number, scores[index] as number);
        }
      }
      for (const seq of found.keys()) {
        const cached = rows.get(seq);
        if (cached && !cosines.has(seq)) cosines.set(seq, dot(vector, cached.vector));
      }
      const missing = best.filter((seq) => !found.has(seq));
      if (missing.length > 0) {
        const fetched = this.#db
          .prepare(`SELECT ${COLUMNS} FROM memories m WHERE m.seq IN (${missing.map(() => '?').join(',')})`)
          .all(...missing) as MemoryRow[];
        for (const row of fetched) found.set(row.seq, { row, cosine: null });
      }
    }
    return [...found.values()].map(({ row }) => {
      const memoryStems = this.#memoryStems(row);
      let matched = 0;
      for (const stem of queryStems) if (memoryStems.has(stem)) matched += 1;
      return { memory: toMemory(row), cosine: cosines.get(row.seq) ?? null, matchedTerms: matched, queryTerms: queryStems.size };
    });
  }

  async hasVisible(scope: MemoryScope, now: string): Promise<boolean> {
    const params: Record<string, unknown> = { now };
    return this.#db.prepare(`SELECT 1 FROM memories m WHERE ${visibleSql(scope, undefined, params)} LIMIT 1`).get(params) !== undefined;
  }

  async exportRecords(cursor: string | null, limit: number): Promise<RecordPage<ExportedMemory>> {
    const rows = this.#db
      .prepare(`SELECT ${COLUMNS}, m.embedder, m.vector FROM memories m WHERE m.seq > ? ORDER BY m.seq LIMIT ?`)
      .all(cursor === null ? 0 : Number(cursor), limit) as Array<MemoryRow & { embedder: string | null; vector: Buffer | null }>;
    const last = rows[rows.length - 1];
    return {
      items: rows.map((row) => ({
        ...toMemory(row),
        vector: row.embedder !== null && row.vector !== null ? { embedder: row.embedder, values: blobToVector(row.vector) } : null,
      })),
      cursor: rows.length === limit && last ? String(last.seq) : null,
    };
  }

  async importRecords(records: readonly ExportedMemory[]): Promise<number> {
    const insert = this.#db.prepare(
      `INSERT OR IGNORE INTO memories (id, content, tags, source, session_id, user_id, created_at, updated_at, expires_at, embedder, vector)
       VALUES (@id, @content, @tags, @source, @session_id, @user_id, @created_at, @updated_at, @expires_at, @embedder, @vector)`,
    );
    const added = this.#db.transaction(() => {
      let count = 0;
      for (const memory of records) {
        const row: MemoryRow = {
          seq: 0, id: memory.id, content: memory.content, tags: JSON.stringify(memory.tags), source: memory.source, session_id: memory.sessionId,
          user_id: memory.userId, created_at: memory.createdAt, updated_at: memory.updatedAt, expires_at: memory.expiresAt,
        };
        const { seq: _seq, ...values } = row;
        const result = insert.run({ ...values, embedder: memory.vector?.embedder ?? null, vector: memory.vector === null ? null : vectorToBlob(memory.vector.values) });
        if (result.changes === 0) continue;
        row.seq = Number(result.lastInsertRowid);
        this.#index(row);
        count += 1;
      }
      return count;
    })();
    // The in-memory vectors are reloaded on the next search rather than patched row by row.
    if (added > 0) this.#cache = null;
    return added;
  }

  async countRecords(): Promise<Record<string, number>> {
    const row = this.#db.prepare('SELECT count(*) AS memories, count(vector) AS vectors FROM memories').get() as { memories: number; vectors: number };
    return { memories: row.memories, memoryVectors: row.vectors };
  }

  #row(id: string, now: string): MemoryRow | undefined {
    return this.#db
      .prepare(`SELECT ${COLUMNS} FROM memories m WHERE m.id = ? AND (m.expires_at IS NULL OR m.expires_at > ?)`)
      .get(id, now) as MemoryRow | undefined;
  }

  /** Vectors of `embedder`, loaded once and reloaded after another connection's commit. */
  #vectors(embedder: string): Map<number, CachedVector> {
    const dataVersion = this.#db.pragma('data_version', { simple: true }) as number;
    if (this.#cache?.embedder === embedder && this.#cache.dataVersion === dataVersion) return this.#cache.rows;
    const rows = new Map<number, CachedVector>();
    const statement = this.#db.prepare(`SELECT ${COLUMNS}, m.vector FROM memories m WHERE m.embedder = ? AND m.vector IS NOT NULL`);
    for (const row of statement.iterate(embedder) as IterableIterator<MemoryRow & { vector: Buffer }>) {
      rows.set(row.seq, { ...visibilityOf(row), vector: blobToVector(row.vector) });
    }
    this.#cache = { embedder, dataVersion, rows };
    return rows;
  }

  #memoryStems(row: MemoryRow): Set<string> {
    const known = this.#stems.get(row.seq);
    if (known?.updatedAt === row.updated_at) return known.stems;
    const stems = new Set(this.#terms(`${row.content} ${(JSON.parse(row.tags) as string[]).join(' ')}`).map((term) => porterStem(term)));
    if (this.#stems.size >= MAX_CACHED_STEMS) this.#stems.clear();
    this.#stems.set(row.seq, { updatedAt: row.updated_at, stems });
    return stems;
  }

  /** Distinct analyzed terms, in first-seen order. */
  #terms(text: string): string[] {
    return [...new Set(this.#analyze(text).split(' ').filter((term) => term !== ''))];
  }

  #index(row: MemoryRow): void {
    const tags = (JSON.parse(row.tags) as string[]).join(' ');
    this.#db.prepare('INSERT INTO memories_fts (rowid, content, tags) VALUES (?, ?, ?)').run(row.seq, this.#analyze(row.content), this.#analyze(tags));
  }
}

function visibilityOf(row: MemoryRow): Omit<CachedVector, 'vector'> {
  return { sessionId: row.session_id, userId: row.user_id, expiresAt: row.expires_at, tags: JSON.parse(row.tags) as string[] };
}
