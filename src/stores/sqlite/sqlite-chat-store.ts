import { randomBytes } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { CairnError } from '../../core/cairn-error.js';
import type { ChatMessageRecord, ChatSessionRecord, ChatStore, ExportedChatSession, NewChatMessage } from '../chat-store.js';
import type { RecordPage } from '../record-transfer.js';

interface SessionRow {
  id: string;
  collection: string;
  title: string;
  created_at: string;
  updated_at: string;
  message_count: number;
  owner: string | null;
}

interface MessageRow {
  id: string;
  role: string;
  content: string;
  citations: string | null;
  timings: string | null;
  extractive: number | null;
  created_at: string;
}

function toSession(row: SessionRow): ChatSessionRecord {
  return { id: row.id, collection: row.collection, title: row.title, createdAt: row.created_at, updatedAt: row.updated_at, messageCount: row.message_count, owner: row.owner };
}

function toMessage(row: MessageRow): ChatMessageRecord {
  const message: ChatMessageRecord = { id: row.id, role: row.role === 'assistant' ? 'assistant' : 'user', content: row.content, createdAt: row.created_at };
  if (row.citations !== null) message.citations = JSON.parse(row.citations) as ChatMessageRecord['citations'] & object;
  if (row.timings !== null) message.timings = JSON.parse(row.timings) as ChatMessageRecord['timings'] & object;
  if (row.extractive !== null) message.extractive = row.extractive === 1;
  return message;
}

/** Cursor of the session list: the last item's updatedAt and id (the sort key), base64url-encoded. */
function encodeCursor(row: SessionRow): string {
  return Buffer.from(`${row.updated_at}|${row.id}`, 'utf8').toString('base64url');
}

/** A cursor this store did not give out is bad input, not the first page again. */
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

/**
 * ChatStore in the `chat_sessions` and `chat_messages` tables of the embedded database. Times come
 * from a clock that never repeats a millisecond within the process, so "most recently updated"
 * orders writes made in the same millisecond by their order.
 */
export class SqliteChatStore implements ChatStore {
  readonly #db: Database;
  #lastMs = 0;

  #now(): string {
    this.#lastMs = Math.max(Date.now(), this.#lastMs + 1);
    return new Date(this.#lastMs).toISOString();
  }

  constructor(db: Database) {
    this.#db = db;
  }

  async createSession(session: { collection: string; title: string; owner: string | null }): Promise<ChatSessionRecord> {
    const now = this.#now();
    const row: SessionRow = {
      id: `chat_${randomBytes(9).toString('base64url')}`,
      collection: session.collection,
      title: session.title,
      created_at: now,
      updated_at: now,
      message_count: 0,
      owner: session.owner,
    };
    this.#db
      .prepare(
        'INSERT INTO chat_sessions (id, collection, title, created_at, updated_at, message_count, owner) VALUES (@id, @collection, @title, @created_at, @updated_at, @message_count, @owner)',
      )
      .run(row);
    return toSession(row);
  }

  async listSessions(query: { limit: number; cursor?: string; owner?: string }): Promise<{ items: ChatSessionRecord[]; nextCursor: string | null }> {
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (query.owner !== undefined) {
      where.push('owner = ?');
      params.push(query.owner);
    }
    if (after) {
      where.push('(updated_at, id) < (?, ?)');
      params.push(after.updatedAt, after.id);
    }
    const rows = this.#db
      .prepare(`SELECT * FROM chat_sessions ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY updated_at DESC, id DESC LIMIT ?`)
      .all(...params, query.limit + 1) as SessionRow[];
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return { items: page.map(toSession), nextCursor: rows.length > query.limit && last ? encodeCursor(last) : null };
  }

  async getSession(id: string): Promise<ChatSessionRecord | undefined> {
    const row = this.#db.prepare('SELECT * FROM chat_sessions WHERE id = ?').get(id) as SessionRow | undefined;
    return row ? toSession(row) : undefined;
  }

  async renameSession(id: string, title: string): Promise<ChatSessionRecord | undefined> {
    const result = this.#db.prepare('UPDATE chat_sessions SET title = ?, updated_at = ? WHERE id = ?').run(title, this.#now(), id);
    return result.changes === 0 ? undefined : this.getSession(id);
  }

