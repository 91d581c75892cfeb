import { randomBytes } from 'node:crypto';
import type pg from 'pg';
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
import { porterStem } from '../sqlite/porter-stemmer.js';
import { withAppTransaction } from './app-transaction.js';

interface MemoryRow {
  seq: string;
  id: string;
  content: string;
  tags: string[];
  source: string | null;
  session_id: string | null;
  user_id: string | null;
  created_at: Date;
  updated_at: Date;
  expires_at: Date | null;
}

const COLUMNS = 'm.seq, m.id, m.content, m.tags, m.source, m.session_id, m.user_id, m.created_at, m.updated_at, m.expires_at';

function toMemory(row: MemoryRow): Memory {
  return {
    id: row.id,
    content: row.content,
    tags: Array.isArray(row.tags) ? row.tags.filter((tag): tag is string => typeof tag === 'string') : [],
    source: row.source,
    sessionId: row.session_id,
    userId: row.user_id,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    expiresAt: row.expires_at === null ? null : row.expires_at.toISOString(),
  };
}

/** pgvector's text form of a vector. */
function vectorText(vector: Float32Array): string {
  return `[${Array.prototype.join.call(vector, ',')}]`;
}

function parseVectorText(text: string): Float32Array {
  const body = text.slice(1, -1);
  return body === '' ? new Float32Array(0) : Float32Array.from(body.split(','), Number);
}

