/**
 * Child process of sqlite-crash.test.ts: writes and rewrites documents in an endless loop until the test
 * kills it with SIGKILL. Usage: node --import tsx crash-writer.fixture.ts <database-path> <seed>
 * Every chunk of version v of document i carries the terms `doc<i>` and `ver<v>`, and the document's
 * content hash is `v<v>`, so the test can tell a half-written or mixed document from a whole one.
 */
import { filterableFields } from '../../core/search-filter.js';
import { clusteredVectors, contractAnalyzer, makeChunk, makeDocument } from '../store-contract-fixtures.js';
import { openSqliteStore } from './open-sqlite-store.js';

const [path, seedText] = process.argv.slice(2);
if (path === undefined) throw new Error('usage: crash-writer.fixture.ts <database-path> <seed>');
const seed = Number(seedText ?? '1');
const store = await openSqliteStore({ path, lexicalAnalyzer: contractAnalyzer, hnsw: { m: 8, efConstruction: 32, efSearch: 32 } });
if ((await store.chunks.getCollection('crash')) === undefined) {
  await store.chunks.createCollection('crash', { embedder: 'test:crash', dimensions: 16, chunkSize: 64, chunkOverlap: 0 });
}
// The graph is open here: each write is pushed and flushed into it, and it is persisted every 97 rounds.
await store.vectors.open('crash', 16);
const vectors = clusteredVectors(4096, 16, seed);
let version = seed * 1_000_000;
for (let round = 0; ; round += 1) {
  version += 1;
  const documentIndex = round % 150;
  const chunkCount = 1 + ((round * 7 + seed) % 40);
  const chunks = Array.from({ length: chunkCount }, (_, ordinal) =>
    makeChunk(ordinal, `doc${documentIndex} ver${version} chunk ${ordinal} ${'filler words '.repeat(30)}`, vectors[(round + ordinal) % vectors.length]!),
  );
  const document = makeDocument('crash', `d/${documentIndex}.txt`, chunks, { contentHash: `v${version}` });
  const result = await store.chunks.writeDocument(document);
  await store.vectors.remove('crash', result.removedChunkIds);
  await store.vectors.upsert('crash', result.chunkIds.map((id, i) => ({ id, vector: chunks[i]!.vector!, document: filterableFields(document) })));
  await store.vectors.flush('crash');
  if (round % 97 === 96) await store.vectors.snapshot('crash');
  process.stdout.write(`written ${round + 1}\n`);
}
