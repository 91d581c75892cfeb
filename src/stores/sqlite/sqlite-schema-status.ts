import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { SCHEMA_VERSION, sqliteSchemaVersion } from './sqlite-schema.js';

/** The schema version of a database file without changing it (0 for a file not made yet), and the version this Cairn brings it to. */
export function sqliteSchemaStatus(path: string): { current: number; latest: number; exists: boolean } {
  if (!existsSync(path)) return { current: 0, latest: SCHEMA_VERSION, exists: false };
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return { current: sqliteSchemaVersion(db), latest: SCHEMA_VERSION, exists: true };
  } finally {
    db.close();
  }
}