/** A lexeme quoted for tsquery input, taken literally. */
function quoteLexeme(lexeme: string): string {
  return `'${lexeme.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

/**
 * The visibility rule of memories (see sqlite/memory-visibility.ts) as SQL over `m`, its values
 * appended to `params`: unexpired, a session / user id null or the scope's, every tag carried.
 */
function visibleSql(scope: MemoryScope, tags: readonly string[] | undefined, now: string, params: unknown[]): string {
  const add = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const clauses = [`(m.expires_at IS NULL OR m.expires_at > ${add(now)}::timestamptz)`];
  clauses.push(scope.sessionId === undefined ? 'm.session_id IS NULL' : `(m.session_id IS NULL OR m.session_id = ${add(scope.sessionId)})`);
  clauses.push(scope.userId === undefined ? 'm.user_id IS NULL' : `(m.user_id IS NULL OR m.user_id = ${add(scope.userId)})`);
  if (tags !== undefined && tags.length > 0) clauses.push(`m.tags @> ${add(JSON.stringify(tags))}::jsonb`);
  return clauses.join(' AND ');
}

/**
 * MemoryStore in the `memories` table (migration 53). Lexical matching indexes what SQLite's FTS5
 * table does — the chunk analyzer's terms, Porter-stemmed — as tsvector lexemes taken literally (GIN), ranked by
 * ts_rank, which orders the few matches of a memory search about as bm25() does; the share of matched
 * query terms, which the caller scores with, is computed exactly as on SQLite. The dense arm is an
 * exact scan by pgvector's inner product over the rows of the query's embedder (vectors are
 * L2-normalised, so it is the cosine), done by the server: nothing is cached in the process, so every
 * process sees every other's writes at once.
 */
export class PostgresMemoryStore implements MemoryStore {
  readonly #pool: pg.Pool;
  readonly #analyze: (text: string) => string;

  /** `analyze`: the lexical analyzer of the chunk store (space-separated terms), applied to content, tags and queries. */
  constructor(pool: pg.Pool, analyze: (text: string) => string) {
    this.#pool = pool;
    this.#analyze = analyze;
  }

  async create(memory: NewMemory): Promise<Memory> {
    const now = new Date().toISOString();
    const tags = [...new Set(memory.tags)];
    const { rows } = await this.#pool.query<MemoryRow>(
      `INSERT INTO memories AS m (id, content, tags, source, session_id, user_id, created_at, updated_at, expires_at, terms)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, array_to_tsvector($9::text[])) RETURNING ${COLUMNS}`,
      [`mem_${randomBytes(9).toString('base64url')}`, memory.content, JSON.stringify(tags), memory.source, memory.sessionId, memory.userId, now, memory.expiresAt, this.#stems(memory.content, tags)],
    );
    return toMemory(rows[0] as MemoryRow);
  }

  async get(id: string, now: string): Promise<Memory | undefined> {
    const row = (await this.#pool.query<MemoryRow>(`SELECT ${COLUMNS} FROM memories m WHERE m.id = $1 AND (m.expires_at IS NULL OR m.expires_at > $2::timestamptz)`, [id, now])).rows[0];
    return row ? toMemory(row) : undefined;
  }

  async list(query: MemoryListQuery): Promise<{ items: Memory[]; nextCursor: string | null }> {
    const params: unknown[] = [query.now];
    const add = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    const clauses = ['(m.expires_at IS NULL OR m.expires_at > $1::timestamptz)'];
    if (query.tag !== undefined) clauses.push(`m.tags @> ${add(JSON.stringify([query.tag]))}::jsonb`);
    if (query.sessionId !== undefined) clauses.push(`m.session_id = ${add(query.sessionId)}`);
    if (query.userId !== undefined) clauses.push(`m.user_id = ${add(query.userId)}`);
    if (query.text !== undefined) clauses.push(`strpos(lower(m.content), ${add(query.text.toLowerCase())}) > 0`);
    const cursor = query.cursor === undefined ? Number.NaN : Number.parseInt(query.cursor, 10);
    if (Number.isFinite(cursor)) clauses.push(`m.seq < ${add(cursor)}`);
    const { rows } = await this.#pool.query<MemoryRow>(
      `SELECT ${COLUMNS} FROM memories m WHERE ${clauses.join(' AND ')} ORDER BY m.seq DESC LIMIT ${add(query.limit + 1)}`,
      params,
    );
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return { items: page.map(toMemory), nextCursor: rows.length > query.limit && last ? last.seq : null };
  }

  async update(id: string, patch: MemoryPatch, now: string): Promise<Memory | undefined> {
    return withAppTransaction(this.#pool, async (client) => {
      const found = (
        await client.query<MemoryRow>(`SELECT ${COLUMNS} FROM memories m WHERE m.id = $1 AND (m.expires_at IS NULL OR m.expires_at > $2::timestamptz) FOR UPDATE`, [id, now])
      ).rows[0];
      if (!found) return undefined;
      const memory = toMemory(found);
      const contentChanged = patch.content !== undefined && patch.content !== memory.content;
      const next: Memory = {
        ...memory,
        ...(patch.content !== undefined ? { content: patch.content } : {}),
        ...(patch.tags !== undefined ? { tags: [...new Set(patch.tags)] } : {}),
        ...(patch.source !== undefined ? { source: patch.source } : {}),
        ...(patch.sessionId !== undefined ? { sessionId: patch.sessionId } : {}),
        ...(patch.userId !== undefined ? { userId: patch.userId } : {}),
        ...(patch.expiresAt !== undefined ? { expiresAt: patch.expiresAt } : {}),
        updatedAt: new Date().toISOString(),
      };
      const { rows } = await client.query<MemoryRow>(
        `UPDATE memories m SET content = $2, tags = $3, source = $4, session_id = $5, user_id = $6, updated_at = $7, expires_at = $8,
           terms = array_to_tsvector($9::text[])${contentChanged ? ', embedder = NULL, vector = NULL' : ''}
         WHERE m.id = $1 RETURNING ${COLUMNS}`,
        [id, next.content, JSON.stringify(next.tags), next.source, next.sessionId, next.userId, next.updatedAt, next.expiresAt, this.#stems(next.content, next.tags)],
      );
      return toMemory(rows[0] as MemoryRow);
    });
  }

  async delete(id: string): Promise<boolean> {
    return ((await this.#pool.query('DELETE FROM memories WHERE id = $1', [id])).rowCount ?? 0) > 0;
  }

  async setVector(id: string, embedder: string, vector: Float32Array): Promise<void> {
    await this.#pool.query('UPDATE memories SET embedder = $2, vector = $3::vector WHERE id = $1', [id, embedder, vectorText(vector)]);
  }

  async missingVectors(embedder: string, scope: MemoryScope, now: string, limit: number): Promise<Memory[]> {
    const params: unknown[] = [embedder];
    const visible = visibleSql(scope, undefined, now, params);
    params.push(limit);
    const { rows } = await this.#pool.query<MemoryRow>(
      `SELECT ${COLUMNS} FROM memories m WHERE (m.embedder IS NULL OR m.embedder <> $1) AND ${visible} ORDER BY m.seq LIMIT $${params.length}`,
      params,
    );
    return rows.map(toMemory);
  }

  async candidates(query: MemoryCandidateQuery): Promise<MemoryCandidate[]> {
    const queryStems = [...new Set(this.#terms(query.text).map((term) => porterStem(term)))];
    const dense = query.vector !== null && query.embedder !== null;
    const params: unknown[] = [];
    const add = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    const visible = visibleSql(query.scope, query.tags, query.now, params);
    const limit = add(query.limit);
    const arms: string[] = [];
    if (queryStems.length > 0) {
      const tsquery = add(queryStems.map(quoteLexeme).join(' | '));
      arms.push(`(SELECT m.seq FROM memories m WHERE m.terms @@ ${tsquery}::tsquery AND ${visible}
                  ORDER BY ts_rank(m.terms, ${tsquery}::tsquery) DESC, m.seq LIMIT ${limit})`);
    }
    let cosine = 'NULL::float8';
    if (dense) {
      const embedder = add(query.embedder);
      const vector = add(vectorText(query.vector as Float32Array));
      arms.push(`(SELECT m.seq FROM memories m WHERE m.embedder = ${embedder} AND m.vector IS NOT NULL AND ${visible}
                  ORDER BY m.vector <#> ${vector}::vector, m.seq LIMIT ${limit})`);
      cosine = `CASE WHEN m.embedder = ${embedder} AND m.vector IS NOT NULL THEN -(m.vector <#> ${vector}::vector) END`;
    }
    if (arms.length === 0) return [];
    const { rows } = await this.#pool.query<MemoryRow & { cosine: number | null; stems: string[] }>(
      `SELECT ${COLUMNS}, ${cosine} AS cosine, tsvector_to_array(m.terms) AS stems
       FROM memories m WHERE m.seq IN (${arms.join(' UNION ')}) ORDER BY m.seq`,
      params,
    );
    return rows.map((row) => {
      const memoryStems = new Set(row.stems);
      const matched = queryStems.filter((stem) => memoryStems.has(stem)).length;
      return { memory: toMemory(row), cosine: row.cosine, matchedTerms: matched, queryTerms: queryStems.length };
    });
  }

  async hasVisible(scope: MemoryScope, now: string): Promise<boolean> {
    const params: unknown[] = [];
    const visible = visibleSql(scope, undefined, now, params);
    return (await this.#pool.query(`SELECT 1 FROM memories m WHERE ${visible} LIMIT 1`, params)).rows.length > 0;
  }

  async exportRecords(cursor: string | null, limit: number): Promise<RecordPage<ExportedMemory>> {
    const { rows } = await this.#pool.query<MemoryRow & { embedder: string | null; vector: string | null }>(
      `SELECT ${COLUMNS}, m.embedder, m.vector::text AS vector FROM memories m WHERE m.seq > $1 ORDER BY m.seq LIMIT $2`,
      [cursor ?? '0', limit],
    );
    const last = rows[rows.length - 1];
    return {
      items: rows.map((row) => ({
        ...toMemory(row),
        vector: row.embedder !== null && row.vector !== null ? { embedder: row.embedder, values: parseVectorText(row.vector) } : null,
      })),
      cursor: rows.length === limit && last ? last.seq : null,
    };
  }

  async importRecords(records: readonly ExportedMemory[]): Promise<number> {
    if (records.length === 0) return 0;
    const rows = records.map((memory) => ({
      id: memory.id, content: memory.content, tags: memory.tags, source: memory.source, session_id: memory.sessionId, user_id: memory.userId,
      created_at: memory.createdAt, updated_at: memory.updatedAt, expires_at: memory.expiresAt, terms: this.#stems(memory.content, memory.tags),
      embedder: memory.vector?.embedder ?? null, vector: memory.vector === null ? null : vectorText(memory.vector.values),
    }));
    const { rowCount } = await this.#pool.query(
      `INSERT INTO memories (id, content, tags, source, session_id, user_id, created_at, updated_at, expires_at, terms, embedder, vector)
       SELECT r.id, r.content, r.tags, r.source, r.session_id, r.user_id, r.created_at, r.updated_at, r.expires_at, array_to_tsvector(r.terms), r.embedder, r.vector::vector
       FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (id text, content text, tags jsonb, source text, session_id text, user_id text, created_at timestamptz,
         updated_at timestamptz, expires_at timestamptz, terms text[], embedder text, vector text))
         WITH ORDINALITY AS r(id, content, tags, source, session_id, user_id, created_at, updated_at, expires_at, terms, embedder, vector, n)
       ORDER BY r.n
       ON CONFLICT (id) DO NOTHING`,
      [JSON.stringify(rows)],
    );
    return rowCount ?? 0;
  }

  async countRecords(): Promise<Record<string, number>> {
    const { rows } = await this.#pool.query<{ memories: number; vectors: number }>('SELECT count(*)::int AS memories, count(vector)::int AS vectors FROM memories');
    return { memories: rows[0]?.memories ?? 0, memoryVectors: rows[0]?.vectors ?? 0 };
  }

  /** Distinct stems of the content and tags, as SQLite's FTS5 (porter tokenizer over the analyzed text) indexes them; lexemes as they are (no parsing by a text search configuration). */
  #stems(content: string, tags: readonly string[]): string[] {
    return [...new Set(this.#terms(`${content} ${tags.join(' ')}`).map((term) => porterStem(term)))];
  }

  /** Distinct analyzed terms, in first-seen order. */
  #terms(text: string): string[] {
    return [...new Set(this.#analyze(text).split(' ').filter((term) => term !== ''))];
  }
}
