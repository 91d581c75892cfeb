import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AnalyticsStore, SearchEvent } from './analytics-store.js';
import { assertTransfers } from './record-transfer.contract.js';

/** A store under test: fresh and empty. */
export interface AnalyticsStoreUnderTest {
  analytics: AnalyticsStore;
  close(): Promise<void>;
}

const DAY = 86_400_000;
const BASE = Date.parse('2026-03-10T12:00:00.000Z');
const at = (dayOffset: number, ms = 0) => new Date(BASE + dayOffset * DAY + ms).toISOString();

function event(overrides: Partial<SearchEvent>): SearchEvent {
  return {
    at: at(0), kind: 'search', surface: 'http', collection: 'kb', query: 'backup schedule', mode: 'hybrid',
    resultCount: 5, topScore: 0.5, latencyMs: 10, keyId: 'key-1', ...overrides,
  };
}

/**
 * The AnalyticsStore contract. Every implementation (SQLite now, PostgreSQL later) runs these cases
 * through its own `*.test.ts`, with a factory that returns a fresh, empty store.
 */
export function analyticsStoreContract(name: string, open: () => Promise<AnalyticsStoreUnderTest>): void {
  describe(`AnalyticsStore contract: ${name}`, () => {
    let store: AnalyticsStoreUnderTest;
    before(async () => {
      store = await open();
    });
    after(async () => {
      await store.close();
    });
    const window = { since: at(-7), until: at(1), limit: 10 };

    it('summarizes an empty window as zeros and empty lists', async () => {
      const summary = await store.analytics.summarize({ since: at(-400), until: at(-399), limit: 5 });
      assert.deepEqual(summary, { total: 0, zeroResults: 0, perDay: [], topQueries: [], zeroResultQueries: [], lowScoreQueries: [], latency: [], surfaces: [], keys: [] });
    });

    it('groups queries case- and whitespace-insensitively, most frequent first, with zero-result queries apart', async () => {
      await store.analytics.append([
        event({ query: 'Backup  schedule', at: at(-1) }),
        event({ query: 'backup schedule ', at: at(0, 1) }),
        event({ query: 'BACKUP SCHEDULE', resultCount: 3, at: at(0, 2) }),
        event({ query: 'rotate keys', at: at(0, 3) }),
        event({ query: 'flux capacitor', resultCount: 0, topScore: null, at: at(0, 4) }),
        event({ query: 'Flux Capacitor', resultCount: 0, topScore: null, at: at(0, 5) }),
        event({ query: 'warp drive', resultCount: 0, topScore: null, at: at(0, 6) }),
      ]);
      const summary = await store.analytics.summarize(window);
      assert.equal(summary.total, 7);
      assert.equal(summary.zeroResults, 3);
      assert.deepEqual(summary.topQueries.map((q) => [q.query, q.count]), [['backup schedule', 3], ['flux capacitor', 2], ['warp drive', 1], ['rotate keys', 1]]);
      const backup = summary.topQueries[0]!;
      assert.ok(Math.abs(backup.avgResults - 13 / 3) < 1e-9, String(backup.avgResults));
      assert.equal(backup.lastAt, at(0, 2));
      assert.deepEqual(summary.zeroResultQueries.map((q) => [q.query, q.count, q.avgResults]), [['flux capacitor', 2, 0], ['warp drive', 1, 0]]);
      assert.deepEqual(summary.perDay, [
        { day: '2026-03-09', count: 1, zeroResults: 0 },
        { day: '2026-03-10', count: 6, zeroResults: 3 },
      ]);
      assert.deepEqual(summary.surfaces, [{ surface: 'http', count: 7 }]);
      const limited = await store.analytics.summarize({ ...window, limit: 1 });
      assert.deepEqual(limited.topQueries.map((q) => q.query), ['backup schedule']);
    });

    it('honours the window and the collection filter', async () => {
      await store.analytics.append([
        event({ collection: 'other', query: 'elsewhere', at: at(0, 10), surface: 'mcp' }),
        event({ query: 'too old', at: at(-30) }),
        event({ query: 'too new', at: at(2) }),
      ]);
      const other = await store.analytics.summarize({ ...window, collection: 'other' });
      assert.equal(other.total, 1);
      assert.deepEqual(other.topQueries.map((q) => q.query), ['elsewhere']);
      assert.deepEqual(other.surfaces, [{ surface: 'mcp', count: 1 }]);
      const all = await store.analytics.summarize(window);
      assert.equal(all.total, 8);
      assert.ok(!all.topQueries.some((q) => q.query === 'too old' || q.query === 'too new'));
      // `since` is inclusive, `until` exclusive.
      assert.equal((await store.analytics.summarize({ since: at(2), until: at(3), limit: 5 })).total, 1);
      assert.equal((await store.analytics.summarize({ since: at(1), until: at(2), limit: 5 })).total, 0);
    });

    it('lists the lowest-scoring queries with results per mode, lowest first, at most limit per mode', async () => {
      await store.analytics.append([
        event({ collection: 'scores', mode: 'lexical', query: 'lex weak', topScore: 1.5 }),
        event({ collection: 'scores', mode: 'lexical', query: 'lex strong', topScore: 12 }),
        event({ collection: 'scores', mode: 'lexical', query: 'lex mid', topScore: 4 }),
        event({ collection: 'scores', mode: 'hybrid', query: 'hyb weak', topScore: 0.1 }),
        event({ collection: 'scores', mode: 'hybrid', query: 'hyb weak', topScore: 0.3 }),
        event({ collection: 'scores', mode: 'hybrid', query: 'hyb strong', topScore: 0.9 }),
        event({ collection: 'scores', mode: 'dense', query: 'no results', resultCount: 0, topScore: null }),
        event({ collection: 'scores', mode: 'dense', query: 'no dense score', topScore: null }),
      ]);
      const summary = await store.analytics.summarize({ ...window, collection: 'scores', limit: 2 });
      assert.deepEqual(
        summary.lowScoreQueries.map((q) => [q.mode, q.query, q.count, Number(q.avgTopScore.toFixed(3))]),
        [['lexical', 'lex weak', 1, 1.5], ['lexical', 'lex mid', 1, 4], ['hybrid', 'hyb weak', 2, 0.2], ['hybrid', 'hyb strong', 1, 0.9]],
      );
    });

    it('gives nearest-rank latency percentiles per kind and mode', async () => {
      const latencies = Array.from({ length: 100 }, (_, i) => i + 1);
      await store.analytics.append(latencies.map((latencyMs, i) => event({ collection: 'lat', latencyMs, query: `q${i}` })));
      await store.analytics.append([
        event({ collection: 'lat', kind: 'ask', mode: 'lexical', latencyMs: 900 }),
        event({ collection: 'lat', kind: 'ask', mode: 'lexical', latencyMs: 100 }),
        event({ collection: 'lat', kind: 'ask', mode: 'lexical', latencyMs: 500 }),
      ]);
      const summary = await store.analytics.summarize({ ...window, collection: 'lat' });
      assert.deepEqual(summary.latency, [
        { kind: 'ask', mode: 'lexical', count: 3, p50Ms: 500, p95Ms: 900, p99Ms: 900 },
        { kind: 'search', mode: 'hybrid', count: 100, p50Ms: 50, p95Ms: 95, p99Ms: 99 },
      ]);
    });

    it('keeps every field of an event (key, surface, kind) and prunes by time', async () => {
      await store.analytics.append([
        event({ collection: 'prune', at: at(-20), query: 'old', kind: 'chat', surface: 'openai', keyId: null }),
        event({ collection: 'prune', at: at(0), query: 'new', surface: 'ui' }),
      ]);
      const wide = { since: at(-40), until: at(1), collection: 'prune', limit: 10 };
      const before = await store.analytics.summarize(wide);
      assert.equal(before.total, 2);
      assert.deepEqual(before.surfaces.map((s) => s.surface).sort(), ['openai', 'ui']);
      assert.deepEqual(before.latency.map((l) => l.kind), ['chat', 'search']);
      assert.deepEqual(before.keys, [{ keyId: 'key-1', count: 1 }, { keyId: null, count: 1 }]);
      const removed = await store.analytics.prune(at(-10));
      assert.ok(removed >= 2, `removed ${removed}: the old event here and the one of 30 days ago`);
      const afterPrune = await store.analytics.summarize(wide);
      assert.deepEqual(afterPrune.topQueries.map((q) => q.query), ['new']);
      assert.equal(await store.analytics.prune(at(-10)), 0);
    });
    it('copies its events, ids kept, to a store whose report then agrees and which appends after them', async () => {
      await store.analytics.append([event({ query: 'copy me', at: at(0, 9) })]);
      const target = await open();
      try {
        await assertTransfers(store.analytics, target.analytics);
        assert.deepEqual(await target.analytics.summarize(window), await store.analytics.summarize(window));
        await target.analytics.append([event({ query: 'after the copy', at: at(0, 10) })]);
        assert.equal((await target.analytics.countRecords()).searchEvents, ((await store.analytics.countRecords()).searchEvents ?? 0) + 1);
      } finally {
        await target.close();
      }
    });
  });
}
