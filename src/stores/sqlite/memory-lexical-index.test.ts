import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { normalizeFilter } from '../../core/search-filter.js';
import { analyzeForIndex, analyzeQuery } from '../../models/tokenize/lexical-analyzer.js';
import { seededRandom } from '../../core/seeded-random.js';
import type { LexicalHit } from '../lexical-index.js';
import { makeChunk, makeDocument } from '../store-contract-fixtures.js';
import { Bm25PostingsBuilder, MemoryBm25Index, stemsOf } from './bm25-postings.js';
import { openSqliteStore, type SqliteStore } from './open-sqlite-store.js';
import { SqliteLexicalIndex } from './sqlite-lexical-index.js';

/** Words that stem (running, configuration), identifiers that split, non-ASCII words that fold or split, CJK. */
const WORDS = [
  'rotate', 'rotating', 'rotation', 'signing', 'key', 'keys', 'certificate', 'configuration', 'configure', 'server',
  'getUserName', 'snake_case_value', 'HTTPServer', 'kebab-case', 'base64', 'ipv6', 'café', 'naïve', 'Straße', 'Ångström',
  'résumé', 'deployment', 'deploying', 'cluster', 'replica', 'index', 'indexes', 'query', 'queries', 'token', '東京都',
  'database', 'backup', 'restore', 'the', 'and', 'of', 'with', 'running', 'runs', 'ran', 'helm', 'chart', 'release',
];

const QUERIES = [
  'how do I rotate the signing key', 'rotating keys', 'getUserName', 'user name', 'café naïve', 'Straße', 'ångström',
  'deployment of a cluster replica', 'HTTP server configuration', 'backup and restore the database', '東京', 'base64 token',
  'helm chart release', 'nothing-matches-this-zzz', 'running', 'the and of',
];

function text(random: () => number, words: number): string {
  return Array.from({ length: words }, () => WORDS[Math.floor(random() * WORDS.length)] as string).join(' ');
}

async function withStore(run: (store: SqliteStore, path: string) => Promise<void>): Promise<void> {
  const directory = await mkdtemp(join(tmpdir(), 'cairn-memory-lexical-'));
  const path = join(directory, 'cairn.db');
  // FTS5 behind it scores only each query's rarest term: an answer that fell back to it would differ.
  const store = await openSqliteStore({ path, lexicalAnalyzer: analyzeForIndex, lexicalAccelerator: true, lexical: { maxScoredRows: 1 } });
  try {
    await run(store, path);
  } finally {
    await store.close();
    await rm(directory, { recursive: true, force: true });
  }
}

async function writeCorpus(store: SqliteStore, collection: string, documents: number, seed: number): Promise<void> {
  const random = seededRandom(seed);
  await store.chunks.createCollection(collection, { embedder: 'none', dimensions: 0, chunkSize: 256, chunkOverlap: 0 });
  for (let d = 0; d < documents; d++) {
    const chunks = Array.from({ length: 1 + Math.floor(random() * 3) }, (_, ordinal) =>
      makeChunk(ordinal, text(random, 5 + Math.floor(random() * 60)), null, { headingPath: random() < 0.5 ? [text(random, 3)] : [] }),
    );
    await store.chunks.writeDocument(makeDocument(collection, `doc-${d}.md`, chunks, { title: text(random, 2) }));
  }
}

/** Scores agree with FTS5's bm25() to float precision (the postings hold term frequencies as float32). */
function assertSameScores(memory: LexicalHit[], fts: LexicalHit[], label: string): void {
  assert.equal(memory.length, fts.length, `${label}: as many hits`);
  const ftsScores = new Map(fts.map((hit) => [hit.chunkId, hit.score]));
  for (const hit of memory) {
    const expected = ftsScores.get(hit.chunkId);
    assert.ok(expected !== undefined, `${label}: chunk ${hit.chunkId} is an FTS5 hit too`);
    assert.ok(Math.abs(hit.score - expected) <= 1e-5 * Math.max(1, Math.abs(expected)), `${label}: chunk ${hit.chunkId} scores ${hit.score}, FTS5 ${expected}`);
  }
}

