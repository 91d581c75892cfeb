import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadConfig } from '../config/load-config.js';
import { PrometheusTelemetry } from '../observe/prometheus-telemetry.js';
import { POSTGRES_MISSING, startPostgres } from '../testing/postgres-server.js';
import type { CairnApp } from './cairn-app.js';
import { listDuplicates, removeDocuments } from './documents.js';
import { ingest } from './ingest.js';
import { openCairn } from './open-cairn.js';
import { SearchCache, searchCacheKey } from './search-cache.js';
import { search } from './search.js';

const ENV = { CAIRN_EMBEDDER: 'none', CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0' };
const homes: string[] = [];
/** Distinct document paths of a result list, sorted (a document may rank with several chunks). */
const paths = (results: { relativePath: string }[]) => [...new Set(results.map((r) => r.relativePath))].sort();
after(() => {
  for (const home of homes) rmSync(home, { recursive: true, force: true });
});

function tempHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'cairn-search-cache-'));
  homes.push(home);
  return home;
}

async function openApp(home: string, env: Record<string, string> = {}, telemetry?: PrometheusTelemetry): Promise<CairnApp> {
  return openCairn(loadConfig({ cwd: home, env: { CAIRN_HOME: home, ...ENV, ...env } }), telemetry ? { telemetry } : {});
}

/** A guide of ~200 distinct words about `topic`, so copies are near-duplicates and other guides are not. */
function guide(topic: string, seed: number): string {
  const words = Array.from({ length: 200 }, (_, i) => `${topic}${(i * 7919 + seed * 104729) % 5003}`);
  return `# The ${topic} guide\n\nHow to rotate the ${topic} key safely. ${words.join(' ')}\n`;
}

test('SearchCache: least recently used out first; another generation empties the collection', () => {
  const cache = new SearchCache<{ n: number }>(2);
  cache.set('kb', 'g1', 'a', { n: 1 });
  cache.set('kb', 'g1', 'b', { n: 2 });
  assert.deepEqual(cache.get('kb', 'g1', 'a'), { n: 1 });
  cache.set('kb', 'g1', 'c', { n: 3 });
  assert.equal(cache.get('kb', 'g1', 'b'), undefined, 'b was the least recently used');
  const held = cache.get('kb', 'g1', 'c')!;
  held.n = 99;
  assert.deepEqual(cache.get('kb', 'g1', 'c'), { n: 3 }, 'callers get copies');
  cache.set('other', 'g7', 'a', { n: 4 });
  assert.equal(cache.get('kb', 'g2', 'a'), undefined, 'a write moved the generation');
  assert.deepEqual(cache.get('other', 'g7', 'a'), { n: 4 }, 'other collections keep theirs');
  assert.deepEqual(cache.stats(), { hits: 4, misses: 2, entries: 1 });
  assert.equal(searchCacheKey({ k: 1, filter: { b: 1, a: [2] }, x: undefined }), searchCacheKey({ filter: { a: [2], b: 1 }, k: 1 }));
});

