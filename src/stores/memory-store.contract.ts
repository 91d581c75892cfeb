import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MemoryStore, NewMemory } from './memory-store.js';
import { assertTransfers } from './record-transfer.contract.js';

/** A memory store under test: fresh and empty, with the chunk store's analyzer (analyzeForIndex). */
export interface MemoryStoreUnderTest {
  memories: MemoryStore;
  close(): Promise<void>;
}

const memory = (content: string, extra: Partial<NewMemory> = {}): NewMemory => ({
  content, tags: [], source: null, sessionId: null, userId: null, expiresAt: null, ...extra,
});

const unit = (values: number[]) => {
  const vector = Float32Array.from(values);
  const norm = Math.hypot(...vector);
  return vector.map((value) => value / norm);
};

const now = () => new Date().toISOString();

/** The MemoryStore contract (SQLite and PostgreSQL); `open` returns a fresh, empty store each time it is called. */
export function memoryStoreContract(name: string, open: () => Promise<MemoryStoreUnderTest>): void {
  describe(`MemoryStore contract: ${name}`, () => {
    let store: MemoryStoreUnderTest;
    before(async () => {
      store = await open();
    });
    after(async () => {
      await store.close();
    });

      it('creates, gets, updates and deletes a memory; content changes drop the vector', async () => {
        const created = await store.memories.create(memory('Prod DB is on host db-2, port 5433', { tags: ['infra', 'infra', 'db'], source: 'runbook' }));
        assert.match(created.id, /^mem_/);
        assert.deepEqual(created.tags, ['infra', 'db']);
        assert.equal(created.createdAt, created.updatedAt);
        assert.deepEqual(await store.memories.get(created.id, now()), created);

        await store.memories.setVector(created.id, 'test:embedder', unit([1, 0, 0]));
        assert.equal((await store.memories.missingVectors('test:embedder', {}, now(), 10)).some((m) => m.id === created.id), false);
        const tagged = await store.memories.update(created.id, { tags: ['ops'], source: null }, now());
        assert.deepEqual(tagged?.tags, ['ops']);
        assert.equal(tagged?.source, null);
        assert.equal((await store.memories.missingVectors('test:embedder', {}, now(), 10)).some((m) => m.id === created.id), false, 'tags alone keep the vector');
        const rewritten = await store.memories.update(created.id, { content: 'Prod DB moved to db-3' }, now());
        assert.equal(rewritten?.content, 'Prod DB moved to db-3');
        assert.ok((await store.memories.missingVectors('test:embedder', {}, now(), 10)).some((m) => m.id === created.id), 'new content needs a new vector');

        const found = await store.memories.candidates({ scope: {}, now: now(), text: 'db-3 host', vector: null, embedder: null, limit: 10 });
        assert.deepEqual(found.map((c) => c.memory.id), [created.id], 'the FTS row follows the new content');
        assert.equal((await store.memories.candidates({ scope: {}, now: now(), text: 'ops', vector: null, embedder: null, limit: 10 })).length, 1, 'tags are searchable');
        assert.equal((await store.memories.candidates({ scope: {}, now: now(), text: '5433', vector: null, embedder: null, limit: 10 })).length, 0, 'the old content is gone');

        assert.equal(await store.memories.delete(created.id), true);
        assert.equal(await store.memories.delete(created.id), false);
        assert.equal(await store.memories.get(created.id, now()), undefined);
        assert.equal(await store.memories.update(created.id, { content: 'x' }, now()), undefined);
        assert.equal((await store.memories.candidates({ scope: {}, now: now(), text: 'db-3', vector: null, embedder: null, limit: 10 })).length, 0);
      });

      it('scopes: unscoped memories are visible to all, scoped ones only to their session and user', async () => {
        const global = await store.memories.create(memory('scopetest kiwi global'));
        const sessionA = await store.memories.create(memory('scopetest kiwi session a', { sessionId: 'a' }));
        const userU = await store.memories.create(memory('scopetest kiwi user u', { userId: 'u' }));
        const both = await store.memories.create(memory('scopetest kiwi session a user u', { sessionId: 'a', userId: 'u' }));
        const ids = async (scope: { sessionId?: string; userId?: string }) =>
          (await store.memories.candidates({ scope, now: now(), text: 'scopetest kiwi', vector: null, embedder: null, limit: 10 })).map((c) => c.memory.id).sort();
        assert.deepEqual(await ids({}), [global.id]);
        assert.deepEqual(await ids({ sessionId: 'a' }), [global.id, sessionA.id].sort());
        assert.deepEqual(await ids({ sessionId: 'b' }), [global.id]);
        assert.deepEqual(await ids({ userId: 'u' }), [global.id, userU.id].sort());
        assert.deepEqual(await ids({ sessionId: 'a', userId: 'u' }), [global.id, sessionA.id, userU.id, both.id].sort());
        assert.equal(await store.memories.hasVisible({ sessionId: 'a' }, now()), true);

        const listed = await store.memories.list({ sessionId: 'a', limit: 10, now: now() });
        assert.deepEqual(listed.items.map((m) => m.id).sort(), [sessionA.id, both.id].sort(), 'list filters exactly');
        for (const m of [global, sessionA, userU, both]) await store.memories.delete(m.id);
      });

      it('never returns expired memories', async () => {
        const past = new Date(Date.now() - 60_000).toISOString();
        const future = new Date(Date.now() + 3_600_000).toISOString();
        const expired = await store.memories.create(memory('expirytest papaya old', { expiresAt: past }));
        const alive = await store.memories.create(memory('expirytest papaya new', { expiresAt: future }));
        await store.memories.setVector(expired.id, 'test:embedder', unit([0, 1, 0]));
        await store.memories.setVector(alive.id, 'test:embedder', unit([0, 1, 0]));
        assert.equal(await store.memories.get(expired.id, now()), undefined);
        assert.deepEqual((await store.memories.get(alive.id, now()))?.expiresAt, future);
        const candidates = await store.memories.candidates({ scope: {}, now: now(), text: 'expirytest papaya', vector: unit([0, 1, 0]), embedder: 'test:embedder', limit: 10 });
        assert.deepEqual(candidates.map((c) => c.memory.id), [alive.id]);
        assert.ok(!(await store.memories.list({ limit: 100, now: now() })).items.some((m) => m.id === expired.id));
        assert.equal(await store.memories.update(expired.id, { expiresAt: null }, now()), undefined, 'an expired memory cannot be revived');
        await store.memories.delete(alive.id);
        await store.memories.delete(expired.id);
      });

      it('candidates: cosine for rows with a vector of the query embedder, matched terms for all, tag filter', async () => {
        const near = await store.memories.create(memory('mango orchard irrigation schedule', { tags: ['farm'] }));
        const far = await store.memories.create(memory('quarterly tax filing deadline', { tags: ['money'] }));
        const other = await store.memories.create(memory('mango prices'));
        await store.memories.setVector(near.id, 'test:embedder', unit([1, 0.1, 0]));
        await store.memories.setVector(far.id, 'test:embedder', unit([0, 0, 1]));
        await store.memories.setVector(other.id, 'other:embedder', unit([1, 0, 0]));
        const found = await store.memories.candidates({ scope: {}, now: now(), text: 'mango irrigation', vector: unit([1, 0, 0]), embedder: 'test:embedder', limit: 10 });
        const byId = new Map(found.map((c) => [c.memory.id, c]));
        assert.ok((byId.get(near.id)?.cosine ?? 0) > 0.99);
        assert.equal(byId.get(near.id)?.matchedTerms, 2);
        assert.equal(byId.get(near.id)?.queryTerms, 2);
        assert.equal(byId.get(far.id)?.cosine, 0, 'found by the dense scan although no word matches');
        assert.equal(byId.get(far.id)?.matchedTerms, 0);
        assert.equal(byId.get(other.id)?.cosine, null, 'a vector of another embedder is not compared');
        assert.equal(byId.get(other.id)?.matchedTerms, 1);
        const tagged = await store.memories.candidates({ scope: {}, now: now(), text: 'mango', vector: null, embedder: null, tags: ['farm'], limit: 10 });
        assert.deepEqual(tagged.map((c) => c.memory.id), [near.id]);
        for (const m of [near, far, other]) await store.memories.delete(m.id);
      });

      it('lists newest first with a cursor, filters by tag and text', async () => {
        const created = [];
        for (let i = 0; i < 5; i++) created.push(await store.memories.create(memory(`listtest item ${i}`, { tags: i % 2 === 0 ? ['even'] : [] })));
        const first = await store.memories.list({ text: 'LISTTEST', limit: 2, now: now() });
        assert.deepEqual(first.items.map((m) => m.content), ['listtest item 4', 'listtest item 3']);
        assert.ok(first.nextCursor);
        const second = await store.memories.list({ text: 'listtest', limit: 2, cursor: first.nextCursor, now: now() });
        assert.deepEqual(second.items.map((m) => m.content), ['listtest item 2', 'listtest item 1']);
        const third = await store.memories.list({ text: 'listtest', limit: 2, cursor: second.nextCursor ?? '', now: now() });
        assert.deepEqual(third.items.map((m) => m.content), ['listtest item 0']);
        assert.equal(third.nextCursor, null);
        const even = await store.memories.list({ tag: 'even', text: 'listtest', limit: 10, now: now() });
        assert.equal(even.items.length, 3);
        for (const m of created) await store.memories.delete(m.id);
      });

    it('copies its memories with their vectors and embedders; copies are found as the originals', async () => {
      const kept = await store.memories.create(memory('copytest the staging cluster runs on k3s', { tags: ['ops'], userId: 'u9' }));
      await store.memories.setVector(kept.id, 'test:embedder', unit([0.2, 0.9, 0.1]));
      await store.memories.create(memory('copytest no vector yet', { expiresAt: new Date(Date.now() - 60_000).toISOString() }));
      const target = await open();
      try {
        await assertTransfers(store.memories, target.memories);
        const found = await target.memories.candidates({ scope: { userId: 'u9' }, now: now(), text: 'staging k3s', vector: unit([0.2, 0.9, 0.1]), embedder: 'test:embedder', limit: 5 });
        assert.equal(found[0]?.memory.id, kept.id);
        assert.ok((found[0]?.cosine ?? 0) > 0.99);
        assert.equal(found[0]?.matchedTerms, 2);
      } finally {
        await target.close();
      }
    });
  });
}
