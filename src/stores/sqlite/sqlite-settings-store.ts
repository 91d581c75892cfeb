import type { Database } from 'better-sqlite3';
import type { RecordPage } from '../record-transfer.js';
import type { ExportedSetting, SettingsStore, StoredSetting } from '../settings-store.js';

interface SettingRow {
  key: string;
  value: string;
  updated_at: string;
  updated_by: string | null;
}

/** SettingsStore in the `runtime_settings` table: one row per setting, its value as JSON. */
export class SqliteSettingsStore implements SettingsStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async all(): Promise<Record<string, StoredSetting>> {
    return this.#read();
  }

  async update(changes: Record<string, unknown>, updatedBy: string | null): Promise<Record<string, StoredSetting>> {
    const now = new Date().toISOString();
    const upsert = this.#db.prepare(
      'INSERT INTO runtime_settings (key, value, updated_at, updated_by) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by',
    );
    const remove = this.#db.prepare('DELETE FROM runtime_settings WHERE key = ?');
    this.#db.transaction(() => {
      for (const [key, value] of Object.entries(changes)) {
        if (value === null || value === undefined) remove.run(key);
        else upsert.run(key, JSON.stringify(value), now, updatedBy);
      }
    })();
    return this.#read();
  }

  async exportRecords(cursor: string | null, limit: number): Promise<RecordPage<ExportedSetting>> {
    const rows = this.#db.prepare('SELECT * FROM runtime_settings WHERE key > ? ORDER BY key LIMIT ?').all(cursor ?? '', limit) as SettingRow[];
    const last = rows[rows.length - 1];
    return { items: rows.map((row) => ({ key: row.key, ...toSetting(row) })), cursor: rows.length === limit && last ? last.key : null };
  }

  async importRecords(records: readonly ExportedSetting[]): Promise<number> {
    const insert = this.#db.prepare('INSERT OR IGNORE INTO runtime_settings (key, value, updated_at, updated_by) VALUES (?, ?, ?, ?)');
    return this.#db.transaction(() => records.reduce((added, setting) => added + insert.run(setting.key, JSON.stringify(setting.value), setting.updatedAt, setting.updatedBy).changes, 0))();
  }

  async countRecords(): Promise<Record<string, number>> {
    return { settings: this.#db.prepare('SELECT count(*) FROM runtime_settings').pluck().get() as number };
  }

  #read(): Record<string, StoredSetting> {
    const rows = this.#db.prepare('SELECT * FROM runtime_settings ORDER BY key').all() as SettingRow[];
    return Object.fromEntries(rows.map((row) => [row.key, toSetting(row)]));
  }
}

function toSetting(row: SettingRow): StoredSetting {
  return { value: JSON.parse(row.value) as unknown, updatedAt: row.updated_at, updatedBy: row.updated_by };
}
