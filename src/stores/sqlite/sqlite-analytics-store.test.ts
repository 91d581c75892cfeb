import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyticsStoreContract } from '../analytics-store.contract.js';
import { contractAnalyzer } from '../store-contract-fixtures.js';
import { openSqliteStore } from './open-sqlite-store.js';

analyticsStoreContract('sqlite', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'cairn-analytics-'));
  const store = await openSqliteStore({ path: join(directory, 'cairn.db'), lexicalAnalyzer: contractAnalyzer });
  return {
    analytics: store.analytics,
    async close() {
      await store.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
});