  async deleteSession(id: string): Promise<boolean> {
    return this.#db.prepare('DELETE FROM chat_sessions WHERE id = ?').run(id).changes > 0;
  }

  async messages(sessionId: string, limit?: number): Promise<ChatMessageRecord[]> {
    const rows = (
      limit === undefined
        ? this.#db.prepare('SELECT * FROM chat_messages WHERE session_id = ? ORDER BY seq').all(sessionId)
        : this.#db.prepare('SELECT * FROM (SELECT * FROM chat_messages WHERE session_id = ? ORDER BY seq DESC LIMIT ?) ORDER BY seq').all(sessionId, limit)
    ) as MessageRow[];
    return rows.map(toMessage);
  }

  async appendMessages(sessionId: string, messages: readonly NewChatMessage[], titleIfEmpty?: string): Promise<ChatMessageRecord[] | undefined> {
    return this.#db.transaction((): ChatMessageRecord[] | undefined => {
      const session = this.#db.prepare('SELECT title FROM chat_sessions WHERE id = ?').get(sessionId) as { title: string } | undefined;
      if (!session) return undefined;
      const now = this.#now();
      const insert = this.#db.prepare(
        'INSERT INTO chat_messages (id, session_id, role, content, citations, timings, extractive, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      );
      const stored = messages.map((message): ChatMessageRecord => {
        const row: MessageRow = {
          id: `msg_${randomBytes(9).toString('base64url')}`,
          role: message.role,
          content: message.content,
          citations: message.citations === undefined ? null : JSON.stringify(message.citations),
          timings: message.timings === undefined ? null : JSON.stringify(message.timings),
          extractive: message.extractive === undefined ? null : message.extractive ? 1 : 0,
          created_at: now,
        };
        insert.run(row.id, sessionId, row.role, row.content, row.citations, row.timings, row.extractive, row.created_at);
        return toMessage(row);
      });
      const title = session.title === '' && titleIfEmpty !== undefined ? titleIfEmpty : session.title;
      this.#db
        .prepare('UPDATE chat_sessions SET updated_at = ?, message_count = message_count + ?, title = ? WHERE id = ?')
        .run(now, messages.length, title, sessionId);
      return stored;
    })();
  }

  async exportRecords(cursor: string | null, limit: number): Promise<RecordPage<ExportedChatSession>> {
    const rows = this.#db.prepare('SELECT rowid AS row_order, * FROM chat_sessions WHERE rowid > ? ORDER BY rowid LIMIT ?').all(cursor === null ? 0 : Number(cursor), limit) as Array<SessionRow & { row_order: number }>;
    const messages = this.#db.prepare('SELECT * FROM chat_messages WHERE session_id = ? ORDER BY seq');
    const last = rows[rows.length - 1];
    return {
      items: rows.map((row) => ({ ...toSession(row), messages: (messages.all(row.id) as MessageRow[]).map(toMessage) })),
      cursor: rows.length === limit && last ? String(last.row_order) : null,
    };
  }

  async importRecords(records: readonly ExportedChatSession[]): Promise<number> {
    const insertSession = this.#db.prepare(
      'INSERT OR IGNORE INTO chat_sessions (id, collection, title, created_at, updated_at, message_count, owner) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    const insertMessage = this.#db.prepare(
      'INSERT INTO chat_messages (id, session_id, role, content, citations, timings, extractive, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    return this.#db.transaction(() => {
      let added = 0;
      for (const session of records) {
        const inserted = insertSession.run(session.id, session.collection, session.title, session.createdAt, session.updatedAt, session.messages.length, session.owner);
        if (inserted.changes === 0) continue;
        added += 1;
        for (const message of session.messages) {
          insertMessage.run(
            message.id, session.id, message.role, message.content,
            message.citations === undefined ? null : JSON.stringify(message.citations),
            message.timings === undefined ? null : JSON.stringify(message.timings),
            message.extractive === undefined ? null : message.extractive ? 1 : 0,
            message.createdAt,
          );
        }
      }
      return added;
    })();
  }

  async countRecords(): Promise<Record<string, number>> {
    const count = (table: string) => this.#db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
    return { chatSessions: count('chat_sessions'), chatMessages: count('chat_messages') };
  }
}
