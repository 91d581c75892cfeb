/**
 * What recording search analytics costs a search, measured in one run against a baseline without it.
 *
 *   node --import tsx bench/analytics-overhead.ts [--limit-files 200] [--queries 500] [--rounds 4] [--mode lexical]
 *   node --import tsx bench/analytics-overhead.ts --home <CAIRN_HOME> --collection docs
 *
 * Three variants of the same `search()` call on the same queries, interleaved query by query (the
 * order rotates each round, so drift and caches hit every variant alike):
 * - `off`: no origin, nothing recorded (the baseline);
 * - `buffered`: an origin, recorded by the app's BufferedAnalytics (what Cairn does): an array push
 *   per search, one transaction per batch written off the request;
 * - `insert`: the same event written in its own transaction inside the search's time (the alternative;
 *   a buffered event of the other variant that is still waiting is written with it, at most a few).
 * Between searches the loop yields to the event loop (as a server does between requests), which is
 * where the buffered writes happen; `loopMs` per search includes that time, `searchMs` does not.
 * Lexical mode by default: the fastest search, where a fixed cost shows most. Then the parts alone:
 * `record()` into a buffer (ns per call), and writing events to the database in batches of 256
 * against one INSERT transaction per event (µs per event).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BufferedAnalytics } from '../src/app/analytics/buffered-analytics.js';
import { search } from '../src/app/search.js';
import type { SearchMode } from '../src/core/search-types.js';
import type { AnalyticsStore } from '../src/stores/analytics-store.js';
import { contractAnalyzer } from '../src/stores/store-contract-fixtures.js';
import { openSqliteStore } from '../src/stores/sqlite/open-sqlite-store.js';
import {
  DOCS_CORPUS, STATIC_EMBEDDER, copySubset, latencyStats, loadAverage, machineFacts, openBenchApp, parseIntegerOption, peakRssMiB, percentile,
  removeDirectory, report, round, temporaryDirectory, timedIngest,
} from './bench-support.js';
import { buildQueries } from './search-queries.js';

const { values } = parseArgs({
  options: {
    home: { type: 'string' },
    collection: { type: 'string', default: 'docs' },
    queries: { type: 'string', default: '500' },
    rounds: { type: 'string', default: '4' },
    mode: { type: 'string', default: 'lexical' },
    'limit-files': { type: 'string', default: '200' },
    source: { type: 'string', default: DOCS_CORPUS },
    embedder: { type: 'string', default: STATIC_EMBEDDER },
    seed: { type: 'string', default: '20261207' },
  },
});

type Variant = 'off' | 'buffered' | 'insert';
const VARIANTS: Variant[] = ['off', 'buffered', 'insert'];

const facts = machineFacts();
const queryCount = parseIntegerOption(values.queries, 'queries') ?? 500;
const rounds = parseIntegerOption(values.rounds, 'rounds') ?? 4;
const mode = values.mode as SearchMode;
const work = temporaryDirectory('cairn-bench-analytics-');
const home = values.home ?? join(work, 'home');
const collection = values.collection;
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

try {
  if (!values.home) {
    const subset = copySubset(values.source, parseIntegerOption(values['limit-files'], 'limit-files') ?? 200, work);
    await timedIngest({ home, embedder: values.embedder }, collection, subset.root, 'ingest');
  }
  const app = await openBenchApp({ home });
  // The parts are measured on a second connection of the same file, after the loop.
  const direct = await openSqliteStore({ path: app.config.store.path ?? join(app.config.home, 'cairn.db'), lexicalAnalyzer: contractAnalyzer });
  try {
    const record = await app.chunks.getCollection(collection);
    if (!record) throw new Error(`collection "${collection}" not found in ${home}`);
    const queries = await buildQueries(app, collection, queryCount, Number(values.seed));
    for (const query of queries.slice(0, 20)) await search(app, { collection, query, mode });
    const searchMs: Record<Variant, number[]> = { off: [], buffered: [], insert: [] };
    const loopMs: Record<Variant, number[]> = { off: [], buffered: [], insert: [] };
    const run = async (variant: Variant, query: string): Promise<void> => {
      const started = performance.now();
      if (variant === 'off') await search(app, { collection, query, mode });
      else if (variant === 'buffered') await search(app, { collection, query, mode, origin: { surface: 'http', keyId: 'bench' } });
      else {
        // The event written in its own transaction before the search answers (through the app's own
        // connection: a second connection's writes would empty this one's page cache).
        await search(app, { collection, query, mode, origin: { surface: 'http', keyId: 'bench' } });
        await app.analytics?.flush();
      }
      searchMs[variant].push(performance.now() - started);
      await yieldToLoop();
      loopMs[variant].push(performance.now() - started);
    };
    for (let round = 0; round < rounds; round++) {
      for (const [index, query] of queries.entries()) {
        for (let offset = 0; offset < VARIANTS.length; offset++) await run(VARIANTS[(index + round + offset) % VARIANTS.length]!, query);
      }
    }
    await app.analytics?.flush();
    const parts = await measureParts(direct.analytics, collection);
    const stats = Object.fromEntries(VARIANTS.map((variant) => [variant, { searchMs: latencyStats(searchMs[variant]), loopMs: latencyStats(loopMs[variant]) }])) as Record<Variant, { searchMs: ReturnType<typeof latencyStats>; loopMs: ReturnType<typeof latencyStats> }>;
    // Paired: the three variants of one query ran back to back, so their differences cancel most drift.
    const pairedMicros = (variant: Variant) => {
      const differences = searchMs[variant].map((value, i) => (value - (searchMs.off[i] as number)) * 1000);
      return { p50: round(percentile(differences, 50), 1), p25: round(percentile(differences, 25), 1), p75: round(percentile(differences, 75), 1) };
    };
    const paired = { buffered: pairedMicros('buffered'), insert: pairedMicros('insert') };
    const added = (variant: Variant, key: 'searchMs' | 'loopMs', stat: 'p50' | 'mean') => round((stats[variant][key][stat] - stats.off[key][stat]) * 1000, 1);
    const ratio = (variant: Variant, key: 'searchMs' | 'loopMs', stat: 'p50' | 'mean') => round(stats[variant][key][stat] / stats.off[key][stat], 3);
    const summary = await app.analytics?.summarize({ since: new Date(Date.now() - 3_600_000).toISOString(), until: new Date(Date.now() + 1000).toISOString(), limit: 1 });
    report('analytics-overhead', {
      machine: facts, loadAverageAfter: loadAverage(), peakRssMiB: peakRssMiB(), home, collection, chunks: record.chunkCount, mode,
      queries: queries.length, rounds, searchesPerVariant: searchMs.off.length, recorded: summary?.total ?? 0, ...stats,
      addedMicros: Object.fromEntries((['buffered', 'insert'] as const).map((v) => [v, { searchP50: added(v, 'searchMs', 'p50'), searchMean: added(v, 'searchMs', 'mean'), loopMean: added(v, 'loopMs', 'mean') }])),
      parts,
      pairedAddedMicros: paired,
      ratios: Object.fromEntries((['buffered', 'insert'] as const).map((v) => [v, { searchP50: ratio(v, 'searchMs', 'p50'), searchMean: ratio(v, 'searchMs', 'mean'), loopMean: ratio(v, 'loopMs', 'mean') }])),
    }, [
      `analytics overhead · ${record.chunkCount} chunks · ${mode} · ${searchMs.off.length} searches per variant · load ${facts.loadAverageBefore.join('/')} → ${loadAverage().join('/')}`,
      ...VARIANTS.map((v) => `  ${v.padEnd(8)} search p50 ${stats[v].searchMs.p50} ms mean ${stats[v].searchMs.mean} ms · with the turn of the event loop mean ${stats[v].loopMs.mean} ms`),
      ...(['buffered', 'insert'] as const).map((v) => `  ${v}: search p50 ×${ratio(v, 'searchMs', 'p50')} (${added(v, 'searchMs', 'p50')} µs), mean ×${ratio(v, 'searchMs', 'mean')}; per search incl. writes ×${ratio(v, 'loopMs', 'mean')} (${added(v, 'loopMs', 'mean')} µs)`),
      ...(['buffered', 'insert'] as const).map((v) => `  ${v}: paired difference per search, median ${paired[v].p50} µs (quartiles ${paired[v].p25} … ${paired[v].p75} µs)`),
      `  events written (buffered + insert variants): ${summary?.total ?? 0}`,
      `  parts: record() ${parts.recordNanos} ns per call (a plain stamped array push: ${parts.plainPushNanos} ns) · write in batches of ${parts.batchSize} ${parts.batchedMicrosPerEvent} µs per event · one INSERT per event ${parts.singleMicrosPerEvent} µs`,
    ]);
  } finally {
    await direct.close();
    await app.close();
  }
} finally {
  if (!values.home) removeDirectory(work);
}

/** The recorder's and the store's costs alone, on the same database. */
async function measureParts(store: AnalyticsStore, name: string) {
  const event = { kind: 'search' as const, surface: 'http' as const, collection: name, query: 'how do I roll back a helm release', mode: 'lexical' as const, resultCount: 10, topScore: 7.5, latencyMs: 1.2, keyId: 'bench' };
  const calls = 100_000;
  const discard = new BufferedAnalytics({ append: async () => undefined, prune: async () => 0, summarize: store.summarize.bind(store) }, { enabled: true, retentionDays: 30, batchSize: calls * 2, maxBuffered: calls * 2, flushIntervalMs: 3_600_000 });
  let started = performance.now();
  for (let i = 0; i < calls; i++) discard.record(event);
  const recordNanos = round(((performance.now() - started) * 1e6) / calls, 1);
  await discard.close();
  // The floor: the same object stamped and pushed on a plain array, in the same conditions.
  const plain: unknown[] = [];
  started = performance.now();
  for (let i = 0; i < calls; i++) plain.push({ ...event, at: new Date(Date.now()).toISOString() });
  const plainPushNanos = round(((performance.now() - started) * 1e6) / calls, 1);
  const batchSize = 256;
  const batches = 40;
  const at = new Date().toISOString();
  started = performance.now();
  for (let b = 0; b < batches; b++) await store.append(Array.from({ length: batchSize }, () => ({ ...event, at })));
  const batchedMicrosPerEvent = round(((performance.now() - started) * 1000) / (batches * batchSize), 2);
  const singles = 2000;
  started = performance.now();
  for (let i = 0; i < singles; i++) await store.append([{ ...event, at }]);
  const singleMicrosPerEvent = round(((performance.now() - started) * 1000) / singles, 2);
  return { recordNanos, plainPushNanos, batchSize, batchedMicrosPerEvent, singleMicrosPerEvent };
}
