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
