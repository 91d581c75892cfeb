import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { configSchema } from '../../config/config-schema.js';
import { isCairnError } from '../../core/cairn-error.js';
import { shingleHashes } from '../../core/minhash.js';
import { clusteredVectors, makeChunk, makeDocument } from '../../stores/store-contract-fixtures.js';
import { exportAll } from '../../stores/record-transfer.contract.js';
import { POSTGRES_MISSING, startPostgres, type PostgresServer } from '../../testing/postgres-server.js';
import { copyDatabase, type CopyProgress } from './copy-database.js';
import { openDatabase, type OpenedDatabase } from './open-database.js';
import { parseStoreLocation } from './store-location.js';

const DIMENSIONS = 8;

/** A knowledge base with two collections (one lexical-only) and records in every application store. */
async function seed(db: OpenedDatabase): Promise<{ key: string; sessionId: string }> {
  const chunks = db.chunks!;
  await chunks.createCollection('docs', { embedder: 'test:embedder', dimensions: DIMENSIONS, chunkSize: 256, chunkOverlap: 0 });
  await chunks.createCollection('plain', { embedder: 'none', dimensions: 0, chunkSize: 256, chunkOverlap: 0 });
  const vectors = clusteredVectors(30, DIMENSIONS, 7);
  for (let d = 0; d < 10; d += 1) {
    const parts = [0, 1, 2].map((i) => makeChunk(i, `document ${d} part ${i} about topic ${(d * 3 + i) % 5}`, vectors[d * 3 + i]!));
    await chunks.writeDocument(makeDocument('docs', `dir/doc-${d}.md`, parts, { tags: d % 2 === 0 ? ['even'] : [], metadata: { n: d } }));
  }
  await chunks.writeDocument(makeDocument('plain', 'only.txt', [makeChunk(0, 'no vectors here', null)]));
  const { key } = await db.keys.create('copied key', ['write']);
  const session = await db.chats.createSession({ collection: 'docs', title: '', owner: 'key:x' });
  await db.chats.appendMessages(session.id, [{ role: 'user', content: 'Which topic?' }, { role: 'assistant', content: 'Topic 1 [1].' }], 'Which topic?');
  const memory = await db.memories.create({ content: 'The copy keeps memories', tags: ['copy'], source: null, sessionId: null, userId: 'u1', expiresAt: null });
  await db.memories.setVector(memory.id, 'test:embedder', vectors[0]!);
  await db.settings.update({ 'answer.sources': 6 }, 'cli');
  await db.analytics.append([{ at: new Date().toISOString(), kind: 'search', surface: 'cli', collection: 'docs', query: 'topic', mode: 'hybrid', resultCount: 3, topScore: 0.7, latencyMs: 4, keyId: null }]);
  const job = await db.jobs.create({ collection: 'docs', kind: 'path', sources: ['/srv'], inputs: ['/srv'], options: {} });
  await db.jobs.appendEvents(job.id, [{ type: 'status', jobId: job.id, status: 'running', error: null }]);
  await db.jobs.update(job.id, { status: 'succeeded', finishedAt: new Date().toISOString() });
  return { key, sessionId: session.id };
}

/** What a search client sees of a collection, independent of ids. */
async function contents(db: OpenedDatabase, collection: string) {
  const page = await db.chunks!.listDocuments({ collection, sort: 'path', order: 'asc', limit: 100, offset: 0 });
  const out = [];
  for (const document of page.items) {
    const stored = await db.chunks!.getDocumentChunks(document.id);
    const vectors = await db.chunks!.getVectors(stored.map((c) => c.id));
    out.push({
      uri: document.uri, tags: document.tags, metadata: document.metadata, contentHash: document.contentHash,
      chunks: stored.map((c) => ({ text: c.text, ordinal: c.ordinal, vector: vectors.has(c.id) ? Array.from(vectors.get(c.id)!) : null })),
    });
  }
  return out;
}

