/**
 * What the search result cache saves on a repeated-query load, against the same load without it, in
 * one run.
 *
 *   node --import tsx bench/search-cache.ts [--limit-files 1000] [--distinct 100] [--searches 2000] [--mode hybrid]
 *
 * One store (a round-robin subset of ../shared/data/docs-corpus, static embedder), two apps on it: cache
 * off (the baseline) and on. The load: `searches` queries drawn from `distinct` different ones with a
 * Zipf(1) popularity (a few queries asked often, most rarely: what search logs look like), the same
 * sequence for both apps, interleaved search by search so that a shared machine's drift hits both alike.
 * Reported: per-search p50/p95/mean of each, the speed-up of the totals, and the cache's hit ratio.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { search } from '../src/app/search.js';
import type { SearchMode } from '../src/core/search-types.js';
import { seededRandom } from '../src/core/seeded-random.js';
import {
  DOCS_CORPUS, STATIC_EMBEDDER, copySubset, latencyStats, loadAverage, machineFacts, openBenchApp, parseIntegerOption, peakRssMiB, removeDirectory,
  report, round, temporaryDirectory, timedIngest,
} from './bench-support.js';
import { buildQueries } from './search-queries.js';

const { values } = parseArgs({
  options: {
    'limit-files': { type: 'string', default: '1000' },
    distinct: { type: 'string', default: '100' },
    searches: { type: 'string', default: '2000' },
    mode: { type: 'string', default: 'hybrid' },
    source: { type: 'string', default: DOCS_CORPUS },
    embedder: { type: 'string', default: STATIC_EMBEDDER },
    seed: { type: 'string', default: '20261207' },
  },
});

const facts = machineFacts();
const distinct = parseIntegerOption(values.distinct, 'distinct') ?? 100;
const searches = parseIntegerOption(values.searches, 'searches') ?? 2000;
const mode = values.mode as SearchMode;
const work = temporaryDirectory('cairn-bench-cache-');
const home = join(work, 'home');
const collection = 'docs';

try {
  const subset = copySubset(values.source, parseIntegerOption(values['limit-files'], 'limit-files') ?? 1000, work);
  const ingested = await timedIngest({ home, embedder: values.embedder }, collection, subset.root, 'ingest');
  const off = await openBenchApp({ home, embedder: values.embedder, searchCache: false });
  const on = await openBenchApp({ home, embedder: values.embedder, searchCache: true });
  try {
    const queries = await buildQueries(off, collection, distinct, Number(values.seed));
    // Zipf(1): query i (0-based) is drawn with weight 1 / (i + 1).
    const weights = queries.map((_, i) => 1 / (i + 1));
    const total = weights.reduce((a, b) => a + b, 0);
    const random = seededRandom(Number(values.seed) + 1);
    const load = Array.from({ length: searches }, () => {
      let pick = random() * total;
      for (const [i, weight] of weights.entries()) {
        pick -= weight;
        if (pick <= 0) return queries[i]!;
      }
      return queries[queries.length - 1]!;
    });
    for (const query of queries.slice(0, 10)) await search(off, { collection, query, mode });
    const offMs: number[] = [];
    const onMs: number[] = [];
    for (const [i, query] of load.entries()) {
      const order = i % 2 === 0 ? [[off, offMs], [on, onMs]] as const : [[on, onMs], [off, offMs]] as const;
      for (const [app, samples] of order) {
        const started = performance.now();
        await search(app, { collection, query, mode });
        samples.push(performance.now() - started);
      }
    }
    const stats = on.searchCache!.stats();
    const sum = (samples: number[]) => samples.reduce((a, b) => a + b, 0);
    const speedUp = sum(offMs) / sum(onMs);
    const hitRatio = stats.hits / (stats.hits + stats.misses);
    report('search-cache', {
      ...facts, loadAverageAfter: loadAverage(), peakRssMiB: peakRssMiB(), mode, files: subset.files, chunks: ingested.summary.chunksWritten, distinct: queries.length,
      searches, off: latencyStats(offMs), on: latencyStats(onMs), speedUp: round(speedUp, 2), hitRatio: round(hitRatio, 3), entries: stats.entries,
    }, [
      `${subset.files} files, ${ingested.summary.chunksWritten} chunks; ${searches} ${mode} searches over ${queries.length} distinct queries (Zipf), load average before ${facts.loadAverageBefore.join(' ')}`,
      `cache off: p50 ${latencyStats(offMs).p50} ms, mean ${latencyStats(offMs).mean} ms`,
      `cache on:  p50 ${latencyStats(onMs).p50} ms, mean ${latencyStats(onMs).mean} ms; hit ratio ${hitRatio.toFixed(3)}`,
      `speed-up of the whole load: ×${speedUp.toFixed(2)}`,
    ]);
  } finally {
    await off.close();
    await on.close();
  }
} finally {
  removeDirectory(work);
}