test('stemsOf stems plain terms as FTS5 porter does, and folds and splits the others as unicode61 does', () => {
  const stems = (term: string) => {
    const out: string[] = [];
    stemsOf(term, out);
    return out;
  };
  assert.deepEqual(stems('running'), ['run']);
  assert.deepEqual(stems('configuration'), ['configur']);
  assert.deepEqual(stems('café'), ['cafe']);
  assert.deepEqual(stems('ångström'), ['angstrom']);
  assert.deepEqual(stems('東京'), ['東京']);
});

test('the in-memory postings score every query exactly as FTS5 bm25() does, over the same analyzed chunks', async () => {
  await withStore(async (store, path) => {
    await writeCorpus(store, 'kb', 400, 7);
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(path, { readonly: true });
    try {
      const fts = new SqliteLexicalIndex(db, () => 1, () => 0, { maxScoredRows: 0 });
      assert.equal(await store.lexical.warm?.('kb'), true);
      assert.equal(store.lexical.acceleratorStatus?.('kb').state, 'ready');
      for (const query of QUERIES) {
        const terms = analyzeQuery(query);
        const memory = await store.lexical.search({ collection: 'kb', terms, k: 10_000 });
        const expected = await fts.search({ collection: 'kb', terms, k: 10_000 });
        assertSameScores(memory, expected, query);
        for (let i = 1; i < memory.length; i++) {
          const [a, b] = [memory[i - 1] as LexicalHit, memory[i] as LexicalHit];
          assert.ok(a.score > b.score || (a.score === b.score && a.chunkId < b.chunkId), `${query}: best first, ties by chunk id`);
        }
        const top = await store.lexical.search({ collection: 'kb', terms, k: 5 });
        assert.deepEqual(top, memory.slice(0, 5), `${query}: top 5 is the head of the full ranking`);
      }
    } finally {
      db.close();
    }
  });
});

test('a small collection\'s first query waits for its first build: it ranks as the postings do, not as budgeted FTS5 (issue 17)', async () => {
  await withStore(async (store) => {
    await writeCorpus(store, 'kb', 200, 5);
    // No warm(): a long-running process (cairn mcp) may get its first query before any build.
    assert.equal(store.lexical.acceleratorStatus?.('kb').state, 'absent');
    const cold = await Promise.all(QUERIES.map((query) => store.lexical.search({ collection: 'kb', terms: analyzeQuery(query), k: 20 })));
    assert.equal(store.lexical.acceleratorStatus?.('kb').state, 'ready');
    for (const [i, query] of QUERIES.entries()) {
      assert.deepEqual(cold[i], await store.lexical.search({ collection: 'kb', terms: analyzeQuery(query), k: 20 }), query);
    }
  });
});

