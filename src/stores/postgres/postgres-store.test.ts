import { test } from 'node:test';
import { chunkStoreContract } from '../chunk-store.contract.js';
import { lexicalIndexContract } from '../lexical-index.contract.js';
import { contractAnalyzer } from '../store-contract-fixtures.js';
import { vectorIndexContract } from '../vector-index.contract.js';
import { POSTGRES_MISSING, startPostgres } from '../../testing/postgres-server.js';
import { openPostgresStore } from './open-postgres-store.js';

const HNSW = { m: 16, efConstruction: 100, efSearch: 80 };
const server = await startPostgres();

async function open(url: string) {
  return openPostgresStore({
    connect: { url, poolSize: 4, connectTimeoutMs: 5000, statementTimeoutMs: 30_000 },
    lexicalAnalyzer: contractAnalyzer,
    hnsw: HNSW,
  });
}

if (server === null) {
  test('PostgreSQL contract suites (chunk store, lexical, vector index)', (t) => t.skip(POSTGRES_MISSING));
} else {
  chunkStoreContract('postgres', async () => open(await server.createDatabase()));
  lexicalIndexContract('postgres bm25', async () => open(await server.createDatabase()));
  vectorIndexContract('postgres + pgvector', async () => {
    const url = await server.createDatabase();
    return { open: () => open(url), dispose: async () => {} };
  });
}
