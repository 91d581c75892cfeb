import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { CairnError } from '../../core/cairn-error.js';
import type { ChatMessageRecord, ChatSessionRecord, ChatStore, ExportedChatSession, NewChatMessage } from '../chat-store.js';
import type { RecordPage } from '../record-transfer.js';
import { withAppTransaction } from './app-transaction.js';

interface SessionRow {
  seq: string;
  id: string;
  collection: string;
  title: string;
  created_at: Date;
  updated_at: Date;
  message_count: number;
  owner: string | null;
}

interface MessageRow {
  id: string;
  session_id: string;
  role: string;
  content: string;
  citations: ChatMessageRecord['citations'] | null;
  timings: ChatMessageRecord['timings'] | null;
  extractive: boolean | null;
  created_at: Date;
}

function toSession(row: SessionRow): ChatSessionRecord {
  return {
    id: row.id, collection: row.collection, title: row.title, createdAt: row.created_at.toISOString(), updatedAt: row.updated_at.toISOString(),
    messageCount: row.message_count, owner: row.owner,
  };
}

function toMessage(row: MessageRow): ChatMessageRecord {
  const message: ChatMessageRecord = { id: row.id, role: row.role === 'assistant' ? 'assistant' : 'user', content: row.content, createdAt: row.created_at.toISOString() };
  if (row.citations !== null) message.citations = row.citations;
  if (row.timings !== null) message.timings = row.timings;
  if (row.extractive !== null) message.extractive = row.extractive;
  return message;
}

