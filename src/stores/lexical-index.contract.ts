import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { normalizeFilter } from '../core/search-filter.js';
import type { SearchFilter } from '../core/search-types.js';
import type { ChunkStore } from './chunk-store.js';
import type { LexicalIndex } from './lexical-index.js';
import { FILTER_CASES, FILTER_DOCUMENTS, filterFixtureWrite, makeChunk, makeDocument } from './store-contract-fixtures.js';

/** A store under test: fresh and empty, built with `contractAnalyzer` as its lexical analyzer. */
export interface LexicalStoreUnderTest {
  chunks: ChunkStore;
  lexical: LexicalIndex;
  close(): Promise<void>;
}

const SETTINGS = { embedder: 'none', dimensions: 0, chunkSize: 256, chunkOverlap: 0 };

async function rejectsWithCode(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => (error as { code?: string }).code === code);
}

/**
 * The LexicalIndex contract: BM25 ranking, collection isolation and filters. Every implementation runs
 * it through its own `*.test.ts` with a factory of fresh, empty stores (the index is fed by the
 * store's writes). Filters arrive normalised (core/search-filter.ts); every kind must be honoured, with
 * k hits whenever k chunks match.
 */
export function lexicalIndexContract(name: string, open: () => Promise<LexicalStoreUnderTest>): void {
  describe(`LexicalIndex contract: ${name}`, () => {
    let store: LexicalStoreUnderTest;
    before(async () => {
      store = await open();
    });
    after(async () => {
      await store.close();
    });

    it('ranks the document with the rare query terms first and isolates collections', async () => {
      await store.chunks.createCollection('rank', SETTINGS);
      await store.chunks.createCollection('rank-other', SETTINGS);
      const common = 'the service reads the configuration file and starts the server process';
      for (let i = 0; i < 30; i += 1) {
        await store.chunks.writeDocument(makeDocument('rank', `notes/n${i}.md`, [makeChunk(0, `${common} number ${i}`, null)]));
      }
      const target = await store.chunks.writeDocument(
        makeDocument('rank', 'ops/keys.md', [makeChunk(0, 'rotate the signing key with kubectl before the certificate expires', null)], {
          title: 'Key rotation',
        }),
      );
      const other = await store.chunks.writeDocument(makeDocument('rank-other', 'x.md', [makeChunk(0, 'rotate signing key elsewhere', null)]));
      const hits = await store.lexical.search({ collection: 'rank', terms: ['rotate', 'signing', 'key', 'server', 'configuration'], k: 5 });
      assert.equal(hits[0]?.chunkId, target.chunkIds[0]);
      assert.equal(hits.length, 5);
      for (let i = 1; i < hits.length; i += 1) assert.ok((hits[i - 1]?.score ?? 0) >= (hits[i]?.score ?? 0), 'scores descend');
      assert.ok((hits[0]?.score ?? 0) > 0, 'BM25 scores are positive');
      assert.ok(!hits.some((hit) => hit.chunkId === other.chunkIds[0]), 'no hit from another collection');
      const titleHit = await store.lexical.search({ collection: 'rank', terms: ['rotation'], k: 5 });
      assert.deepEqual(titleHit.map((hit) => hit.chunkId), target.chunkIds, 'title terms are searchable (and stemmed)');
      const filtered = await store.lexical.search({ collection: 'rank', terms: ['rotate', 'server'], k: 50, filter: normalizeFilter({ pathPrefix: 'notes/' }) });
      assert.equal(filtered.length, 30);
      assert.ok(!filtered.some((hit) => hit.chunkId === target.chunkIds[0]));
      assert.deepEqual(await store.lexical.search({ collection: 'rank', terms: [], k: 5 }), []);
      assert.deepEqual(await store.lexical.search({ collection: 'rank', terms: ['"OR', 'NEAR(', '*'], k: 5 }), []);
      await rejectsWithCode(store.lexical.search({ collection: 'no-such', terms: ['key'], k: 5 }), 'COLLECTION_NOT_FOUND');
    });

    it('honours every filter kind', async () => {
      await store.chunks.createCollection('filters', SETTINGS);
      const idsByPath = new Map<string, number[]>();
      for (const document of FILTER_DOCUMENTS) {
        idsByPath.set(document.path, (await store.chunks.writeDocument(filterFixtureWrite('filters', document))).chunkIds);
      }
      for (const { filter, paths } of FILTER_CASES) {
        const hits = await store.lexical.search({ collection: 'filters', terms: ['lantern'], k: 100, filter: normalizeFilter(filter) });
        const expected = paths.flatMap((path) => idsByPath.get(path) ?? []).sort((a, b) => a - b);
        assert.deepEqual(hits.map((hit) => hit.chunkId).sort((a, b) => a - b), expected, JSON.stringify(filter));
      }
      const two = await store.lexical.search({ collection: 'filters', terms: ['lantern'], k: 2, filter: normalizeFilter({ pathPrefix: 'docs/' }) });
      assert.equal(two.length, 2, 'k hits when more than k match');
    });

    it('ranks filtered hits as the unfiltered ranking restricted to the filter, k of them when k match', async () => {
      await store.chunks.createCollection('selective', SETTINGS);
      const areas = ['alpha', 'beta', 'gamma', 'delta'];
      for (let i = 0; i < 160; i += 1) {
        const extra = i % 7 === 0 ? ' harbour harbour' : i % 3 === 0 ? ' harbour' : '';
        await store.chunks.writeDocument(
          makeDocument('selective', `${areas[i % 4]}/note-${i}.md`, [makeChunk(0, `tide chart ${i}${extra} and some filler words`, null)], {
            format: 'markdown',
            tags: i % 10 === 0 ? ['rare'] : [],
          }),
        );
      }
      const terms = ['harbour', 'tide'];
      const all = await store.lexical.search({ collection: 'selective', terms, k: 1000 });
      assert.equal(all.length, 160);
      const pathOf = new Map<number, string>();
      for (const view of await store.chunks.getChunks(all.map((hit) => hit.chunkId))) pathOf.set(view.id, view.relativePath);
      const noteNumber = (path: string) => Number(/note-(\d+)/.exec(path)?.[1]);
      const cases: [SearchFilter, (path: string) => boolean][] = [
        [{ pathPrefix: 'beta/' }, (path) => path.startsWith('beta/')],
        [{ tags: ['rare'] }, (path) => noteNumber(path) % 10 === 0],
      ];
      for (const [filter, passes] of cases) {
        const expected = all.filter((hit) => passes(pathOf.get(hit.chunkId) ?? ''));
        for (const k of [5, 1000]) {
          const hits = await store.lexical.search({ collection: 'selective', terms, k, filter: normalizeFilter(filter) });
          assert.deepEqual(hits.map((hit) => hit.chunkId), expected.slice(0, k).map((hit) => hit.chunkId), `${JSON.stringify(filter)} k=${k}`);
        }
      }
    });
  });
}
