import type { PostgresMigration } from './migrate-postgres.js';
import { POSTGRES_APP_MIGRATIONS } from './postgres-app-migrations.js';
import { POSTGRES_MIGRATIONS } from './postgres-migrations.js';

/**
 * Every migration of a Cairn database on PostgreSQL, in version order: the knowledge base's (1–49,
 * postgres-migrations.ts) then the application stores' (50–99). `cairn db migrate|status` and the
 * backend's start-up apply and report this one list.
 */
export const POSTGRES_SCHEMA: readonly PostgresMigration[] = [...POSTGRES_MIGRATIONS, ...POSTGRES_APP_MIGRATIONS];