/** Cursor of the session list: the last item's updatedAt and id (the sort key), base64url-encoded, as on SQLite. */
function encodeCursor(session: ChatSessionRecord): string {
  return Buffer.from(`${session.updatedAt}|${session.id}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { updatedAt: string; id: string } {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const bar = text.indexOf('|');
  const updatedAt = text.slice(0, bar);
  const id = text.slice(bar + 1);
  if (bar <= 0 || !id.startsWith('chat_') || Number.isNaN(Date.parse(updatedAt))) {
    throw new CairnError('INPUT_INVALID', 'The cursor is not one this server gave out.', { hint: 'Pass the nextCursor of the previous page unchanged, or leave it out.' });
  }
  return { updatedAt, id };
}

const MESSAGE_INSERT = `INSERT INTO chat_messages (id, session_id, role, content, citations, timings, extractive, created_at)
  SELECT r.id, r.session_id, r.role, r.content, r.citations, r.timings, r.extractive, r.created_at
  FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (id text, session_id text, role text, content text, citations jsonb, timings jsonb, extractive boolean, created_at timestamptz))
    WITH ORDINALITY AS r(id, session_id, role, content, citations, timings, extractive, created_at, n)
  ORDER BY r.n`;

function messageRow(sessionId: string, message: NewChatMessage & { id: string; createdAt: string }) {
  return {
    id: message.id, session_id: sessionId, role: message.role, content: message.content, citations: message.citations ?? null,
    timings: message.timings ?? null, extractive: message.extractive ?? null, created_at: message.createdAt,
  };
}

/**
 * ChatStore in the `chat_sessions` and `chat_messages` tables (migration 52). As on SQLite, times
 * come from a clock that never repeats a millisecond within the process, so "most recently updated"
 * orders one process's writes made in the same millisecond by their order.
 */
export class PostgresChatStore implements ChatStore {
  readonly #pool: pg.Pool;
  #lastMs = 0;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  #now(): string {
    this.#lastMs = Math.max(Date.now(), this.#lastMs + 1);
    return new Date(this.#lastMs).toISOString();
  }

  async createSession(session: { collection: string; title: string; owner: string | null }): Promise<ChatSessionRecord> {
    const now = this.#now();
    const { rows } = await this.#pool.query<SessionRow>(
      'INSERT INTO chat_sessions (id, collection, title, created_at, updated_at, owner) VALUES ($1, $2, $3, $4, $4, $5) RETURNING *',
      [`chat_${randomBytes(9).toString('base64url')}`, session.collection, session.title, now, session.owner],
    );
    return toSession(rows[0] as SessionRow);
  }

  async listSessions(query: { limit: number; cursor?: string; owner?: string }): Promise<{ items: ChatSessionRecord[]; nextCursor: string | null }> {
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.owner !== undefined) {
      params.push(query.owner);
      where.push(`owner = $${params.length}`);
    }
    if (after) {
      params.push(after.updatedAt, after.id);
      where.push(`(updated_at, id) < ($${params.length - 1}::timestamptz, $${params.length})`);
    }
    params.push(query.limit + 1);
    const { rows } = await this.#pool.query<SessionRow>(
      `SELECT * FROM chat_sessions ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY updated_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    const page = rows.slice(0, query.limit).map(toSession);
    const last = page[page.length - 1];
    return { items: page, nextCursor: rows.length > query.limit && last ? encodeCursor(last) : null };
  }

  async getSession(id: string): Promise<ChatSessionRecord | undefined> {
    const { rows } = await this.#pool.query<SessionRow>('SELECT * FROM chat_sessions WHERE id = $1', [id]);
    return rows[0] ? toSession(rows[0]) : undefined;
  }

  async renameSession(id: string, title: string): Promise<ChatSessionRecord | undefined> {
    const { rows } = await this.#pool.query<SessionRow>('UPDATE chat_sessions SET title = $2, updated_at = $3 WHERE id = $1 RETURNING *', [id, title, this.#now()]);
    return rows[0] ? toSession(rows[0]) : undefined;
  }

  async deleteSession(id: string): Promise<boolean> {
    return ((await this.#pool.query('DELETE FROM chat_sessions WHERE id = $1', [id])).rowCount ?? 0) > 0;
  }

  async messages(sessionId: string, limit?: number): Promise<ChatMessageRecord[]> {
    const { rows } =
      limit === undefined
        ? await this.#pool.query<MessageRow>('SELECT * FROM chat_messages WHERE session_id = $1 ORDER BY seq', [sessionId])
        : await this.#pool.query<MessageRow>('SELECT * FROM (SELECT * FROM chat_messages WHERE session_id = $1 ORDER BY seq DESC LIMIT $2) last ORDER BY seq', [sessionId, limit]);
    return rows.map(toMessage);
  }

  async appendMessages(sessionId: string, messages: readonly NewChatMessage[], titleIfEmpty?: string): Promise<ChatMessageRecord[] | undefined> {
    return withAppTransaction(this.#pool, async (client) => {
      // The row lock orders concurrent appends to one session (message order, count and title stay consistent).
      const session = (await client.query<{ title: string }>('SELECT title FROM chat_sessions WHERE id = $1 FOR UPDATE', [sessionId])).rows[0];
      if (!session) return undefined;
      const now = this.#now();
      const stored = messages.map((message) => ({ ...message, id: `msg_${randomBytes(9).toString('base64url')}`, createdAt: now }));
      if (stored.length > 0) await client.query(MESSAGE_INSERT, [JSON.stringify(stored.map((message) => messageRow(sessionId, message)))]);
      const title = session.title === '' && titleIfEmpty !== undefined ? titleIfEmpty : session.title;
      await client.query('UPDATE chat_sessions SET updated_at = $2, message_count = message_count + $3, title = $4 WHERE id = $1', [sessionId, now, messages.length, title]);
      return stored.map((message) => toMessage({ ...messageRow(sessionId, message), created_at: new Date(now) }));
    });
  }

  async exportRecords(cursor: string | null, limit: number): Promise<RecordPage<ExportedChatSession>> {
    const sessions = (await this.#pool.query<SessionRow>('SELECT * FROM chat_sessions WHERE seq > $1 ORDER BY seq LIMIT $2', [cursor ?? '0', limit])).rows;
    const ids = sessions.map((row) => row.id);
    const messages = (await this.#pool.query<MessageRow>('SELECT * FROM chat_messages WHERE session_id = ANY($1) ORDER BY seq', [ids])).rows;
    const bySession = new Map<string, ChatMessageRecord[]>(ids.map((id) => [id, []]));
    for (const row of messages) bySession.get(row.session_id)?.push(toMessage(row));
    const last = sessions[sessions.length - 1];
    return {
      items: sessions.map((row) => ({ ...toSession(row), messages: bySession.get(row.id) ?? [] })),
      cursor: sessions.length === limit && last ? last.seq : null,
    };
  }

  async importRecords(records: readonly ExportedChatSession[]): Promise<number> {
    if (records.length === 0) return 0;
    return withAppTransaction(this.#pool, async (client) => {
      const { rows } = await client.query<{ id: string }>(
        `INSERT INTO chat_sessions (id, collection, title, created_at, updated_at, message_count, owner)
         SELECT r.id, r.collection, r.title, r.created_at, r.updated_at, r.message_count, r.owner
         FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (id text, collection text, title text, created_at timestamptz, updated_at timestamptz, message_count integer, owner text))
           WITH ORDINALITY AS r(id, collection, title, created_at, updated_at, message_count, owner, n)
         ORDER BY r.n
         ON CONFLICT (id) DO NOTHING RETURNING id`,
        [
          JSON.stringify(
            records.map((session) => ({
              id: session.id, collection: session.collection, title: session.title, created_at: session.createdAt, updated_at: session.updatedAt,
              message_count: session.messages.length, owner: session.owner,
            })),
          ),
        ],
      );
      // Messages only of the sessions added now: a session present already keeps its own.
      const added = new Set(rows.map((row) => row.id));
      const messages = records.filter((session) => added.has(session.id)).flatMap((session) => session.messages.map((message) => messageRow(session.id, message)));
      if (messages.length > 0) await client.query(MESSAGE_INSERT, [JSON.stringify(messages)]);
      return added.size;
    });
  }

  async countRecords(): Promise<Record<string, number>> {
    const { rows } = await this.#pool.query<{ sessions: number; messages: number }>(
      'SELECT (SELECT count(*) FROM chat_sessions)::int AS sessions, (SELECT count(*) FROM chat_messages)::int AS messages',
    );
    return { chatSessions: rows[0]?.sessions ?? 0, chatMessages: rows[0]?.messages ?? 0 };
  }
}
