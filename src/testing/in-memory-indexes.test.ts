import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { configSchema } from '../config/config-schema.js';
import { createSqliteBackend } from '../stores/sqlite/create-sqlite-backend.js';
import { vectorIndexContract } from '../stores/vector-index.contract.js';
import { InMemoryVectorIndex } from './in-memory-indexes.js';

// The reference of an index that lives outside the store and knows only what writers push to it (as a
// remote vector database does), plugged into the SQLite backend through its factory.
vectorIndexContract('in memory, fed by pushes only', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'cairn-pushed-'));
  const vectors = new InMemoryVectorIndex();
  const config = configSchema.parse({ home: directory });
  return {
    async open() {
      const backend = await createSqliteBackend(config, { vectorIndex: () => vectors });
      return { chunks: backend.chunks, vectors: backend.vectors, close: () => backend.close() };
    },
    dispose: () => rm(directory, { recursive: true, force: true }),
  };
});

test('a backend built with another vector index uses it and describes it', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'cairn-pushed-'));
  try {
    const vectors = new InMemoryVectorIndex();
    const backend = await createSqliteBackend(configSchema.parse({ home: directory }), { vectorIndex: () => vectors });
    assert.equal(backend.vectors, vectors);
    const described = await backend.describe();
    assert.deepEqual([described.kind, described.vectors, described.ok], ['sqlite', 'memory', true]);
    await backend.close();
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});