describe('search result cache over a SQLite file', () => {
  test('a repeated search is a hit; ingest and delete in this process invalidate it; /metrics counts hits, misses and entries', async () => {
    const home = tempHome();
    const telemetry = new PrometheusTelemetry({ processMetrics: false });
    const app = await openApp(home, {}, telemetry);
    try {
      const docs = join(home, 'docs');
      mkdirSync(docs);
      writeFileSync(join(docs, 'signing.md'), guide('signing', 1));
      await ingest(app, { collection: 'kb', sources: [docs] });
      const query = { collection: 'kb', query: 'rotate  the signing key', mode: 'lexical' as const, k: 5 };
      const first = await search(app, query);
      const second = await search(app, { ...query, query: ' rotate the signing key ' });
      assert.equal(first.cached, undefined);
      assert.equal(second.cached, true);
      assert.deepEqual(second.results.map((r) => r.chunkId), first.results.map((r) => r.chunkId));
      assert.equal((await search(app, { ...query, k: 4 })).cached, undefined, 'k is part of the key');

      writeFileSync(join(docs, 'backup.md'), guide('backup', 2).replace('rotate the backup key', 'rotate the signing key'));
      await ingest(app, { collection: 'kb', sources: [docs] });
      const afterIngest = await search(app, query);
      assert.equal(afterIngest.cached, undefined, 'an ingest invalidates');
      assert.deepEqual(paths(afterIngest.results), ['backup.md', 'signing.md']);
      assert.equal((await search(app, query)).cached, true);
      await removeDocuments(app, 'kb', ['backup.md']);
      const afterDelete = await search(app, query);
      assert.equal(afterDelete.cached, undefined, 'a delete invalidates');
      assert.deepEqual(paths(afterDelete.results), ['signing.md']);

      const metrics = (await telemetry.exposition()).text;
      assert.match(metrics, /^cairn_search_cache_hits_total 2$/m);
      assert.match(metrics, /^cairn_search_cache_misses_total 4$/m);
      assert.match(metrics, /^cairn_search_cache_entries 1$/m);
      assert.match(metrics, /^cairn_search_cache_hit_ratio 0\.333/m);
    } finally {
      await app.close();
    }
  });

  test('search.cache.enabled false: nothing is cached', async () => {
    const home = tempHome();
    writeFileSync(join(home, 'cairn.config.json'), JSON.stringify({ search: { cache: { enabled: false } } }));
    const app = await openApp(home);
    try {
      const docs = join(home, 'docs');
      mkdirSync(docs);
      writeFileSync(join(docs, 'a.md'), guide('signing', 1));
      await ingest(app, { collection: 'kb', sources: [docs] });
      await search(app, { collection: 'kb', query: 'signing key', mode: 'lexical' });
      assert.equal(app.searchCache, undefined);
      assert.equal((await search(app, { collection: 'kb', query: 'signing key', mode: 'lexical' })).cached, undefined);
    } finally {
      await app.close();
    }
  });

  test('near-duplicates are collapsed by default into one with also_in, as documents and as chunks; collapseDuplicates false lists each', async () => {
    const home = tempHome();
    const app = await openApp(home);
    try {
      const docs = join(home, 'docs');
      mkdirSync(join(docs, 'mirror'), { recursive: true });
      writeFileSync(join(docs, 'signing.md'), guide('signing', 1));
      writeFileSync(join(docs, 'mirror', 'signing.md'), guide('signing', 1).replace('safely', 'safely (mirror)'));
      writeFileSync(join(docs, 'backup.md'), guide('backup', 2));
      await ingest(app, { collection: 'kb', sources: [docs] });
      const clusters = await listDuplicates(app, 'kb');
      assert.deepEqual(clusters.map((cluster) => cluster.members.map((member) => member.relativePath)), [['mirror/signing.md', 'signing.md']]);
      const query = { collection: 'kb', query: 'rotate signing key', mode: 'lexical' as const, k: 5 };
      const every = await search(app, { ...query, collapseDuplicates: false });
      assert.deepEqual(paths(every.results).filter((path) => path.endsWith('signing.md')), ['mirror/signing.md', 'signing.md'], 'collapseDuplicates false lists each copy');
      assert.ok(every.results.every((r) => r.alsoIn === undefined));
      for (const group of ['documents', 'chunks'] as const) {
        const collapsed = await search(app, { ...query, group });
        assert.equal(collapsed.cached, undefined, `${group}: collapse is part of the cache key`);
        assert.equal(paths(collapsed.results).filter((path) => path.endsWith('signing.md')).length, 1, group);
        const shown = collapsed.results.find((r) => r.relativePath.endsWith('signing.md'))!;
        assert.deepEqual(shown.alsoIn, [shown.relativePath === 'signing.md' ? 'mirror/signing.md' : 'signing.md'], group);
        if (group === 'documents') {
          assert.deepEqual(collapsed.documents!.map((document) => document.alsoIn?.length ?? 0).sort(), [0, 1]);
        } else {
          assert.equal(collapsed.documents, undefined);
        }
      }
    } finally {
      await app.close();
    }
  });

  test('collapsing grouped documents widens the retrieval when it leaves fewer than k documents', async () => {
    const home = tempHome();
    const app = await openApp(home);
    try {
      const docs = join(home, 'docs');
      mkdirSync(join(docs, 'mirror'), { recursive: true });
      // Five chunks each about signing, so the first k × 5 chunks come from the two copies alone.
      const long = Array.from({ length: 5 }, (_, section) => `## Signing step ${section}\n\n${guide('signing', section + 1).split('\n\n')[1]}`).join('\n\n');
      writeFileSync(join(docs, 'signing.md'), `# Signing\n\n${long}\n`);
      writeFileSync(join(docs, 'mirror', 'signing.md'), `# Signing (mirror)\n\n${long}\n`);
      writeFileSync(join(docs, 'backup.md'), `# Backup\n\nThe key of the backup store changes every month. ${guide('backup', 3).split('key safely. ')[1]}\n`);
      await ingest(app, { collection: 'kb', sources: [docs] });
      assert.equal((await listDuplicates(app, 'kb')).length, 1);
      const query = { collection: 'kb', query: 'rotate signing key', mode: 'lexical' as const, k: 2 };
      const plain = await search(app, { ...query, group: 'chunks', k: 20, collapseDuplicates: false });
      // Precondition: the first k × 5 = 10 chunks hold two documents, both of one cluster.
      assert.deepEqual(paths(plain.results.slice(0, 10)), ['mirror/signing.md', 'signing.md']);
      const collapsed = await search(app, { ...query, collapseDuplicates: true });
      assert.deepEqual(collapsed.documents!.map((document) => document.relativePath).slice(1), ['backup.md']);
      assert.equal(collapsed.documents![0]!.alsoIn?.length, 1);
      assert.deepEqual(collapsed.results.map((r) => r.alsoIn?.length ?? 0), [1, 0]);
      assert.equal((await search(app, { ...query, collapseDuplicates: true, passages: 1 })).cached, undefined, 'passages are part of the cache key');
      assert.equal((await search(app, { ...query, collapseDuplicates: true, group: 'documents' })).cached, true, 'the default grouping keys as documents');
    } finally {
      await app.close();
    }
  });
});

