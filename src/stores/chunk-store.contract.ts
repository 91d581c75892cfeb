import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ChunkStore } from './chunk-store.js';
import type { LexicalIndex } from './lexical-index.js';
import { makeChunk, makeDocument } from './store-contract-fixtures.js';

/** A store under test: fresh and empty, built with `contractAnalyzer` as its lexical analyzer. */
export interface ChunkStoreUnderTest {
  chunks: ChunkStore;
  lexical: LexicalIndex;
  close(): Promise<void>;
}

const SETTINGS = { embedder: 'test:unit', dimensions: 4, chunkSize: 256, chunkOverlap: 38 };
const unit = (...values: number[]) => Float32Array.from(values);

async function rejectsWithCode(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => (error as { code?: string }).code === code);
}

/**
 * The ChunkStore contract, with the LexicalIndex of the same store kept in step by its writes. Every
 * implementation (SQLite now, PostgreSQL next) runs these cases through its own `*.test.ts`, with a
 * factory that returns a fresh, empty store. Lexical ranking and filters: lexical-index.contract.ts.
 */
export function chunkStoreContract(name: string, open: () => Promise<ChunkStoreUnderTest>): void {
  describe(`ChunkStore contract: ${name}`, () => {
    let store: ChunkStoreUnderTest;
    before(async () => {
      store = await open();
    });
    after(async () => {
      await store.close();
    });

    it('creates, lists, updates and deletes collections', async () => {
      const created = await store.chunks.createCollection('crud', SETTINGS);
      assert.equal(created.name, 'crud');
      assert.equal(created.dimensions, 4);
      assert.equal(created.documentCount, 0);
      await rejectsWithCode(store.chunks.createCollection('crud', SETTINGS), 'COLLECTION_EXISTS');
      await rejectsWithCode(store.chunks.createCollection('bad name!', SETTINGS), 'INPUT_INVALID');
      assert.ok((await store.chunks.listCollections()).some((collection) => collection.name === 'crud'));
      await store.chunks.setCollectionEmbedder('crud', 'test:other', 8);
      const changed = await store.chunks.getCollection('crud');
      assert.equal(changed?.embedder, 'test:other');
      assert.equal(changed?.dimensions, 8);
      assert.equal(changed?.vectorStore, undefined, 'the backend\'s own vector index unless created elsewhere');
      assert.equal(changed?.vectorsPending, undefined);
      await store.chunks.setCollectionVectorStore('crud', 'chroma');
      await store.chunks.setVectorsPending('crud', true);
      const external = await store.chunks.getCollection('crud');
      assert.equal(external?.vectorStore, 'chroma');
      assert.equal(external?.vectorsPending, true);
      await store.chunks.setVectorsPending('crud', false);
      assert.equal((await store.chunks.getCollection('crud'))?.vectorsPending, undefined);
      await store.chunks.setCollectionVectorStore('crud', undefined);
      assert.equal((await store.chunks.getCollection('crud'))?.vectorStore, undefined);
      await rejectsWithCode(store.chunks.setCollectionVectorStore('no-such', 'chroma'), 'COLLECTION_NOT_FOUND');
      const elsewhere = await store.chunks.createCollection('crud-elsewhere', { ...SETTINGS, vectorStore: 'chroma' });
      assert.equal(elsewhere.vectorStore, 'chroma');
      assert.equal(await store.chunks.deleteCollection('crud-elsewhere'), true);
      assert.equal(await store.chunks.deleteCollection('crud'), true);
      assert.equal(await store.chunks.deleteCollection('crud'), false);
      assert.equal(await store.chunks.getCollection('crud'), undefined);
    });

    it('writes a document and returns its chunks in ordinal order', async () => {
      await store.chunks.createCollection('write', SETTINGS);
      const result = await store.chunks.writeDocument(
        makeDocument('write', 'guide/install.md', [
          makeChunk(1, 'second chunk about tarballs', unit(0, 1, 0, 0), { headingPath: ['Guide', 'Install'], anchor: 'install', lineStart: 10, lineEnd: 20 }),
          makeChunk(0, 'first chunk about apt packages', unit(1, 0, 0, 0), { pageStart: 1, pageEnd: 2 }),
        ], { tags: ['ops'], language: 'markdown', gitCommit: 'abc123' }),
      );
      assert.equal(result.chunkIds.length, 2);
      assert.deepEqual(result.removedChunkIds, []);
      const chunks = await store.chunks.getDocumentChunks(result.documentId);
      assert.deepEqual(chunks.map((chunk) => chunk.ordinal), [0, 1]);
      assert.deepEqual(chunks.map((chunk) => chunk.id), result.chunkIds);
      assert.deepEqual(chunks[1]?.headingPath, ['Guide', 'Install']);
      assert.equal(chunks[1]?.anchor, 'install');
      assert.equal(chunks[0]?.anchor, undefined);
      assert.deepEqual((await store.chunks.getChunks(result.chunkIds)).map((chunk) => chunk.anchor), [undefined, 'install']);
      assert.equal(chunks[1]?.lineStart, 10);
      assert.equal(chunks[0]?.pageEnd, 2);
      const document = await store.chunks.getDocument('write', 'file:///root/guide/install.md');
      assert.equal(document?.chunkCount, 2);
      assert.deepEqual(document?.tags, ['ops']);
      assert.equal(document?.gitCommit, 'abc123');
      assert.deepEqual(await store.chunks.getDocument('write', result.documentId), document);
      const collection = await store.chunks.getCollection('write');
      assert.equal(collection?.documentCount, 1);
      assert.equal(collection?.chunkCount, 2);
    });

    it('writes a batch of documents all or nothing (writeDocuments, when offered)', async (t) => {
      const writeDocuments = store.chunks.writeDocuments?.bind(store.chunks);
      if (!writeDocuments) return t.skip('this store writes one document at a time');
      await store.chunks.createCollection('batch', SETTINGS);
      const results = await writeDocuments([
        makeDocument('batch', 'a.md', [makeChunk(0, 'alpha batch text', unit(1, 0, 0, 0))]),
        makeDocument('batch', 'b.md', [makeChunk(0, 'beta batch text', unit(0, 1, 0, 0)), makeChunk(1, 'beta more', unit(0, 0, 1, 0))]),
      ]);
      assert.deepEqual(results.map((result) => result.chunkIds.length), [1, 2]);
      assert.equal((await store.chunks.getCollection('batch'))?.chunkCount, 3);
      // A batch with one bad document (wrong vector dimension) stores none of its documents.
      await rejectsWithCode(
        writeDocuments([
          makeDocument('batch', 'c.md', [makeChunk(0, 'gamma', unit(1, 0, 0, 0))]),
          makeDocument('batch', 'd.md', [makeChunk(0, 'delta', Float32Array.from([1, 0]))]),
        ]),
        'EMBEDDER_MISMATCH',
      );
      assert.equal(await store.chunks.getDocument('batch', 'file:///root/c.md'), undefined);
      const collection = await store.chunks.getCollection('batch');
      assert.equal(collection?.documentCount, 2);
      assert.equal(collection?.chunkCount, 3);
    });

    it('replaces a document atomically, never reusing chunk ids', async () => {
      await store.chunks.createCollection('replace', SETTINGS);
      const first = await store.chunks.writeDocument(
        makeDocument('replace', 'a.txt', [makeChunk(0, 'zebra migration notes', unit(1, 0, 0, 0)), makeChunk(1, 'more zebra', unit(0, 1, 0, 0))]),
      );
      const hits = await store.lexical.search({ collection: 'replace', terms: ['zebra'], k: 10 });
      assert.deepEqual(new Set(hits.map((hit) => hit.chunkId)), new Set(first.chunkIds));
      const second = await store.chunks.writeDocument(makeDocument('replace', 'a.txt', [makeChunk(0, 'giraffe feeding schedule', unit(0, 0, 1, 0))]));
      assert.equal(second.documentId, first.documentId);
      assert.deepEqual(second.removedChunkIds, first.chunkIds);
      assert.ok(second.chunkIds.every((id) => id > Math.max(...first.chunkIds)));
      assert.deepEqual(await store.lexical.search({ collection: 'replace', terms: ['zebra'], k: 10 }), []);
      assert.deepEqual((await store.lexical.search({ collection: 'replace', terms: ['giraffe'], k: 10 })).map((hit) => hit.chunkId), second.chunkIds);
      assert.deepEqual(await store.chunks.getChunks(first.chunkIds), []);
      assert.equal((await store.chunks.getDocument('replace', first.documentId))?.chunkCount, 1);
      const removed = await store.chunks.deleteDocuments('replace', ['file:///root/a.txt', 'file:///root/missing.txt']);
      assert.deepEqual(removed, second.chunkIds);
      assert.equal(await store.chunks.getDocument('replace', first.documentId), undefined);
      assert.deepEqual(await store.lexical.search({ collection: 'replace', terms: ['giraffe'], k: 10 }), []);
      const third = await store.chunks.writeDocument(makeDocument('replace', 'b.txt', [makeChunk(0, 'okapi', unit(0, 0, 0, 1))]));
      assert.ok((third.chunkIds[0] ?? 0) > Math.max(...second.chunkIds));
    });

    it('rejects vectors of the wrong dimension and unknown collections', async () => {
      await store.chunks.createCollection('dims', SETTINGS);
      await rejectsWithCode(store.chunks.writeDocument(makeDocument('dims', 'x.txt', [makeChunk(0, 'x', unit(1, 0))])), 'EMBEDDER_MISMATCH');
      assert.equal(await store.chunks.getDocument('dims', 'file:///root/x.txt'), undefined);
      await rejectsWithCode(store.chunks.writeDocument(makeDocument('nowhere', 'x.txt', [])), 'COLLECTION_NOT_FOUND');
    });

    it('keeps vectors by content hash, in pages, and updates them in place', async () => {
      await store.chunks.createCollection('vectors', SETTINGS);
      const written = await store.chunks.writeDocument(
        makeDocument('vectors', 'v.txt', [
          makeChunk(0, 'alpha', unit(1, 0, 0, 0)),
          makeChunk(1, 'beta', null),
          makeChunk(2, 'gamma', unit(0, 0.6, 0.8, 0)),
        ]),
      );
      const byHash = await store.chunks.getDocumentVectors('vectors', 'file:///root/v.txt');
      assert.equal(byHash.size, 2);
      assert.deepEqual([...(byHash.get(makeChunk(2, 'gamma', null).contentHash) ?? [])], [...unit(0, 0.6, 0.8, 0)]);
      const [alpha, beta, gamma] = written.chunkIds as [number, number, number];
      assert.deepEqual(await store.chunks.vectorWatermark('vectors'), { maxChunkId: gamma, vectorCount: 2 });
      const pages: number[][] = [];
      for await (const page of store.chunks.iterateVectors('vectors', 0, 1)) pages.push(page.map((item) => item.id));
      assert.deepEqual(pages, [[alpha], [gamma]]);
      const tail: number[] = [];
      for await (const page of store.chunks.iterateVectors('vectors', alpha, 10)) tail.push(...page.map((item) => item.id));
      assert.deepEqual(tail, [gamma]);
      await store.chunks.updateVectors([{ id: beta, vector: unit(0, 1, 0, 0) }, { id: alpha, vector: null }]);
      const vectors = await store.chunks.getVectors([alpha, beta, gamma]);
      assert.deepEqual([...vectors.keys()].sort((a, b) => a - b), [beta, gamma]);
      assert.deepEqual([...(vectors.get(beta) ?? [])], [0, 1, 0, 0]);
    });

    it('lists documents with paging, sorting and a text filter; reports states; touches', async () => {
      await store.chunks.createCollection('list', SETTINGS);
      for (let i = 0; i < 7; i += 1) {
        const chunks = Array.from({ length: i + 1 }, (_, ordinal) => makeChunk(ordinal, `text ${i} ${ordinal}`, null));
        await store.chunks.writeDocument(
          makeDocument('list', `dir${i % 2}/file-${i}.md`, chunks, { title: `Title ${6 - i}`, modifiedMs: Date.UTC(2024, 0, 1 + i) }),
        );
      }
      const page1 = await store.chunks.listDocuments({ collection: 'list', sort: 'path', limit: 3, offset: 0 });
      const page2 = await store.chunks.listDocuments({ collection: 'list', sort: 'path', limit: 3, offset: 3 });
      assert.equal(page1.total, 7);
      const paths = [...page1.items, ...page2.items].map((item) => item.relativePath);
      assert.deepEqual(paths, [...paths].sort());
      assert.equal(new Set(paths).size, 6);
      const byChunks = await store.chunks.listDocuments({ collection: 'list', sort: 'chunks', order: 'desc', limit: 2, offset: 0 });
      assert.deepEqual(byChunks.items.map((item) => item.chunkCount), [7, 6]);
      const byTitle = await store.chunks.listDocuments({ collection: 'list', sort: 'title', limit: 1, offset: 0 });
      assert.equal(byTitle.items[0]?.title, 'Title 0');
      const filtered = await store.chunks.listDocuments({ collection: 'list', text: 'DIR1/', limit: 10, offset: 0 });
      assert.equal(filtered.total, 3);
      assert.ok(filtered.items.every((item) => item.relativePath.startsWith('dir1/')));
      assert.equal((await store.chunks.listDocuments({ collection: 'list', text: 'title 3', limit: 10, offset: 0 })).total, 1);
      assert.equal((await store.chunks.listDocuments({ collection: 'list', text: '%', limit: 10, offset: 0 })).total, 0);
      // Short filters, quotes and the filter after a document is rewritten (new title) or removed.
      assert.equal((await store.chunks.listDocuments({ collection: 'list', text: '-5', limit: 10, offset: 0 })).total, 1);
      assert.equal((await store.chunks.listDocuments({ collection: 'list', text: 'file"', limit: 10, offset: 0 })).total, 0);
      await store.chunks.writeDocument(makeDocument('list', 'dir1/file-5.md', [makeChunk(0, 'rewritten', null)], { title: 'Renamed Note' }));
      assert.equal((await store.chunks.listDocuments({ collection: 'list', text: 'renamed NOTE', limit: 10, offset: 0 })).total, 1);
      assert.equal((await store.chunks.listDocuments({ collection: 'list', text: 'Title 1', limit: 10, offset: 0 })).total, 0);
      await store.chunks.deleteDocuments('list', ['file:///root/dir1/file-5.md']);
      assert.equal((await store.chunks.listDocuments({ collection: 'list', text: 'renamed', limit: 10, offset: 0 })).total, 0);
      await store.chunks.writeDocument(
        makeDocument('list', 'dir1/file-5.md', Array.from({ length: 6 }, (_, ordinal) => makeChunk(ordinal, `text 5 ${ordinal}`, null)), {
          title: 'Title 1',
          modifiedMs: Date.UTC(2024, 0, 6),
        }),
      );
      const states = await store.chunks.listDocumentStates('list');
      assert.equal(states.size, 7);
      const state = states.get('file:///root/dir0/file-0.md');
      assert.equal(state?.sourceRoot, '/root');
      await store.chunks.touchDocument('list', 'file:///root/dir0/file-0.md', 12345, 678);
      const touched = await store.chunks.getDocument('list', 'file:///root/dir0/file-0.md');
      assert.equal(touched?.modifiedMs, 12345);
      assert.equal(touched?.sizeBytes, 678);
      await rejectsWithCode(store.chunks.touchDocument('list', 'file:///nope', 1, 1), 'DOCUMENT_NOT_FOUND');
    });

    it('returns chunk views in the order asked, leaving out missing ids', async () => {
      await store.chunks.createCollection('views', SETTINGS);
      const { chunkIds } = await store.chunks.writeDocument(
        makeDocument('views', 'src/app.ts', [makeChunk(0, 'one', null), makeChunk(1, 'two', null), makeChunk(2, 'three', null)], {
          format: 'code',
          language: 'typescript',
          title: 'app.ts',
        }),
      );
      const [a, b, c] = chunkIds as [number, number, number];
      const views = await store.chunks.getChunks([c, 999_999, a, b]);
      assert.deepEqual(views.map((view) => view.text), ['three', 'one', 'two']);
      assert.equal(views[0]?.sourceUri, 'file:///root/src/app.ts');
      assert.equal(views[0]?.relativePath, 'src/app.ts');
      assert.equal(views[0]?.language, 'typescript');
      assert.equal(views[0]?.collection, 'views');
    });

    it('deletes a collection with its documents and chunks', async () => {
      await store.chunks.createCollection('doomed', SETTINGS);
      const { chunkIds } = await store.chunks.writeDocument(makeDocument('doomed', 'a.txt', [makeChunk(0, 'ephemeral words', unit(1, 0, 0, 0))]));
      const run = await store.chunks.startRun('doomed', ['/root']);
      await store.chunks.finishRun(run, { documents: 1 });
      assert.equal(await store.chunks.deleteCollection('doomed'), true);
      assert.deepEqual(await store.chunks.getChunks(chunkIds), []);
      assert.equal((await store.chunks.getVectors(chunkIds)).size, 0);
      await store.chunks.createCollection('doomed', SETTINGS);
      assert.deepEqual(await store.lexical.search({ collection: 'doomed', terms: ['ephemeral'], k: 5 }), []);
      assert.equal((await store.chunks.listDocuments({ collection: 'doomed', limit: 10, offset: 0 })).total, 0);
    });
  });
}
