import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AnalyticsStore, SearchEvent } from '../../stores/analytics-store.js';
import { contractAnalyzer } from '../../stores/store-contract-fixtures.js';
import { openSqliteStore, type SqliteStore } from '../../stores/sqlite/open-sqlite-store.js';
import { BufferedAnalytics, type AnalyticsLog, type NewSearchEvent } from './buffered-analytics.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-04-01T10:00:00.000Z');
const event = (query: string): NewSearchEvent => ({ kind: 'search', surface: 'http', collection: 'kb', query, mode: 'lexical', resultCount: 1, topScore: 2, latencyMs: 3, keyId: null });
const window = { since: new Date(NOW - 400 * DAY).toISOString(), until: new Date(NOW + DAY).toISOString(), limit: 50 };

/** Counts calls and delegates to a real store. */
function counting(store: AnalyticsStore) {
  const calls = { append: [] as number[], prune: [] as string[] };
  const wrapped: AnalyticsLog = {
    append: async (events) => {
      calls.append.push(events.length);
      await store.append(events);
    },
    prune: async (beforeTime) => {
      calls.prune.push(beforeTime);
      return store.prune(beforeTime);
    },
    summarize: (query) => store.summarize(query),
  };
  return { calls, wrapped };
}

describe('BufferedAnalytics', () => {
  let dir: string;
  let store: SqliteStore;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-buffered-analytics-'));
    store = await openSqliteStore({ path: join(dir, 'cairn.db'), lexicalAnalyzer: contractAnalyzer });
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps events in memory until a batch fills (one write per batch), and summarize writes the rest first', async () => {
    const { calls, wrapped } = counting(store.analytics);
    const analytics = new BufferedAnalytics(wrapped, { enabled: true, retentionDays: 30, batchSize: 3, flushIntervalMs: 60_000, now: () => NOW });
    analytics.record(event('one'));
    analytics.record(event('two'));
    assert.deepEqual(calls.append, [], 'recording does not write');
    analytics.record(event('three'));
    assert.deepEqual(calls.append, [], 'a full batch is written after the current turn of the event loop, not during the search');
    await new Promise((resolve) => setImmediate(resolve));
    await analytics.flush();
    assert.deepEqual(calls.append, [3]);
    analytics.record(event('four'));
    const summary = await analytics.summarize(window);
    assert.deepEqual(calls.append, [3, 1]);
    assert.deepEqual(summary.topQueries.map((q) => q.query).sort(), ['four', 'one', 'three', 'two']);
    assert.equal(summary.topQueries.find((q) => q.query === 'one')?.lastAt, new Date(NOW).toISOString(), 'stamped with the clock');
    await analytics.close();
    analytics.record(event('after close'));
    await analytics.flush();
    assert.deepEqual(calls.append, [3, 1]);
  });

  it('prunes events past retention with the first write and then at most once per interval', async () => {
    await store.analytics.append([{ ...event('ancient'), at: new Date(NOW - 40 * DAY).toISOString() }, { ...event('recent'), at: new Date(NOW - 5 * DAY).toISOString() }]);
    let now = NOW;
    const { calls, wrapped } = counting(store.analytics);
    const analytics = new BufferedAnalytics(wrapped, { enabled: true, retentionDays: 30, pruneIntervalMs: 3_600_000, now: () => now });
    analytics.record(event('x'));
    await analytics.flush();
    assert.deepEqual(calls.prune, [new Date(NOW - 30 * DAY).toISOString()]);
    const queries = (await store.analytics.summarize(window)).topQueries.map((q) => q.query);
    assert.ok(!queries.includes('ancient') && queries.includes('recent'), queries.join(', '));
    now += 60_000;
    analytics.record(event('y'));
    await analytics.flush();
    assert.equal(calls.prune.length, 1, 'not on every write');
    now += 3_600_000;
    analytics.record(event('z'));
    await analytics.flush();
    assert.equal(calls.prune.length, 2);
    await analytics.close();
  });

  it('records nothing when disabled', async () => {
    const { calls, wrapped } = counting(store.analytics);
    const analytics = new BufferedAnalytics(wrapped, { enabled: false, retentionDays: 30, batchSize: 1, now: () => NOW });
    analytics.record(event('secret'));
    await analytics.close();
    assert.deepEqual(calls.append, []);
    assert.ok(!(await store.analytics.summarize(window)).topQueries.some((q) => q.query === 'secret'));
  });

  it('a failing store is a notice, never an error of the search, and the buffer stays bounded', async () => {
    const notices: string[] = [];
    const appended: number[] = [];
    const failing: AnalyticsLog = {
      append: async (events: readonly SearchEvent[]) => {
        appended.push(events.length);
        throw new Error('disk full');
      },
      prune: async () => 0,
      summarize: (query) => store.analytics.summarize(query),
    };
    const analytics = new BufferedAnalytics(failing, { enabled: true, retentionDays: 30, batchSize: 1000, maxBuffered: 5, onNotice: (text) => notices.push(text) });
    for (let i = 0; i < 8; i += 1) analytics.record(event(`q${i}`));
    await analytics.flush();
    assert.deepEqual(appended, [5], 'the oldest events beyond maxBuffered were dropped');
    assert.match(notices[0] ?? '', /could not be written \(disk full\)/);
    await analytics.close();
  });
});
