import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { shingleHashes } from '../../core/minhash.js';
import { openTempSqliteStore, type TempSqliteStore } from '../../testing/temp-sqlite-store.js';
import { seededRandom } from '../../core/seeded-random.js';
import type { DocumentWrite } from '../chunk-store.js';

let temp: TempSqliteStore;
before(async () => {
  temp = await openTempSqliteStore();
  await temp.store.chunks.createCollection('kb', { embedder: 'none', dimensions: 0, chunkSize: 256, chunkOverlap: 38 });
});
after(async () => temp.close());

function words(seed: number, count: number): string[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => `w${Math.floor(random() * 2000)}`);
}
const edit = (from: string[], at: number[]) => from.map((word, i) => (at.includes(i) ? `x${i}` : word)).join(' ');

/** Threshold 0.84: with these edits a–b estimate 0.93, b–c 0.86, a–c 0.80 (a chain). */
function document(path: string, text: string, threshold = 0.84): DocumentWrite {
  return {
    collection: 'kb', uri: `file:///kb/${path}`, relativePath: path, sourceRoot: '/kb', title: path, format: 'text',
    contentHash: path + text.length, sizeBytes: text.length, modifiedMs: 0, tags: [], metadata: {},
    chunks: [{ ordinal: 0, text, headingPath: [], tokenCount: 10, contentHash: path, vector: null }],
    fingerprint: { shingles: shingleHashes(text), threshold, boilerplateDf: 0 },
  };
}

async function clusters(): Promise<string[][]> {
  return (await temp.store.chunks.listDuplicateClusters!('kb')).map((cluster) => cluster.members.map((member) => member.relativePath));
}

test('near-duplicates share a cluster at ingest; removing or changing a member updates it; the write generation follows every write', async () => {
  const chunks = temp.store.chunks;
  const base = words(1, 300);
  const generations = [await chunks.collectionGeneration!('kb')];
  await chunks.writeDocuments!([document('a.md', base.join(' ')), document('other.md', words(2, 300).join(' '))]);
  await chunks.writeDocument(document('b.md', edit(base, [50, 150, 200])));
  // c.md is within the threshold of b.md only: the cluster is a chain a–b–c.
  await chunks.writeDocument(document('c.md', edit(base, [50, 150, 200, 100, 250, 20])));
  generations.push(await chunks.collectionGeneration!('kb'));
  assert.deepEqual(await clusters(), [['a.md', 'b.md', 'c.md']]);
  const ids = new Map((await chunks.listDocuments({ collection: 'kb', limit: 10, offset: 0 })).items.map((d) => [d.relativePath, d.id]));
  const of = await chunks.duplicatesOf!('kb', [ids.get('a.md')!, ids.get('other.md')!]);
  assert.deepEqual([...of.keys()], [ids.get('a.md')]);
  assert.deepEqual(of.get(ids.get('a.md')!)!.map((member) => member.relativePath), ['a.md', 'b.md', 'c.md']);

  // Removing the bridge b.md leaves a and c apart (their own similarity is below the threshold).
  await chunks.deleteDocuments('kb', ['file:///kb/b.md']);
  generations.push(await chunks.collectionGeneration!('kb'));
  assert.deepEqual(await clusters(), []);
  // b.md back, then changed into an unrelated text: it leaves the cluster it had joined.
  await chunks.writeDocument(document('b.md', edit(base, [50, 150, 200])));
  assert.deepEqual(await clusters(), [['a.md', 'b.md', 'c.md']]);
  await chunks.writeDocument(document('b.md', words(9, 300).join(' ')));
  generations.push(await chunks.collectionGeneration!('kb'));
  assert.deepEqual(await clusters(), []);
  // A copy of a.md joins it; the cluster is named by its smallest id.
  await chunks.writeDocument(document('copy/a.md', base.join(' ')));
  const [cluster] = await chunks.listDuplicateClusters!('kb');
  assert.equal(cluster!.cluster, ids.get('a.md'));
  assert.equal(new Set(generations).size, generations.length, `every write moved the generation: ${generations.join(', ')}`);
});

test('a write from a second connection to the same file moves the generation the first one reads', async () => {
  const { openSqliteStore } = await import('./open-sqlite-store.js');
  const { analyzeForIndex } = await import('../../models/tokenize/lexical-analyzer.js');
  const second = await openSqliteStore({ path: temp.path, lexicalAnalyzer: analyzeForIndex });
  try {
    const before = await temp.store.chunks.collectionGeneration!('kb');
    await second.chunks.writeDocument(document('from-second.md', words(5, 50).join(' ')));
    assert.notEqual(await temp.store.chunks.collectionGeneration!('kb'), before);
  } finally {
    await second.close();
  }
});

test('boilerplate shingles (in ≥ boilerplateDf documents) are left out once common; true copies still cluster; removals update the counts', async () => {
  const { checkBoilerplateClusters, checkPlainShingleClusters } = await import('../near-duplicate-scenario.js');
  for (const name of ['templates', 'plain']) await temp.store.chunks.createCollection(name, { embedder: 'none', dimensions: 0, chunkSize: 256, chunkOverlap: 0 });
  await checkPlainShingleClusters(temp.store.chunks, 'plain');
  await checkBoilerplateClusters(temp.store.chunks, 'templates');
  // Deleting a collection drops its counts with it.
  await temp.store.chunks.deleteCollection('templates');
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(temp.path, { readonly: true });
  try {
    assert.equal(db.prepare('SELECT count(*) FROM shingle_df WHERE collection_id NOT IN (SELECT id FROM collections)').pluck().get(), 0);
  } finally {
    db.close();
  }
});
