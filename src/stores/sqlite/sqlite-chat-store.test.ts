import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { analyzeForIndex } from '../../models/tokenize/lexical-analyzer.js';
import { chatStoreContract } from '../chat-store.contract.js';
import { openSqliteStore, type SqliteStore } from './open-sqlite-store.js';

chatStoreContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-chat-contract-'));
  const store = await openSqliteStore({ path: join(dir, 'cairn.db'), lexicalAnalyzer: analyzeForIndex });
  return {
    chats: store.chats,
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

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

  it('keeps sessions, messages and owners across a reopen', async () => {
    const session = await store.chats.createSession({ collection: 'kb', title: 'Kept', owner: 'key:k1' });
    await store.chats.appendMessages(session.id, [{ role: 'user', content: 'Which port?' }]);
    await store.close();
    store = await open();
    const reread = await store.chats.getSession(session.id);
    assert.equal(reread?.title, 'Kept');
    assert.equal(reread?.owner, 'key:k1');
    assert.deepEqual((await store.chats.messages(session.id)).map((m) => m.content), ['Which port?']);
  });
});