test('a write makes the postings stale: FTS5 answers at once (the new chunk is found), and a rebuild follows once writes stop', async () => {
  await withStore(async (store) => {
      await writeCorpus(store, 'kb', 60, 11);
      assert.equal(await store.lexical.warm?.('kb'), true);
      const before = store.lexical.acceleratorStatus?.('kb');
      assert.equal(before?.state, 'ready');
      const { chunkIds } = await store.chunks.writeDocument(makeDocument('kb', 'new.md', [makeChunk(0, 'a zeppelin over the harbour', null)]));
      assert.notEqual(store.lexical.acceleratorStatus?.('kb').state, 'ready', 'stale right after the write');
      const found = await store.lexical.search({ collection: 'kb', terms: ['zeppelin'], k: 5 });
      assert.deepEqual(found.map((hit) => hit.chunkId), chunkIds, 'the store answers while the postings are stale');
      // The search above scheduled the rebuild for when the collection stays unchanged for quietMs.
      const deadline = Date.now() + 20_000;
      while (store.lexical.acceleratorStatus?.('kb').state !== 'ready') {
        assert.ok(Date.now() < deadline, `rebuilt within 20 s: ${JSON.stringify(store.lexical.acceleratorStatus?.('kb'))}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const after = store.lexical.acceleratorStatus?.('kb');
      assert.equal(after?.documents, (before?.documents ?? 0) + 1);
      assert.deepEqual((await store.lexical.search({ collection: 'kb', terms: ['zeppelin'], k: 5 })).map((hit) => hit.chunkId), chunkIds);
      await store.chunks.deleteDocuments('kb', ['file:///root/new.md']);
      assert.deepEqual(await store.lexical.search({ collection: 'kb', terms: ['zeppelin'], k: 5 }), [], 'a deleted chunk is never returned');
  });
});

test('filtered queries go to FTS5, which applies the filter', async () => {
  await withStore(async (store) => {
    await writeCorpus(store, 'kb', 40, 5);
    await store.chunks.writeDocument(makeDocument('kb', 'guides/rotate.md', [makeChunk(0, 'rotate the signing key', null)]));
    assert.equal(await store.lexical.warm?.('kb'), true);
    const all = await store.lexical.search({ collection: 'kb', terms: analyzeQuery('rotate signing key'), k: 100 });
    const filtered = await store.lexical.search({ collection: 'kb', terms: analyzeQuery('rotate signing key'), k: 100, filter: normalizeFilter({ pathPrefix: 'guides/' }) });
    assert.ok(all.length > 1);
    assert.equal(filtered.length, 1);
  });
});

test('the heap keeps the k best with ties broken by the lower chunk id', () => {
  const builder = new Bm25PostingsBuilder({ title: 1, heading: 1, body: 1 });
  for (let id = 1; id <= 50; id++) builder.add(id * 2, ['', '', id % 5 === 0 ? 'alpha beta' : 'alpha gamma']);
  const index = new MemoryBm25Index(builder.build({ chunkCount: 50, maxChunkId: 100 }));
  const hits = index.search(['alpha'], 7);
  // Every chunk holds alpha once at one of two lengths (equal here): all tie, so the lowest ids win.
  assert.deepEqual(hits.map((hit) => hit.chunkId), [2, 4, 6, 8, 10, 12, 14]);
  assert.deepEqual(index.search(['beta'], 3).map((hit) => hit.chunkId), [10, 20, 30]);
  assert.deepEqual(index.search(['missing'], 3), []);
  assert.throws(() => builder.add(1, ['', '', 'late']), /ascending id order/);
});

test('another process writing the file makes the postings stale too: its new, replaced and deleted chunks show at once', async () => {
  await withStore(async (store, path) => {
    await writeCorpus(store, 'kb', 60, 13);
    await store.chunks.writeDocument(makeDocument('kb', 'moving.md', [makeChunk(0, 'a walrus in the archive', null), makeChunk(1, 'second part', null)]));
    assert.equal(await store.lexical.warm?.('kb'), true);
    assert.equal((await store.lexical.search({ collection: 'kb', terms: ['walrus'], k: 5 })).length, 1);
    // A second connection stands for a `cairn worker` on the same file: nothing in this process hears of its writes.
    const other = await openSqliteStore({ path, lexicalAnalyzer: analyzeForIndex });
    try {
      // The same document rewritten with as many chunks: the chunk count is unchanged, the ids are not.
      await other.chunks.writeDocument(makeDocument('kb', 'moving.md', [makeChunk(0, 'a narwhal in the archive', null), makeChunk(1, 'second part', null)]));
      assert.deepEqual(await store.lexical.search({ collection: 'kb', terms: ['walrus'], k: 5 }), [], 'the replaced text is gone');
      assert.equal((await store.lexical.search({ collection: 'kb', terms: ['narwhal'], k: 5 })).length, 1, 'the new text is found');
      await other.chunks.deleteDocuments('kb', ['file:///root/moving.md']);
      assert.deepEqual(await store.lexical.search({ collection: 'kb', terms: ['narwhal'], k: 5 }), [], 'a chunk deleted by another process is never returned');
    } finally {
      await other.close();
    }
  });
});
