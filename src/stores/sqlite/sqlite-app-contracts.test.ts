import { jobStoreContract } from '../job-store.contract.js';
import { keyStoreContract } from '../key-store.contract.js';
import { memoryStoreContract } from '../memory-store.contract.js';
import { settingsStoreContract } from '../settings-store.contract.js';
import { openTempSqliteStore } from '../../testing/temp-sqlite-store.js';

// The application stores' contracts on SQLite (chats and analytics run theirs in their own test files);
// postgres/postgres-app-stores.test.ts runs the same on PostgreSQL.
const open = async () => {
  const { store, close } = await openTempSqliteStore();
  return { keys: store.keys, jobs: store.jobs, memories: store.memories, settings: store.settings, close };
};

keyStoreContract('sqlite', open);
jobStoreContract('sqlite', open);
memoryStoreContract('sqlite', open);
settingsStoreContract('sqlite', open);
