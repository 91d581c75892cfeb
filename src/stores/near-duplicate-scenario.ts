import assert from 'node:assert/strict';
import { shingleHashes } from '../core/minhash.js';
import { seededRandom } from '../core/seeded-random.js';
import type { ChunkStore, DocumentWrite } from './chunk-store.js';

/**
 * The boilerplate scenario both stores must pass (sqlite-near-duplicates.test.ts,
 * postgres-near-duplicates.test.ts): generated pages sharing a long template (argo-cd's command pages in
 * miniature: 500 template words, 30 words of their own; estimated Jaccard ≈ 0.88 on plain shingles).
 * Runs in collection `collection` (created empty by the caller), with `boilerplateDf` 4 and threshold 0.8.
 */
export async function checkBoilerplateClusters(chunks: ChunkStore, collection: string): Promise<void> {
  const template = words(100, 500).join(' ');
  const page = (i: number) => `${template} ${words(200 + i, 30).join(' ')}`;
  const write = (path: string, text: string, boilerplateDf = 4): DocumentWrite => ({
    collection, uri: `file:///${collection}/${path}`, relativePath: path, sourceRoot: `/${collection}`, title: path, format: 'text',
    contentHash: path + text.length, sizeBytes: text.length, modifiedMs: 0, tags: [], metadata: {},
    chunks: [{ ordinal: 0, text, headingPath: [], tokenCount: 10, contentHash: path, vector: null }],
    fingerprint: { shingles: shingleHashes(text), threshold: 0.8, boilerplateDf },
  });
  const clusters = async () => (await chunks.listDuplicateClusters!(collection)).map((cluster) => cluster.members.map((member) => member.relativePath));

  for (let i = 1; i <= 6; i += 1) await chunks.writeDocument(write(`p${i}.md`, page(i)));
  // Written before any settling, the pages were signed with the template: they cluster until the run ends.
  assert.deepEqual(await clusters(), [['p1.md', 'p2.md', 'p3.md', 'p4.md', 'p5.md', 'p6.md']], 'before settling, the template pages cluster');
  assert.equal(await chunks.settleNearDuplicates!(collection, 4), 6);
  assert.deepEqual(await clusters(), [], 'once the template is common, its pages are not near-duplicates');
  assert.equal(await chunks.settleNearDuplicates!(collection, 4), 0, 'nothing stale: settling again changes nothing');

  // Later writes are signed without the known boilerplate at once: a true copy of a template page (a
  // mirror) clusters before any settling, as does an identical copy of the template alone.
  await chunks.writeDocument(write('mirror/p2.md', page(2)));
  await chunks.writeDocument(write('template.md', template));
  await chunks.writeDocument(write('mirror/template.md', template));
  assert.deepEqual(await clusters(), [['mirror/p2.md', 'p2.md'], ['mirror/template.md', 'template.md']]);
  assert.equal(await chunks.settleNearDuplicates!(collection, 4), 0, 'the template was boilerplate already');
  assert.deepEqual(await clusters(), [['mirror/p2.md', 'p2.md'], ['mirror/template.md', 'template.md']]);

  // Removing pages brings the template's count (9) back under the bound: p1, p2 and mirror/p2 keep it (3);
  // settled, p1 and p2 resemble each other again.
  const removed = ['p3.md', 'p4.md', 'p5.md', 'p6.md', 'template.md', 'mirror/template.md'];
  await chunks.deleteDocuments(collection, removed.map((path) => `file:///${collection}/${path}`));
  assert.equal(await chunks.settleNearDuplicates!(collection, 4), 3, 'removals that lower a shingle under the bound make the collection stale');
  assert.deepEqual(await clusters(), [['mirror/p2.md', 'p1.md', 'p2.md']]);
}

/** The same pages with the filter off (boilerplateDf 0): the template pages form one cluster. */
export async function checkPlainShingleClusters(chunks: ChunkStore, collection: string): Promise<void> {
  const template = words(100, 500).join(' ');
  for (let i = 1; i <= 6; i += 1) {
    const text = `${template} ${words(200 + i, 30).join(' ')}`;
    await chunks.writeDocument({
      collection, uri: `file:///${collection}/p${i}.md`, relativePath: `p${i}.md`, sourceRoot: `/${collection}`, title: `p${i}`, format: 'text',
      contentHash: String(i), sizeBytes: text.length, modifiedMs: 0, tags: [], metadata: {},
      chunks: [{ ordinal: 0, text, headingPath: [], tokenCount: 10, contentHash: String(i), vector: null }],
      fingerprint: { shingles: shingleHashes(text), threshold: 0.8, boilerplateDf: 0 },
    });
  }
  await chunks.settleNearDuplicates!(collection, 0);
  const found = (await chunks.listDuplicateClusters!(collection)).map((cluster) => cluster.members.map((member) => member.relativePath));
  assert.deepEqual(found, [['p1.md', 'p2.md', 'p3.md', 'p4.md', 'p5.md', 'p6.md']], 'plain shingles cluster the template pages');
}

function words(seed: number, count: number): string[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => `w${Math.floor(random() * 5000)}`);
}
