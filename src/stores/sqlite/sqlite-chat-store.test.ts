import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Citation } from '../../core/answer-types.js';
import { analyzeForIndex } from '../../models/tokenize/lexical-analyzer.js';
import { openSqliteStore, type SqliteStore } from './open-sqlite-store.js';

const citation: Citation = { n: 1, kind: 'chunk', chunkIds: [3], documentId: 1, sourceUri: 'file:///a.md', title: 'A', headingPath: ['H'], text: 'alpha', score: 0.5 };

describe('SqliteChatStore', () => {
  let dir: string;
  let store: SqliteStore;
  const open = () => openSqliteStore({ path: join(dir, 'cairn.db'), lexicalAnalyzer: analyzeForIndex });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-chat-store-'));
    store = await open();
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores sessions and messages with citations and timings, sets an empty title once, and survives a reopen', async () => {
    const session = await store.chats.createSession({ collection: 'kb', title: '' });
    assert.match(session.id, /^chat_/);
    assert.equal(session.messageCount, 0);
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

    await store.close();
    store = await open();
    const messages = await store.chats.messages(session.id);
    assert.deepEqual(messages.map((m) => [m.role, m.content]), [['user', 'Which port?'], ['assistant', 'Port 1 [1].'], ['user', 'And then?']]);
    assert.deepEqual(messages[1]?.citations, [citation]);
    assert.equal(messages[1]?.timings?.totalMs, 5);
    assert.equal(messages[1]?.extractive, false);
    assert.equal(messages[0]?.citations, undefined);
    assert.deepEqual((await store.chats.messages(session.id, 2)).map((m) => m.content), ['Port 1 [1].', 'And then?'], 'the last n, oldest first');
  });

  it('renames, lists most recently updated first with a cursor, and deletes with the messages', async () => {
    const a = await store.chats.createSession({ collection: 'kb', title: 'A' });
    const b = await store.chats.createSession({ collection: 'kb', title: 'B' });
    const c = await store.chats.createSession({ collection: 'kb', title: 'C' });
    await store.chats.appendMessages(a.id, [{ role: 'user', content: 'bump' }]);
    const renamed = await store.chats.renameSession(b.id, 'Bee');
    assert.equal(renamed?.title, 'Bee');
    assert.equal(await store.chats.renameSession('chat_missing', 'x'), undefined);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.chats.listSessions({ limit: 2, ...(cursor ? { cursor } : {}) });
      assert.ok(page.items.length <= 2);
      seen.push(...page.items.map((s) => s.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    const ours = seen.filter((id) => [a.id, b.id, c.id].includes(id));
    assert.deepEqual(ours, [b.id, a.id, c.id], 'renamed b last, then a got a message, c untouched');
    assert.equal(new Set(seen).size, seen.length, 'no session twice across pages');

    assert.equal(await store.chats.deleteSession(a.id), true);
    assert.equal(await store.chats.deleteSession(a.id), false);
    assert.equal(await store.chats.getSession(a.id), undefined);
    assert.deepEqual(await store.chats.messages(a.id), []);
    assert.equal(await store.chats.appendMessages(a.id, [{ role: 'user', content: 'late' }]), undefined, 'a deleted session takes no more messages');
  });
});
