import { join, resolve } from 'node:path';
import type { CairnConfig } from '../../config/config-schema.js';
import { CairnError } from '../../core/cairn-error.js';
import { redactDatabaseUrl } from '../../stores/postgres/connect-postgres.js';

/** Where a knowledge base lives: a SQLite file or a PostgreSQL database. */
export type StoreLocation = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

/** The configured store: PostgreSQL when `store.url` (CAIRN_DATABASE_URL) is set, else the SQLite file. */
export function configuredStoreLocation(config: CairnConfig): StoreLocation {
  if (config.store.url !== undefined) return { kind: 'postgres', url: config.store.url };
  return { kind: 'sqlite', path: resolve(config.store.path ?? join(config.home, 'cairn.db')) };
}

/** `--from`/`--to` of `cairn db copy`: a postgres:// URL, or a path of a SQLite file (relative to `cwd`). */
export function parseStoreLocation(text: string, cwd: string): StoreLocation {
  const trimmed = text.trim();
  if (trimmed === '') throw new CairnError('INPUT_INVALID', 'A store location is empty.', { hint: 'Pass a SQLite file (./cairn.db) or a URL (postgres://user:password@host:5432/db).' });
  if (/^postgres(ql)?:\/\//i.test(trimmed)) return { kind: 'postgres', url: trimmed };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
    throw new CairnError('INPUT_INVALID', `${redactDatabaseUrl(trimmed)} is neither a PostgreSQL URL nor a file.`, {
      hint: 'Use postgres://user:password@host:5432/database, or the path of a SQLite file (cairn.db).',
    });
  }
  return { kind: 'sqlite', path: resolve(cwd, trimmed) };
}

/** The location as output shows it: never a password. */
export function describeStoreLocation(location: StoreLocation): string {
  return location.kind === 'postgres' ? redactDatabaseUrl(location.url) : location.path;
}
