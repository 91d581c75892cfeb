import { join } from 'node:path';
import type { CairnConfig } from '../../config/config-schema.js';
import { CairnError } from '../../core/cairn-error.js';
import type { StoreRestore } from '../../stores/store-backup.js';
import { PostgresStoreRestore } from '../../stores/postgres/postgres-store-restore.js';
import { POSTGRES_SCHEMA } from '../../stores/postgres/postgres-schema.js';
import { SqliteStoreRestore } from '../../stores/sqlite/sqlite-store-restore.js';

/**
 * The restore side of the configured store, bound to where the configuration puts it. Like
 * open-cairn.ts, the one place that names a concrete backend for restores; a new backend adds one case
 * (PostgreSQL: `pg_restore` into `store.url`, docs/decisions/0040). A backup of another
 * kind than the configured one is refused by the caller (BACKUP_INCOMPATIBLE).
 */
export function openStoreRestore(config: CairnConfig): StoreRestore {
  if (config.store.url) {
    return new PostgresStoreRestore({
      url: config.store.url,
      ...(config.store.tls === undefined ? {} : { tls: config.store.tls }),
      ...(config.backup.postgresBinDir === undefined ? {} : { binDir: config.backup.postgresBinDir }),
      connectTimeoutMs: config.store.connectTimeoutMs,
      schemaVersion: POSTGRES_SCHEMA.at(-1)?.version ?? 0,
    });
  }
  switch (config.store.kind) {
    case 'sqlite':
      return new SqliteStoreRestore(config.store.path ?? join(config.home, 'cairn.db'));
    default:
      throw new CairnError('BACKUP_INCOMPATIBLE', `Backups of a ${String(config.store.kind)} store are not supported yet.`, { hint: 'Back up with the database server\'s own tools.' });
  }
}
