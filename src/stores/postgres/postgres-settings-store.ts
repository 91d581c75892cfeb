import type pg from 'pg';
import type { RecordPage } from '../record-transfer.js';
import type { ExportedSetting, SettingsStore, StoredSetting } from '../settings-store.js';
import { withAppTransaction } from './app-transaction.js';

interface SettingRow {
  key: string;
  value: unknown;
  updated_at: Date;
  updated_by: string | null;
}

function toSetting(row: SettingRow): StoredSetting {
  return { value: row.value, updatedAt: row.updated_at.toISOString(), updatedBy: row.updated_by };
}

/** SettingsStore in the `runtime_settings` table (migration 54): one row per setting, its value as jsonb. */
export class PostgresSettingsStore implements SettingsStore {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async all(): Promise<Record<string, StoredSetting>> {
    const { rows } = await this.#pool.query<SettingRow>('SELECT * FROM runtime_settings ORDER BY key COLLATE "C"');
    return Object.fromEntries(rows.map((row) => [row.key, toSetting(row)]));
  }

  async update(changes: Record<string, unknown>, updatedBy: string | null): Promise<Record<string, StoredSetting>> {
    const now = new Date().toISOString();
    await withAppTransaction(this.#pool, async (client) => {
      for (const [key, value] of Object.entries(changes)) {
        if (value === null || value === undefined) await client.query('DELETE FROM runtime_settings WHERE key = $1', [key]);
        else {
          await client.query(
            `INSERT INTO runtime_settings (key, value, updated_at, updated_by) VALUES ($1, $2, $3, $4)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
            [key, JSON.stringify(value), now, updatedBy],
          );
        }
      }
    });
    return this.all();
  }

  async exportRecords(cursor: string | null, limit: number): Promise<RecordPage<ExportedSetting>> {
    const { rows } = await this.#pool.query<SettingRow>('SELECT * FROM runtime_settings WHERE key COLLATE "C" > $1 ORDER BY key COLLATE "C" LIMIT $2', [cursor ?? '', limit]);
    const last = rows[rows.length - 1];
    return { items: rows.map((row) => ({ key: row.key, ...toSetting(row) })), cursor: rows.length === limit && last ? last.key : null };
  }

  async importRecords(records: readonly ExportedSetting[]): Promise<number> {
    if (records.length === 0) return 0;
    const { rowCount } = await this.#pool.query(
      `INSERT INTO runtime_settings (key, value, updated_at, updated_by)
       SELECT e->>'key', e->'value', (e->>'updatedAt')::timestamptz, e->>'updatedBy' FROM jsonb_array_elements($1::jsonb) AS e
       ON CONFLICT (key) DO NOTHING`,
      [JSON.stringify(records)],
    );
    return rowCount ?? 0;
  }

  async countRecords(): Promise<Record<string, number>> {
    const { rows } = await this.#pool.query<{ n: number }>('SELECT count(*)::int AS n FROM runtime_settings');
    return { settings: rows[0]?.n ?? 0 };
  }
}