describe('copyDatabase', () => {
  let dir: string;
  const config = () => configSchema.parse({ home: dir });
  const open = (name: string) => openDatabase(parseStoreLocation(join(dir, name), dir), config());

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-db-copy-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('copies a SQLite knowledge base whole into another SQLite file, then resumes without duplicating', async () => {
    const source = await open('source.db');
    const { key, sessionId } = await seed(source);
    let target = await open('target.db');
    try {
      const progress: CopyProgress[] = [];
      const report = await copyDatabase(source, target, { batchDocuments: 3, pageSize: 2, onProgress: (p) => progress.push(p) });
      assert.equal(report.collections, 2);
      assert.equal(report.documentsCopied, 11);
      assert.equal(report.documentsPresent, 0);
      assert.deepEqual(report.recordsAdded, { keys: 1, settings: 1, chats: 1, memories: 1, analytics: 1, jobs: 1 });
      for (const count of report.counts) assert.equal(count.target, count.source, count.name);
      assert.ok(report.counts.some((c) => c.name === 'docs.vectors' && c.source === 30));
      assert.ok(progress.some((p) => p.phase === 'documents' && p.collection === 'docs' && p.done === 10 && p.total === 10));

      assert.deepEqual(await contents(target, 'docs'), await contents(source, 'docs'));
      assert.deepEqual(await contents(target, 'plain'), await contents(source, 'plain'));
      assert.equal((await target.keys.verify(key))?.name, 'copied key');
      assert.deepEqual(await target.chats.messages(sessionId), await source.chats.messages(sessionId));
      const query = (await source.chunks!.getVectors([1]))!.get(1)!;
      const hits = async (db: OpenedDatabase) => {
        await db.vectors!.open('docs', DIMENSIONS);
        const found = await db.vectors!.search({ collection: 'docs', vector: query, k: 5 });
        return (await db.chunks!.getChunks(found.map((h) => h.chunkId))).map((c) => c.text);
      };
      assert.deepEqual(await hits(target), await hits(source), 'the target\'s vector index finds what the source\'s does');

      // A copy that stopped half-way: the target lost some documents; the same copy again writes only those.
      await target.chunks!.deleteDocuments('docs', ['file:///root/dir/doc-3.md', 'file:///root/dir/doc-7.md']);
      await target.close();
      target = await open('target.db');
      const resumed = await copyDatabase(source, target);
      assert.equal(resumed.documentsCopied, 2);
      assert.equal(resumed.documentsPresent, 9);
      assert.deepEqual(resumed.recordsAdded, { keys: 0, settings: 0, chats: 0, memories: 0, analytics: 0, jobs: 0 });
      for (const count of resumed.counts) assert.equal(count.target, count.source, count.name);
      assert.deepEqual(await contents(target, 'docs'), await contents(source, 'docs'));
    } finally {
      await source.close();
      await target.close();
    }
  });

  it('refuses a target collection of another embedder', async () => {
    const source = await open('source.db');
    const other = await open('other.db');
    try {
      await other.chunks!.createCollection('docs', { embedder: 'another:embedder', dimensions: 4, chunkSize: 256, chunkOverlap: 0 });
      await assert.rejects(copyDatabase(source, other), (error: unknown) => isCairnError(error) && error.code === 'EMBEDDER_MISMATCH');
    } finally {
      await source.close();
      await other.close();
    }
  });
  it('fingerprints what it copies as ingest does, so the target has the source\'s near-duplicate clusters (and none when detection is off)', async () => {
    const source = await open('dup-source.db');
    const targets = [await open('dup-target.db'), await open('dup-plain.db')];
    try {
      await source.chunks!.createCollection('kb', { embedder: 'none', dimensions: 0, chunkSize: 256, chunkOverlap: 0 });
      const text = Array.from({ length: 200 }, (_, i) => `word${(i * 7919) % 1013}`).join(' ');
      const settings = { threshold: 0.8, boilerplateDf: 10 };
      for (const [path, body] of [['a.md', text], ['mirror/a.md', text], ['other.md', 'a different page entirely, short']] as const) {
        await source.chunks!.writeDocument({
          ...makeDocument('kb', path, [makeChunk(0, body, null)]),
          fingerprint: { shingles: shingleHashes(body), ...settings },
        });
      }
      const paths = async (db: OpenedDatabase) => (await db.chunks!.listDuplicateClusters!('kb')).map((cluster) => cluster.members.map((member) => member.relativePath));
      assert.deepEqual(await paths(source), [['a.md', 'mirror/a.md']]);
      await copyDatabase(source, targets[0]!, { nearDuplicates: settings });
      assert.deepEqual(await paths(targets[0]!), await paths(source));
      await copyDatabase(source, targets[1]!);
      assert.deepEqual(await paths(targets[1]!), []);
    } finally {
      await Promise.all([source.close(), ...targets.map((target) => target.close())]);
    }
  });
});

describe('copyDatabase with PostgreSQL', () => {
  let server: PostgresServer | null = null;
  let dir: string;
  before(async () => {
    server = await startPostgres();
    dir = mkdtempSync(join(tmpdir(), 'cairn-db-copy-pg-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('moves the application stores SQLite → PostgreSQL → SQLite unchanged, resumably', async (t) => {
    if (server === null) return t.skip(POSTGRES_MISSING);
    const config = configSchema.parse({ home: dir });
    const url = await server.createDatabase('cairn_copy');
    const source = await openDatabase(parseStoreLocation(join(dir, 'source.db'), dir), config);
    const { key, sessionId } = await seed(source);
    // The knowledge base part needs the PostgreSQL chunk store; without it the copy says so and moves nothing of it.
    const collections = await source.chunks!.listCollections();
    for (const collection of collections) await source.chunks!.deleteCollection(collection.name);
    let middle = await openDatabase(parseStoreLocation(url, dir), config);
    const back = await openDatabase(parseStoreLocation(join(dir, 'back.db'), dir), config);
    try {
      const there = await copyDatabase(source, middle, { pageSize: 1 });
      for (const count of there.counts) assert.equal(count.target, count.source, count.name);
      assert.equal((await middle.keys.verify(key))?.name, 'copied key', 'a copied key verifies on PostgreSQL');
      await middle.close();
      middle = await openDatabase(parseStoreLocation(url, dir), config);
      const again = await copyDatabase(source, middle);
      assert.deepEqual(Object.values(again.recordsAdded), [0, 0, 0, 0, 0, 0], 'a second run adds nothing');

      const home = await copyDatabase(middle, back);
      for (const count of home.counts) assert.equal(count.target, count.source, count.name);
      for (const store of ['settings', 'chats', 'memories', 'analytics'] as const) {
        assert.deepEqual(await exportAll(back[store] as never), await exportAll(source[store] as never), store);
      }
      // The key was used on PostgreSQL meanwhile (verify above): everything else of it came back as it was.
      const withoutUse = <T extends { lastUsedAt: string | null }>(records: T[]) => records.map(({ lastUsedAt: _used, ...rest }) => rest);
      assert.deepEqual(withoutUse(await exportAll(back.keys)), withoutUse(await exportAll(source.keys)));
      assert.equal((await back.keys.verify(key))?.name, 'copied key');
      assert.deepEqual(await back.chats.messages(sessionId), await source.chats.messages(sessionId));
      const memories = await back.memories.candidates({ scope: { userId: 'u1' }, now: new Date().toISOString(), text: 'copy memories', vector: null, embedder: null, limit: 5 });
      assert.equal(memories.length, 1);
    } finally {
      await Promise.all([source.close(), middle.close(), back.close()]);
    }
  });
});
