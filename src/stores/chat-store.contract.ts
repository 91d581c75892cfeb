import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Citation } from '../core/answer-types.js';
import type { ChatStore } from './chat-store.js';
import { assertTransfers } from './record-transfer.contract.js';

/** A chat store under test: fresh and empty. */
export interface ChatStoreUnderTest {
  chats: ChatStore;
  close(): Promise<void>;
}

const citation: Citation = { n: 1, kind: 'chunk', chunkIds: [3], documentId: 1, sourceUri: 'file:///a.md', title: 'A', headingPath: ['H'], text: 'alpha', score: 0.5 };

/** Every page of `listSessions` with `limit`, concatenated. */
async function allPages(chats: ChatStore, query: { limit: number; owner?: string }): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await chats.listSessions({ ...query, ...(cursor ? { cursor } : {}) });
    assert.ok(page.items.length <= query.limit);
    seen.push(...page.items.map((s) => s.id));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return seen;
}

/**
 * The ChatStore contract. Every implementation (SQLite now, PostgreSQL next) runs these cases
 * through its own `*.test.ts`, with a factory that returns a fresh, empty store.
 */
export function chatStoreContract(name: string, open: () => Promise<ChatStoreUnderTest>): void {
  describe(`ChatStore contract: ${name}`, () => {
    let store: ChatStoreUnderTest;
    before(async () => {
      store = await open();
    });
    after(async () => {
      await store.close();
    });

    it('stores sessions and messages with citations and timings, and sets an empty title once', async () => {
      const session = await store.chats.createSession({ collection: 'kb', title: '', owner: null });
      assert.match(session.id, /^chat_/);
      assert.equal(session.messageCount, 0);
      assert.equal(session.owner, null);
      const stored = await store.chats.appendMessages(
        session.id,
        [
          { role: 'user', content: 'Which port?' },
          { role: 'assistant', content: 'Port 1 [1].', citations: [citation], timings: { retrievalMs: 1, rerankMs: 0, contextMs: 1, preparationMs: 2, totalMs: 5 }, extractive: false },
        ],
        'Which port?',
      );
      assert.equal(stored?.length, 2);
      await store.chats.appendMessages(session.id, [{ role: 'user', content: 'And then?' }], 'And then?');
      const reread = await store.chats.getSession(session.id);
      assert.equal(reread?.title, 'Which port?', 'the first question names the session, later ones do not');
      assert.equal(reread?.messageCount, 3);
      assert.ok((reread?.updatedAt ?? '') >= session.updatedAt);
      const messages = await store.chats.messages(session.id);
      assert.deepEqual(messages.map((m) => [m.role, m.content]), [['user', 'Which port?'], ['assistant', 'Port 1 [1].'], ['user', 'And then?']]);
      assert.deepEqual(messages[1]?.citations, [citation]);
      assert.equal(messages[1]?.timings?.totalMs, 5);
      assert.equal(messages[1]?.extractive, false);
      assert.equal(messages[0]?.citations, undefined);
      assert.deepEqual((await store.chats.messages(session.id, 2)).map((m) => m.content), ['Port 1 [1].', 'And then?'], 'the last n, oldest first');
    });

    it('renames, lists most recently updated first with a cursor, and deletes with the messages', async () => {
      const a = await store.chats.createSession({ collection: 'kb', title: 'A', owner: null });
      const b = await store.chats.createSession({ collection: 'kb', title: 'B', owner: null });
      const c = await store.chats.createSession({ collection: 'kb', title: 'C', owner: null });
      await store.chats.appendMessages(a.id, [{ role: 'user', content: 'bump' }]);
      const renamed = await store.chats.renameSession(b.id, 'Bee');
      assert.equal(renamed?.title, 'Bee');
      assert.equal(await store.chats.renameSession('chat_missing', 'x'), undefined);

      const seen = await allPages(store.chats, { limit: 2 });
      const ours = seen.filter((id) => [a.id, b.id, c.id].includes(id));
      assert.deepEqual(ours, [b.id, a.id, c.id], 'renamed b last, then a got a message, c untouched');
      assert.equal(new Set(seen).size, seen.length, 'no session twice across pages');

      assert.equal(await store.chats.deleteSession(a.id), true);
      assert.equal(await store.chats.deleteSession(a.id), false);
      assert.equal(await store.chats.getSession(a.id), undefined);
      assert.deepEqual(await store.chats.messages(a.id), []);
      assert.equal(await store.chats.appendMessages(a.id, [{ role: 'user', content: 'late' }]), undefined, 'a deleted session takes no more messages');
    });

    it('keeps each session\'s owner and lists one owner\'s sessions alone, page by page', async () => {
      const mine = [];
      for (let i = 0; i < 3; i += 1) mine.push(await store.chats.createSession({ collection: 'kb', title: `mine ${i}`, owner: 'key:alpha' }));
      const theirs = await store.chats.createSession({ collection: 'kb', title: 'theirs', owner: 'key:beta' });
      const nobody = await store.chats.createSession({ collection: 'kb', title: 'nobody', owner: null });
      assert.equal((await store.chats.getSession(mine[0]!.id))?.owner, 'key:alpha');
      assert.equal((await store.chats.renameSession(mine[0]!.id, 'renamed'))?.owner, 'key:alpha', 'a rename keeps the owner');
      await store.chats.appendMessages(mine[1]!.id, [{ role: 'user', content: 'bump' }]);
      assert.equal((await store.chats.getSession(mine[1]!.id))?.owner, 'key:alpha', 'a message keeps the owner');

      const alpha = await allPages(store.chats, { limit: 2, owner: 'key:alpha' });
      assert.deepEqual(alpha, [mine[1]!.id, mine[0]!.id, mine[2]!.id], 'only alpha\'s, most recently updated first');
      assert.deepEqual(await allPages(store.chats, { limit: 5, owner: 'key:beta' }), [theirs.id]);
      assert.deepEqual(await allPages(store.chats, { limit: 5, owner: 'key:nobody' }), []);
      const everyone = await allPages(store.chats, { limit: 2 });
      for (const id of [...alpha, theirs.id, nobody.id]) assert.ok(everyone.includes(id), `${id} is listed without an owner filter`);
    });

    it('copies its sessions whole (messages, citations, owners, times) to another store', async () => {
      const session = await store.chats.createSession({ collection: 'kb', title: '', owner: 'key:copy' });
      await store.chats.appendMessages(session.id, [{ role: 'user', content: 'Copy me?' }, { role: 'assistant', content: 'Yes [1].', citations: [citation], extractive: true }], 'Copy me?');
      const target = await open();
      try {
        await assertTransfers(store.chats, target.chats);
        assert.deepEqual(await target.chats.getSession(session.id), await store.chats.getSession(session.id));
        assert.deepEqual(await target.chats.messages(session.id), await store.chats.messages(session.id));
        const appended = await target.chats.appendMessages(session.id, [{ role: 'user', content: 'And after the copy?' }]);
        assert.equal(appended?.length, 1, 'a copied session takes new messages');
      } finally {
        await target.close();
      }
    });

    it('refuses a cursor it did not give out', async () => {
      await assert.rejects(store.chats.listSessions({ limit: 2, cursor: 'bm90LWEtY3Vyc29y' }), (error: unknown) => (error as { code?: string }).code === 'INPUT_INVALID');
    });
  });
}