const server = await startPostgres();
describe('search result cache on PostgreSQL: two processes on one database', () => {
  test('a write through the second app invalidates the first app\'s cache', async (t) => {
    if (server === null) return t.skip(POSTGRES_MISSING);
    const url = await server.createDatabase('cache');
    const homeA = tempHome();
    const homeB = tempHome();
    const appA = await openApp(homeA, { CAIRN_DATABASE_URL: url });
    const appB = await openApp(homeB, { CAIRN_DATABASE_URL: url });
    try {
      const docs = join(homeB, 'docs');
      mkdirSync(docs);
      writeFileSync(join(docs, 'signing.md'), guide('signing', 1));
      await ingest(appB, { collection: 'kb', sources: [docs] });
      const query = { collection: 'kb', query: 'rotate signing key', mode: 'lexical' as const };
      await search(appA, query);
      assert.equal((await search(appA, query)).cached, true);
      writeFileSync(join(docs, 'copy.md'), guide('signing', 1).replace('safely', 'safely, again'));
      await ingest(appB, { collection: 'kb', sources: [docs] });
      const fresh = await search(appA, { ...query, collapseDuplicates: false });
      assert.equal(fresh.cached, undefined, 'the write moved the generation the first app keys on');
      assert.deepEqual(paths(fresh.results), ['copy.md', 'signing.md']);
      assert.deepEqual(paths((await search(appA, { ...query, collapseDuplicates: true })).results).length, 1);
      assert.deepEqual((await listDuplicates(appA, 'kb')).map((cluster) => cluster.members.map((member) => member.relativePath)), [['copy.md', 'signing.md']]);
      await removeDocuments(appB, 'kb', ['copy.md']);
      assert.deepEqual(await listDuplicates(appA, 'kb'), []);
      assert.deepEqual(paths((await search(appA, query)).results), ['signing.md']);
    } finally {
      await appA.close();
      await appB.close();
    }
  });

  test('a search reads the collection and its generation in one call, and hands that generation to the lexical index', async (t) => {
    if (server === null) return t.skip(POSTGRES_MISSING);
    const home = tempHome();
    const opened = await openApp(home, { CAIRN_DATABASE_URL: await server.createDatabase('reads') });
    try {
      const docs = join(home, 'docs');
      mkdirSync(docs);
      writeFileSync(join(docs, 'signing.md'), guide('signing', 1));
      await ingest(opened, { collection: 'kb', sources: [docs] });
      // The app's own stores, their calls counted (a round trip each on PostgreSQL).
      const calls: string[] = [];
      const generations: (string | undefined)[] = [];
      const chunks = new Proxy(opened.chunks, {
        get(target, name, receiver) {
          const value = Reflect.get(target, name, receiver) as unknown;
          if (typeof value !== 'function') return value;
          return (...args: unknown[]) => {
            calls.push(String(name));
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      });
      const lexical = new Proxy(opened.lexical, {
        get(target, name, receiver) {
          const value = Reflect.get(target, name, receiver) as unknown;
          if (name !== 'search' || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
          return (options: { generation?: string }) => {
            generations.push(options.generation);
            return (value as (o: unknown) => unknown).call(target, options);
          };
        },
      });
      const app = { ...opened, chunks, lexical } as CairnApp;
      const response = await search(app, { collection: 'kb', query: 'rotate signing key', mode: 'lexical' });
      assert.deepEqual(paths(response.results), ['signing.md']);
      assert.ok(response.results.every((result) => result.snippet.length > 0 && result.highlights.length > 0), 'every result shown has its snippet');
      // duplicatesOf (collapse is on by default) answers from the clusters read once at this generation.
      assert.deepEqual(calls, ['getCollectionAndGeneration', 'getChunks', 'duplicatesOf'], 'one read of the collection, one hydration, the clusters');
      assert.deepEqual(generations, [await opened.chunks.collectionGeneration?.('kb')]);
    } finally {
      await opened.close();
    }
  });
});
