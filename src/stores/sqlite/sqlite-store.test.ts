import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chunkStoreContract } from '../chunk-store.contract.js';
import { contractAnalyzer } from '../store-contract-fixtures.js';
import { vectorIndexContract } from '../vector-index.contract.js';
import { snapshotPaths } from './hnsw-snapshot.js';
import { openSqliteStore } from './open-sqlite-store.js';

const HNSW = { m: 16, efConstruction: 100, efSearch: 80 };

chunkStoreContract('sqlite', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'cairn-sqlite-'));
  const store = await openSqliteStore({ path: join(directory, 'cairn.db'), lexicalAnalyzer: contractAnalyzer, hnsw: HNSW });
  return {
    chunks: store.chunks,
    lexical: store.lexical,
    async close() {
      await store.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
});

vectorIndexContract('sqlite + hnswlib', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'cairn-hnsw-'));
  const path = join(directory, 'cairn.db');
  return {
    open: () => openSqliteStore({ path, lexicalAnalyzer: contractAnalyzer, hnsw: HNSW }),
    async damageSnapshot(collection, how) {
      const paths = snapshotPaths(join(directory, 'vectors'), collection);
      if (how === 'delete') {
        await rm(paths.index, { force: true });
        return;
      }
      const bytes = await readFile(paths.index);
      for (let i = 64; i < bytes.length; i += 97) bytes[i] = (bytes[i] ?? 0) ^ 0xff;
      await writeFile(paths.index, bytes);
    },
    dispose: () => rm(directory, { recursive: true, force: true }),
  };
});
