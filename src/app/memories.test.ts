import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isCairnError } from '../core/cairn-error.js';
import { loadConfig } from '../config/load-config.js';
import { SHARED_MISSING, sharedPath } from '../testing/shared-data.js';
import type { CairnApp } from './cairn-app.js';
import { createMemory, deleteMemory, getMemory, lexicalQuery, listMemories, memoryScore, searchMemories, updateMemory } from './memories.js';
import { openCairn } from './open-cairn.js';

const rejectsWith = (code: string) => (error: unknown) => isCairnError(error) && error.code === code;

const FACTS = [
  'Prod DB is on host db-2, port 5433',
  'The team standup is every Tuesday at 10am',
  'Our cat is named Whiskers',
  'Deployments to production require approval from Alice',
];

describe('memory use cases (static embedder)', () => {
  const model = sharedPath('models', 'cairn', 'static-minilm-vocab-256');
  let home: string;
  let app: CairnApp | null = null;
  const env = () => ({ CAIRN_HOME: home, CAIRN_EMBEDDER: `static:${model}`, CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0' });

  before(async () => {
    if (!model) return;
    home = mkdtempSync(join(tmpdir(), 'cairn-memories-'));
    app = await openCairn(loadConfig({ cwd: home, env: env() }));
  });
  after(async () => {
    await app?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('finds memories by meaning and by words, best first, with scores in [0, 1]', async (context) => {
    if (!app) return context.skip(SHARED_MISSING);
    for (const content of FACTS) await createMemory(app, { content, tags: content.includes('DB') ? ['infra'] : [] });
    const cases: [string, string][] = [
      ['What is the name of our pet?', 'Our cat is named Whiskers'],
      ['Who must approve a release?', 'Deployments to production require approval from Alice'],
      ['When is the weekly meeting?', 'The team standup is every Tuesday at 10am'],
    ];
    for (const [query, expected] of cases) {
      const { items } = await searchMemories(app, { query, k: 3 });
      assert.equal(items[0]?.content, expected, query);
      for (const item of items) assert.ok(item.score > 0 && item.score <= 1, `${item.score}`);
      assert.deepEqual(items.map((m) => m.score), [...items.map((m) => m.score)].sort((a, b) => b - a));
    }
    const meeting = await searchMemories(app, { query: 'When is the weekly meeting?', k: 1 });
    assert.equal(meeting.items[0]?.content, FACTS[1], 'found by meaning: no word of the query is in it');
    const byTag = await searchMemories(app, { query: 'infra' });
    assert.equal(byTag.items[0]?.content, FACTS[0], 'tags are searched');
    const tagFiltered = await searchMemories(app, { query: 'production approval host', tags: ['infra'] });
    assert.deepEqual(tagFiltered.items.map((m) => m.content), [FACTS[0]]);
    const strict = await searchMemories(app, { query: 'How do I write a custom ESLint rule?', minScore: 0.2 });
    assert.deepEqual(strict.items, [], 'nothing unrelated passes the answer threshold');
  });

  it('scopes searches by session and user, and lists with exact filters', async (context) => {
    if (!app) return context.skip(SHARED_MISSING);
    const mine = await createMemory(app, { content: 'zephyr flag for session s1', sessionId: 's1' });
    const hers = await createMemory(app, { content: 'zephyr flag for user ann', userId: 'ann' });
    const ids = async (scope: { sessionId?: string; userId?: string }) =>
      (await searchMemories(app as CairnApp, { query: 'zephyr flag', ...scope })).items.map((m) => m.id).filter((id) => id === mine.id || id === hers.id);
    assert.deepEqual(await ids({}), []);
    assert.deepEqual(await ids({ sessionId: 's1' }), [mine.id]);
    assert.deepEqual(await ids({ sessionId: 's2' }), []);
    assert.deepEqual(await ids({ userId: 'ann' }), [hers.id]);
    assert.deepEqual((await ids({ sessionId: 's1', userId: 'ann' })).sort(), [mine.id, hers.id].sort());
    assert.deepEqual((await listMemories(app, { userId: 'ann' })).items.map((m) => m.id), [hers.id]);
    assert.deepEqual((await listMemories(app, { q: 'ZEPHYR', limit: 1 })).items.length, 1);
    await deleteMemory(app, mine.id);
    await deleteMemory(app, hers.id);
  });

  it('updates re-embed new content; expired memories are gone everywhere; unknown ids and bad input are errors', async (context) => {
    if (!app) return context.skip(SHARED_MISSING);
    const note = await createMemory(app, { content: 'The build server is named hopper', expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
    const updated = await updateMemory(app, note.id, { content: 'The build server is named turing', tags: ['ci'] });
    assert.equal(updated.content, 'The build server is named turing');
    assert.ok(updated.updatedAt >= note.updatedAt);
    assert.equal((await searchMemories(app, { query: 'turing build server' })).items[0]?.id, note.id);
    assert.equal((await searchMemories(app, { query: 'hopper' })).items.some((m) => m.id === note.id), false);

    const cleared = await updateMemory(app, note.id, { expiresAt: null, source: 'wiki' });
    assert.equal(cleared.expiresAt, null);
    assert.equal(cleared.source, 'wiki');
    await updateMemory(app, note.id, { expiresAt: new Date(Date.now() - 1000).toISOString() });
    await assert.rejects(getMemory(app, note.id), rejectsWith('MEMORY_NOT_FOUND'));
    assert.equal((await searchMemories(app, { query: 'turing build server' })).items.some((m) => m.id === note.id), false);
    assert.equal((await listMemories(app, { tag: 'ci' })).items.length, 0);

    await assert.rejects(updateMemory(app, 'mem_missing', { content: 'x' }), rejectsWith('MEMORY_NOT_FOUND'));
    await assert.rejects(deleteMemory(app, 'mem_missing'), rejectsWith('MEMORY_NOT_FOUND'));
    await assert.rejects(createMemory(app, { content: '   ' }), rejectsWith('INPUT_INVALID'));
    await assert.rejects(createMemory(app, { content: 'x', expiresAt: 'tomorrow-ish' }), rejectsWith('INPUT_INVALID'));
    await assert.rejects(updateMemory(app, note.id, {}), rejectsWith('INPUT_INVALID'));
    await assert.rejects(searchMemories(app, { query: '' }), rejectsWith('INPUT_INVALID'));
    await assert.rejects(listMemories(app, { cursor: 'abc' }), rejectsWith('INPUT_INVALID'));
  });

  it('memories survive a restart and are still found by meaning', async (context) => {
    if (!app) return context.skip(SHARED_MISSING);
    const kept = await createMemory(app, { content: 'The on-call phone number is in the ops handbook', tags: ['oncall'] });
    await app.close();
    app = await openCairn(loadConfig({ cwd: home, env: env() }));
    assert.deepEqual(await getMemory(app, kept.id), kept);
    assert.equal((await searchMemories(app, { query: 'on-call phone', k: 1 })).items[0]?.id, kept.id);
  });
});

describe('memory search without an embedder', () => {
  it('is lexical-only, and embeds nothing', async () => {
    const home = mkdtempSync(join(tmpdir(), 'cairn-memories-none-'));
    const app = await openCairn(loadConfig({ cwd: home, env: { CAIRN_HOME: home, CAIRN_EMBEDDER: 'none', CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0' } }));
    try {
      await createMemory(app, { content: 'Prod DB is on host db-2, port 5433' });
      await createMemory(app, { content: 'Our cat is named Whiskers' });
      const { items } = await searchMemories(app, { query: 'Which port does the prod DB use?' });
      assert.deepEqual(items.map((m) => m.content), ['Prod DB is on host db-2, port 5433']);
      assert.equal(items[0]?.score, 1, 'port, prod and DB all match once the question words are set aside');
      assert.deepEqual((await searchMemories(app, { query: 'weekly meeting' })).items, []);
    } finally {
      await app.close();
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('memoryScore and lexicalQuery (pure)', () => {
  it('averages the matched share and the cosine, or uses the one that is known', () => {
    assert.equal(memoryScore({ cosine: null, matchedTerms: 1, queryTerms: 4 }), 0.25);
    assert.equal(memoryScore({ cosine: 0.5, matchedTerms: 1, queryTerms: 2 }), 0.5);
    assert.equal(memoryScore({ cosine: -0.3, matchedTerms: 0, queryTerms: 2 }), 0);
    assert.equal(memoryScore({ cosine: null, matchedTerms: 0, queryTerms: 0 }), 0);
  });
  it('drops question words unless nothing else is left', () => {
    assert.equal(lexicalQuery('What port does the DB use?'), ' port  the DB ?');
    assert.equal(lexicalQuery('what do you remember?'), 'what do you remember?');
  });
});
