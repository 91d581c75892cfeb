import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type pg from 'pg';
import { analyzeForIndex } from '../../models/tokenize/lexical-analyzer.js';
import { POSTGRES_MISSING, startPostgres } from '../../testing/postgres-server.js';
import { analyticsStoreContract } from '../analytics-store.contract.js';
import { chatStoreContract } from '../chat-store.contract.js';
import { jobStoreContract } from '../job-store.contract.js';
import { keyStoreContract } from '../key-store.contract.js';
import { memoryStoreContract } from '../memory-store.contract.js';
import { settingsStoreContract } from '../settings-store.contract.js';
import { connectPostgres } from './connect-postgres.js';
import { createPostgresAppStores } from './create-postgres-app-stores.js';
import { migratePostgres } from './migrate-postgres.js';
import { POSTGRES_APP_MIGRATIONS } from './postgres-app-migrations.js';

const server = await startPostgres();

async function connect(url: string): Promise<pg.Pool> {
  return connectPostgres({ url, poolSize: 8, connectTimeoutMs: 5000, statementTimeoutMs: 30_000 });
}

/** A fresh, migrated database and the application stores over it. */
async function open() {
  if (server === null) throw new Error(POSTGRES_MISSING);
  const url = await server.createDatabase('cairn_app');
  const pool = await connect(url);
  await migratePostgres(pool, POSTGRES_APP_MIGRATIONS);
  return { ...createPostgresAppStores(pool, analyzeForIndex), url, pool, close: () => pool.end() };
}

if (server === null) {
  it('PostgreSQL application stores', (t) => t.skip(POSTGRES_MISSING));
} else {
  keyStoreContract('postgres', open);
  jobStoreContract('postgres', open);
  chatStoreContract('postgres', open);
  memoryStoreContract('postgres', open);
  settingsStoreContract('postgres', open);
  analyticsStoreContract('postgres', open);

  describe('PostgreSQL application stores across pools (processes)', () => {
    it('keys, sessions and memories written through one pool are seen at once through another', async () => {
      const first = await open();
      const secondPool = await connect(first.url);
      const second = createPostgresAppStores(secondPool, analyzeForIndex);
      try {
        const { key } = await first.keys.create('shared', ['read']);
        assert.equal((await second.keys.verify(key))?.name, 'shared');
        const memory = await first.memories.create({ content: 'crossproc vector row', tags: [], source: null, sessionId: null, userId: null, expiresAt: null });
        const vector = Float32Array.from([0.6, 0.8, 0]);
        await first.memories.setVector(memory.id, 'shared:embedder', vector);
        const search = async () =>
          (await second.memories.candidates({ scope: {}, now: new Date().toISOString(), text: 'nothing-matches', vector, embedder: 'shared:embedder', limit: 5 }))
            .filter((c) => c.cosine !== null)
            .map((c) => c.memory.id);
        assert.deepEqual(await search(), [memory.id]);
        await first.memories.update(memory.id, { sessionId: 'elsewhere' }, new Date().toISOString());
        assert.deepEqual(await search(), [], 'a scope set by another process applies');
      } finally {
        await Promise.all([first.close(), secondPool.end()]);
      }
    });

    it('two pools claiming at once never take one job twice, nor two jobs of one collection', async () => {
      const first = await open();
      const secondPool = await connect(first.url);
      const second = createPostgresAppStores(secondPool, analyzeForIndex);
      try {
        for (let i = 0; i < 10; i += 1) await first.jobs.create({ collection: `c${i % 5}`, kind: 'path', sources: [`${i}`], inputs: [`${i}`], options: {} });
        const claims = await Promise.all(
          Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? first : second).jobs.claim({ owner: `w${i}`, leaseMs: 60_000 })),
        );
        const taken = claims.filter((job) => job !== undefined);
        assert.equal(taken.length, 5, 'one job of each of the five collections');
        assert.equal(new Set(taken.map((job) => job.collection)).size, 5);
        assert.equal(new Set(taken.map((job) => job.id)).size, 5);
      } finally {
        await Promise.all([first.close(), secondPool.end()]);
      }
    });
  });
}
