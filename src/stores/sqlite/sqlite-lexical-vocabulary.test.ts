import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { contractAnalyzer, makeChunk, makeDocument } from '../store-contract-fixtures.js';
import { openSqliteStore, type SqliteStore } from './open-sqlite-store.js';
import { SqliteLexicalIndex } from './sqlite-lexical-index.js';

const COLLECTION = { embedder: 'none', dimensions: 0, chunkSize: 256, chunkOverlap: 0 };

async function write(store: SqliteStore, name: string, text: string): Promise<number[]> {
  return (await store.chunks.writeDocument(makeDocument('vocab', name, [makeChunk(0, text, null)]))).chunkIds;
}

async function hits(store: SqliteStore, terms: string[]): Promise<number[]> {
  return (await store.lexical.search({ collection: 'vocab', terms, k: 1000 })).map((hit) => hit.chunkId).sort((a, b) => a - b);
}

test('document frequencies come from stems: inflected query terms are budgeted like their stem', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'cairn-vocab-'));
  try {
    const store = await openSqliteStore({ path: join(directory, 'cairn.db'), lexicalAnalyzer: contractAnalyzer, lexical: { maxScoredRows: 50 } });
    await store.chunks.createCollection('vocab', COLLECTION);
    const rare: number[] = [];
    for (let i = 0; i < 80; i += 1) {
      const ids = await write(store, `d${i}.txt`, i < 2 ? `running connections to a zeppelin ${i}` : `running connections ${i}`);
      if (i < 2) rare.push(...ids);
    }
    assert.deepEqual(await hits(store, ['runs', 'connected', 'zeppelins']), rare, 'the inflected common terms are dropped');
    assert.equal((await hits(store, ['runs', 'connected'])).length, 80, 'the rarest term stays even over budget');
    await store.close();
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});

test('a term written after the vocabulary was loaded is still counted and kept', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'cairn-vocab-'));
  try {
    const store = await openSqliteStore({ path: join(directory, 'cairn.db'), lexicalAnalyzer: contractAnalyzer, lexical: { maxScoredRows: 50 } });
    await store.chunks.createCollection('vocab', COLLECTION);
    for (let i = 0; i < 120; i += 1) await write(store, `d${i}.txt`, `common words ${i}`);
    assert.equal((await hits(store, ['common', 'xylophone'])).length, 120, 'an absent term is dropped, the other kept');
    const late = await write(store, 'late.txt', 'a xylophone solo');
    assert.deepEqual(await hits(store, ['common', 'xylophone']), late, 'one more chunk leaves the snapshot in place, yet the new term counts');
    await store.close();
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});

test('writes through another connection reload the vocabulary once the collection grew', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'cairn-vocab-'));
  const path = join(directory, 'cairn.db');
  try {
    const writer = await openSqliteStore({ path, lexicalAnalyzer: contractAnalyzer });
    await writer.chunks.createCollection('vocab', COLLECTION);
    const common: number[] = [];
    for (let i = 0; i < 120; i += 1) common.push(...(await write(writer, `d${i}.txt`, `common words ${i}`)));
    await write(writer, 'rare.txt', 'a rare word');
    const reader = await openSqliteStore({ path, lexicalAnalyzer: contractAnalyzer, readonly: true, lexical: { maxScoredRows: 150 } });
    assert.equal((await hits(reader, ['common', 'rare'])).length, 121, 'both terms fit the budget');
    for (let i = 0; i < 200; i += 1) await write(writer, `r${i}.txt`, `rare filler ${i}`);
    assert.deepEqual(await hits(reader, ['common', 'rare']), common, 'rare became the commoner term and is dropped');
    await reader.close();
    await writer.close();
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});

test('the first queries count their terms one by one: the vocabulary snapshot is loaded only after many', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'cairn-vocab-'));
  const path = join(directory, 'cairn.db');
  try {
    const store = await openSqliteStore({ path, lexicalAnalyzer: contractAnalyzer });
    await store.chunks.createCollection('vocab', COLLECTION);
    for (let i = 0; i < 60; i += 1) await write(store, `d${i}.txt`, `common words w${i}`);
    await store.close();
    // A connection of its own, to see the temporary fts5vocab table the snapshot load creates.
    const db = new Database(path, { readonly: true });
    try {
      const collectionId = db.prepare("SELECT id FROM collections WHERE name = 'vocab'").pluck().get() as number;
      const lexical = new SqliteLexicalIndex(db, () => collectionId, () => 0, { maxScoredRows: 50 });
      const vocabularyTables = () => db.prepare("SELECT count(*) FROM sqlite_temp_master WHERE name LIKE '%_vocab'").pluck().get() as number;
      const search = (terms: string[]) => lexical.search({ collection: 'vocab', terms, k: 100 });
      assert.equal((await search(['common', 'w1'])).length, 1, 'budgeted as counted: the rarer term alone');
      assert.equal(vocabularyTables(), 0, 'a first query after a start never waits for the vocabulary snapshot');
      for (let i = 2; i < 40; i += 1) await search(['common', `w${i}`]);
      assert.equal(vocabularyTables(), 1, 'a process that keeps querying loads it');
      assert.equal((await search(['common', 'w59'])).length, 1);
    } finally {
      db.close();
    }
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});
