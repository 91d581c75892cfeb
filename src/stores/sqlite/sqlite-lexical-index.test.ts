import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { contractAnalyzer, makeChunk, makeDocument } from '../store-contract-fixtures.js';
import { openSqliteStore } from './open-sqlite-store.js';
import { buildMatchExpression } from './sqlite-lexical-index.js';

test('buildMatchExpression quotes every term and ORs the distinct ones', () => {
  assert.equal(buildMatchExpression(['rotate', ' key ', 'rotate', '', 'say "hi"']), '"rotate" OR "key" OR "say ""hi"""');
  assert.equal(buildMatchExpression([]), '');
});

test('the scored-rows budget drops the commonest terms, keeping the rarest', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'cairn-lexical-'));
  try {
    const path = join(directory, 'cairn.db');
    let store = await openSqliteStore({ path, lexicalAnalyzer: contractAnalyzer, lexical: { maxScoredRows: 50 } });
    await store.chunks.createCollection('budget', { embedder: 'none', dimensions: 0, chunkSize: 256, chunkOverlap: 0 });
    const rare: number[] = [];
    for (let i = 0; i < 120; i += 1) {
      const text = i < 3 ? `common words and a zeppelin ${i}` : `common words only ${i}`;
      const { chunkIds } = await store.chunks.writeDocument(makeDocument('budget', `d${i}.txt`, [makeChunk(0, text, null)]));
      if (i < 3) rare.push(...chunkIds);
    }
    const pruned = await store.lexical.search({ collection: 'budget', terms: ['common', 'zeppelin'], k: 20 });
    assert.deepEqual(pruned.map((hit) => hit.chunkId).sort((a, b) => a - b), rare, 'only the rare term is scored');
    const onlyCommon = await store.lexical.search({ collection: 'budget', terms: ['common', 'words'], k: 200 });
    assert.equal(onlyCommon.length, 120, 'the rarest term always stays, even over budget');
    const late = await store.chunks.writeDocument(makeDocument('budget', 'late.txt', [makeChunk(0, 'zeppelin again', null)]));
    rare.push(...late.chunkIds);
    assert.equal((await store.lexical.search({ collection: 'budget', terms: ['common', 'zeppelin'], k: 20 })).length, 4, 'a write refreshes the statistics');
    await store.close();

    store = await openSqliteStore({ path, lexicalAnalyzer: contractAnalyzer, lexical: { maxScoredRows: 0 } });
    const full = await store.lexical.search({ collection: 'budget', terms: ['common', 'zeppelin'], k: 200 });
    assert.equal(full.length, 121, 'without a budget every matching row is scored');
    assert.deepEqual(full.slice(0, 4).map((hit) => hit.chunkId).sort((a, b) => a - b), rare, 'the rare term still ranks first');
    await store.close();
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});

test('a query matching a section heading ranks that section above a body that only repeats the words (heading weight)', async () => {
  // Same length (8 tokens in all columns), same terms: the heading section has each term once in its
  // heading, the other twice in its body. BM25F with heading weight h: h / (h + 1.2) against 2 / 3.2, so
  // the heading wins for h > 2 (docs/decisions/0033-adaptive-fusion.md keeps 3; at the old 1.2 it lost).
  const directory = await mkdtemp(join(tmpdir(), 'cairn-lexical-'));
  try {
    const store = await openSqliteStore({ path: join(directory, 'cairn.db'), lexicalAnalyzer: contractAnalyzer, lexical: { maxScoredRows: 0 } });
    await store.chunks.createCollection('headings', { embedder: 'none', dimensions: 0, chunkSize: 256, chunkOverlap: 0 });
    const write = async (name: string, text: string, headingPath: string[] = []) =>
      (await store.chunks.writeDocument(makeDocument('headings', name, [makeChunk(0, text, null, { headingPath })]))).chunkIds[0];
    const section = await write('a', 'declare them with a type annotation', ['path parameters']);
    const body = await write('b', 'path parameters and more path parameters here');
    for (const name of ['c', 'd', 'e', 'f']) await write(name, 'unrelated words about cooking pasta in water');
    const hits = await store.lexical.search({ collection: 'headings', terms: ['path', 'parameters'], k: 10 });
    assert.deepEqual(hits.map((hit) => hit.chunkId), [section, body]);
    await store.close();
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});
