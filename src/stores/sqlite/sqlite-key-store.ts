import type { Database, Statement } from 'better-sqlite3';
import { KEY_SCOPES, type ApiKeyRecord, type ExportedApiKey, type KeyScope, type KeyStore } from '../key-store.js';
import type { RecordPage } from '../record-transfer.js';
import { DISPLAY_PREFIX_LENGTH, hashKey, KEY_PREFIX, newKeyId, newKeySecret, secretMatches, TOUCH_INTERVAL_MS } from '../api-key-secret.js';

interface KeyRow {
  id: string;
  name: string;
  prefix: string;
  hash: string;
  scopes: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

function toRecord(row: KeyRow): ApiKeyRecord {
  const parsed = JSON.parse(row.scopes) as unknown;
  const scopes = Array.isArray(parsed) ? parsed.filter((s): s is KeyScope => (KEY_SCOPES as readonly unknown[]).includes(s)) : [];
  return { id: row.id, name: row.name, prefix: row.prefix, scopes, createdAt: row.created_at, lastUsedAt: row.last_used_at, revokedAt: row.revoked_at };
}

/** KeyStore in the `api_keys` table of the embedded database (migration 3). */
export class SqliteKeyStore implements KeyStore {
  readonly #db: Database;
  /** verify() runs on every authenticated request: its statements are prepared once, on first use. */
  #byPrefix: Statement | undefined;
  #touch: Statement | undefined;

  constructor(db: Database) {
    this.#db = db;
  }

  async create(name: string, scopes: KeyScope[]): Promise<{ record: ApiKeyRecord; key: string }> {
    const key = newKeySecret();
    const row: KeyRow = {
      id: newKeyId(),
      name,
      prefix: key.slice(0, DISPLAY_PREFIX_LENGTH),
      hash: hashKey(key),
      scopes: JSON.stringify([...new Set(scopes)]),
      created_at: new Date().toISOString(),
      last_used_at: null,
      revoked_at: null,
    };
    this.#db
      .prepare('INSERT INTO api_keys (id, name, prefix, hash, scopes, created_at) VALUES (@id, @name, @prefix, @hash, @scopes, @created_at)')
      .run(row);
    return { record: toRecord(row), key };
  }

  async list(): Promise<ApiKeyRecord[]> {
    return (this.#db.prepare('SELECT * FROM api_keys ORDER BY created_at, id').all() as KeyRow[]).map(toRecord);
  }

  async revoke(id: string): Promise<boolean> {
    const found = this.#db.prepare('SELECT revoked_at FROM api_keys WHERE id = ?').get(id) as { revoked_at: string | null } | undefined;
    if (!found) return false;
    if (found.revoked_at === null) this.#db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ?').run(new Date().toISOString(), id);
    return true;
  }

  async verify(secret: string): Promise<ApiKeyRecord | undefined> {
    if (!secret.startsWith(KEY_PREFIX)) return undefined;
    this.#byPrefix ??= this.#db.prepare('SELECT * FROM api_keys WHERE prefix = ? AND revoked_at IS NULL');
    const rows = this.#byPrefix.all(secret.slice(0, DISPLAY_PREFIX_LENGTH)) as KeyRow[];
    const row = rows.find((candidate) => secretMatches(secret, candidate.hash));
    if (!row) return undefined;
    const now = Date.now();
    if (row.last_used_at === null || now - Date.parse(row.last_used_at) >= TOUCH_INTERVAL_MS) {
      row.last_used_at = new Date(now).toISOString();
      this.#touch ??= this.#db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?');
      this.#touch.run(row.last_used_at, row.id);
    }
    return toRecord(row);
  }

  async exportRecords(cursor: string | null, limit: number): Promise<RecordPage<ExportedApiKey>> {
    const rows = this.#db.prepare('SELECT rowid AS row_order, * FROM api_keys WHERE rowid > ? ORDER BY rowid LIMIT ?').all(cursor === null ? 0 : Number(cursor), limit) as Array<KeyRow & { row_order: number }>;
    const last = rows[rows.length - 1];
    return { items: rows.map((row) => ({ ...toRecord(row), hash: row.hash })), cursor: rows.length === limit && last ? String(last.row_order) : null };
  }

  async importRecords(records: readonly ExportedApiKey[]): Promise<number> {
    const insert = this.#db.prepare(
      'INSERT OR IGNORE INTO api_keys (id, name, prefix, hash, scopes, created_at, last_used_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    return this.#db.transaction(() => {
      let added = 0;
      for (const key of records) {
        added += insert.run(key.id, key.name, key.prefix, key.hash, JSON.stringify(key.scopes), key.createdAt, key.lastUsedAt, key.revokedAt).changes;
      }
      return added;
    })();
  }

  async countRecords(): Promise<Record<string, number>> {
    return { apiKeys: this.#db.prepare('SELECT count(*) FROM api_keys').pluck().get() as number };
  }
}
