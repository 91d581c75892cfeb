import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contractAnalyzer } from '../stores/store-contract-fixtures.js';
import { openSqliteStore } from '../stores/sqlite/open-sqlite-store.js';
import { vectorIndexContract } from '../stores/vector-index.contract.js';
import { InMemoryVectorIndex } from './in-memory-indexes.js';

// The reference of an index that lives outside the store and knows only what writers push to it (as a
// remote vector database does), beside SQLite chunks.
vectorIndexContract('in memory, fed by pushes only', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'cairn-pushed-'));
  const vectors = new InMemoryVectorIndex();
  return {
    async open() {
      const store = await openSqliteStore({ path: join(directory, 'cairn.db'), lexicalAnalyzer: contractAnalyzer });
      return { chunks: store.chunks, vectors, close: () => store.close() };
    },
    dispose: () => rm(directory, { recursive: true, force: true }),
  };
});
