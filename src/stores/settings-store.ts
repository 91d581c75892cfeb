import type { RecordTransfer } from './record-transfer.js';

/** One stored run-time setting: its value (any JSON), when and by whom (an owner string, see app/caller.ts) it was set. */
export interface StoredSetting {
  value: unknown;
  updatedAt: string;
  updatedBy: string | null;
}

/** A setting as `cairn db copy` moves it. */
export interface ExportedSetting extends StoredSetting {
  key: string;
}

/**
 * Settings changed at run time (through `PATCH /v1/settings`), kept in the store so that every process
 * on it (the server, the CLI) and its backups see them. Keys are setting ids such as `answer.sources`;
 * which keys exist and what values are valid is decided by the use case (app/runtime-settings.ts),
 * not here. Records: ExportedSetting by key; counted as `settings`.
 */
export interface SettingsStore extends RecordTransfer<ExportedSetting> {
  /** Every stored setting by key. */
  all(): Promise<Record<string, StoredSetting>>;
  /** Sets and removes settings in one transaction (`null` removes a key), then answers all of them. */
  update(changes: Record<string, unknown>, updatedBy: string | null): Promise<Record<string, StoredSetting>>;
}
