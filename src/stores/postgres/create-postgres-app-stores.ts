import type pg from 'pg';
import { analyzeForIndex } from '../../models/tokenize/lexical-analyzer.js';
import type { StoreBackend } from '../store-backend.js';
import { PostgresAnalyticsStore } from './postgres-analytics-store.js';
import { PostgresChatStore } from './postgres-chat-store.js';
import { PostgresJobStore } from './postgres-job-store.js';
import { PostgresKeyStore } from './postgres-key-store.js';
import { PostgresMemoryStore } from './postgres-memory-store.js';
import { PostgresSettingsStore } from './postgres-settings-store.js';

/** The application stores of a PostgreSQL backend: everything but the knowledge base's chunks and indexes. */
export type PostgresAppStores = Pick<StoreBackend, 'keys' | 'jobs' | 'chats' | 'memories' | 'settings' | 'analytics'>;

/**
 * The application stores over one pool (migrated with POSTGRES_APP_MIGRATIONS). They share the pool
 * and own nothing else: ending the pool ends them. `analyze` is the chunk store's lexical analyzer,
 * which memories are matched with (analyzeForIndex in Cairn; tests may pass another).
 */
export function createPostgresAppStores(pool: pg.Pool, analyze: (text: string) => string = analyzeForIndex): PostgresAppStores {
  return {
    keys: new PostgresKeyStore(pool),
    jobs: new PostgresJobStore(pool),
    chats: new PostgresChatStore(pool),
    memories: new PostgresMemoryStore(pool, analyze),
    settings: new PostgresSettingsStore(pool),
    analytics: new PostgresAnalyticsStore(pool),
  };
}
