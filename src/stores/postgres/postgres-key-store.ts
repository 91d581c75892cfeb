import type pg from 'pg';
import { DISPLAY_PREFIX_LENGTH, hashKey, KEY_PREFIX, newKeyId, newKeySecret, secretMatches, TOUCH_INTERVAL_MS } from '../api-key-secret.js';
import { KEY_SCOPES, type ApiKeyRecord, type ExportedApiKey, type KeyScope, type KeyStore } from '../key-store.js';
import type { RecordPage } from '../record-transfer.js';
import { isoOrNull } from './app-transaction.js';

interface KeyRow {
  seq: string;
  id: string;
  name: string;
  prefix: string;
  hash: string;
  scopes: unknown;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

/** The columns of KeyRow (a named statement lists them: `*` would change its row shape under a migration). */
const KEY_COLUMNS = 'seq, id, name, prefix, hash, scopes, created_at, last_used_at, revoked_at';

function toRecord(row: KeyRow): ApiKeyRecord {
  const scopes = Array.isArray(row.scopes) ? row.scopes.filter((s): s is KeyScope => (KEY_SCOPES as readonly unknown[]).includes(s)) : [];
  return {
    id: row.id, name: row.name, prefix: row.prefix, scopes, createdAt: row.created_at.toISOString(),
    lastUsedAt: isoOrNull(row.last_used_at), revokedAt: isoOrNull(row.revoked_at),
  };
}

/** KeyStore in the `api_keys` table (migration 50); secrets are hashed as on SQLite (api-key-secret.ts). */
export class PostgresKeyStore implements KeyStore {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async create(name: string, scopes: KeyScope[]): Promise<{ record: ApiKeyRecord; key: string }> {
    const key = newKeySecret();
    const { rows } = await this.#pool.query<KeyRow>(
      'INSERT INTO api_keys (id, name, prefix, hash, scopes, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *',
      [newKeyId(), name, key.slice(0, DISPLAY_PREFIX_LENGTH), hashKey(key), JSON.stringify([...new Set(scopes)]), new Date().toISOString()],
    );
    return { record: toRecord(rows[0] as KeyRow), key };
  }

  async list(): Promise<ApiKeyRecord[]> {
    return (await this.#pool.query<KeyRow>('SELECT * FROM api_keys ORDER BY created_at, id')).rows.map(toRecord);
  }

  async revoke(id: string): Promise<boolean> {
    const { rowCount } = await this.#pool.query('UPDATE api_keys SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1', [id, new Date().toISOString()]);
    return (rowCount ?? 0) > 0;
  }

  async verify(secret: string): Promise<ApiKeyRecord | undefined> {
    if (!secret.startsWith(KEY_PREFIX)) return undefined;
    // Named (every authenticated request runs it): parsed and planned once per connection.
    const { rows } = await this.#pool.query<KeyRow>({
      name: 'cairn-verify-key',
      text: `SELECT ${KEY_COLUMNS} FROM api_keys WHERE prefix = $1 AND revoked_at IS NULL`,
      values: [secret.slice(0, DISPLAY_PREFIX_LENGTH)],
    });
    const row = rows.find((candidate) => secretMatches(secret, candidate.hash));
    if (!row) return undefined;
    const now = Date.now();
    if (row.last_used_at === null || now - row.last_used_at.getTime() >= TOUCH_INTERVAL_MS) {
      row.last_used_at = new Date(now);
      await this.#pool.query('UPDATE api_keys SET last_used_at = $2 WHERE id = $1', [row.id, row.last_used_at.toISOString()]);
    }
    return toRecord(row);
  }

  async exportRecords(cursor: string | null, limit: number): Promise<RecordPage<ExportedApiKey>> {
    const { rows } = await this.#pool.query<KeyRow>('SELECT * FROM api_keys WHERE seq > $1 ORDER BY seq LIMIT $2', [cursor ?? '0', limit]);
    const last = rows[rows.length - 1];
    return { items: rows.map((row) => ({ ...toRecord(row), hash: row.hash })), cursor: rows.length === limit && last ? last.seq : null };
  }

  async importRecords(records: readonly ExportedApiKey[]): Promise<number> {
    if (records.length === 0) return 0;
    // One statement: the rows in the given order (so seq keeps it), those already present skipped.
    const { rowCount } = await this.#pool.query(
      `INSERT INTO api_keys (id, name, prefix, hash, scopes, created_at, last_used_at, revoked_at)
       SELECT r.id, r.name, r.prefix, r.hash, r.scopes, r."createdAt", r."lastUsedAt", r."revokedAt"
       FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (id text, name text, prefix text, hash text, scopes jsonb, "createdAt" timestamptz, "lastUsedAt" timestamptz, "revokedAt" timestamptz))
         WITH ORDINALITY AS r(id, name, prefix, hash, scopes, "createdAt", "lastUsedAt", "revokedAt", n)
       ORDER BY r.n
       ON CONFLICT (id) DO NOTHING`,
      [JSON.stringify(records)],
    );
    return rowCount ?? 0;
  }

  async countRecords(): Promise<Record<string, number>> {
    const { rows } = await this.#pool.query<{ n: number }>('SELECT count(*)::int AS n FROM api_keys');
    return { apiKeys: rows[0]?.n ?? 0 };
  }
}
