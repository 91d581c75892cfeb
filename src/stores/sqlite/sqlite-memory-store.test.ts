import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { analyzeForIndex } from '../../models/tokenize/lexical-analyzer.js';
import type { NewMemory } from '../memory-store.js';
import { openSqliteStore, type SqliteStore } from './open-sqlite-store.js';

const memory = (content: string, extra: Partial<NewMemory> = {}): NewMemory => ({
  content, tags: [], source: null, sessionId: null, userId: null, expiresAt: null, ...extra,
});

const unit = (values: number[]) => {
  const vector = Float32Array.from(values);
  const norm = Math.hypot(...vector);
  return vector.map((value) => value / norm);
};

// The behaviour every MemoryStore shares is in memory-store.contract.ts (sqlite-app-contracts.test.ts).
describe('SqliteMemoryStore', () => {
  let dir: string;
  let store: SqliteStore;
  const open = () => openSqliteStore({ path: join(dir, 'cairn.db'), lexicalAnalyzer: analyzeForIndex });
  const now = () => new Date().toISOString();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-memory-store-'));
    store = await open();
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sees vectors written, changed and deleted by another connection (another process)', async () => {
    const other = await open();
    try {
      const search = async () =>
        (await store.memories.candidates({ scope: {}, now: now(), text: 'nothing-matches-lexically', vector: unit([0.3, 0.3, 1]), embedder: 'shared:embedder', limit: 10 }))
          .filter((c) => c.cosine !== null)
          .map((c) => c.memory.id);
      assert.deepEqual(await search(), []);
      const written = await other.memories.create(memory('crossproc vector row'));
      await other.memories.setVector(written.id, 'shared:embedder', unit([0.3, 0.3, 1]));
      assert.deepEqual(await search(), [written.id]);
      await other.memories.update(written.id, { sessionId: 'elsewhere' }, now());
      assert.deepEqual(await search(), [], 'a scope set by another process applies');
      await other.memories.update(written.id, { sessionId: null }, now());
      assert.deepEqual(await search(), [written.id]);
      await other.memories.delete(written.id);
      assert.deepEqual(await search(), []);
    } finally {
      await other.close();
    }
  });

  it('memories and their vectors survive closing and reopening the database', async () => {
    const kept = await store.memories.create(memory('restarttest the VPN config lives in vault', { tags: ['vpn'], userId: 'u1' }));
    await store.memories.setVector(kept.id, 'test:embedder', unit([0, 1, 1]));
    await store.close();
    store = await open();
    assert.deepEqual(await store.memories.get(kept.id, now()), kept);
    const found = await store.memories.candidates({ scope: { userId: 'u1' }, now: now(), text: 'vpn vault', vector: unit([0, 1, 1]), embedder: 'test:embedder', limit: 10 });
    assert.equal(found[0]?.memory.id, kept.id);
    assert.ok((found[0]?.cosine ?? 0) > 0.99);
  });
});
