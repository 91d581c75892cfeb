/**
 * Memory search latency (searchMemories: FTS5 over content and tags, fused with an exact cosine scan
 * of every visible memory's vector) as the number of memories grows.
 *
 *   node --import tsx bench/memory-search.ts [--memories 20000] [--queries 200] [--embedder static:...]
 *
 * Memories are synthetic facts built from a seeded word list; queries are rephrasings of random ones.
 * Reported per size: p50/p95/p99 of one search (query embedding included), create throughput.
 */
import { parseArgs } from 'node:util';
import { createMemory, searchMemories } from '../src/app/memories.js';
import { seededRandom } from '../src/core/seeded-random.js';
import { STATIC_EMBEDDER, latencyStats, machineFacts, openBenchApp, parseIntegerOption, peakRssMiB, removeDirectory, report, round, temporaryDirectory } from './bench-support.js';

const { values } = parseArgs({
  options: { memories: { type: 'string' }, queries: { type: 'string' }, embedder: { type: 'string' } },
});
const total = parseIntegerOption(values.memories, 'memories') ?? 20_000;
const queries = parseIntegerOption(values.queries, 'queries') ?? 200;
const embedder = values.embedder ?? STATIC_EMBEDDER;

const SERVICES = ['billing', 'search', 'auth', 'gateway', 'ledger', 'mailer', 'scheduler', 'reports', 'ingest', 'payments', 'profile', 'catalog'];
const HOSTS = ['db', 'cache', 'queue', 'api', 'worker', 'edge'];
const TEAMS = ['platform', 'growth', 'data', 'security', 'mobile', 'infra'];
const FACTS = [
  (s: string, h: string, n: number, t: string) => `The ${s} service runs on host ${h}-${n} and is owned by the ${t} team`,
  (s: string, h: string, n: number, t: string) => `Deploys of ${s} need approval from the ${t} lead; rollbacks go through ${h}-${n}`,
  (s: string, h: string, n: number, t: string) => `${s} keeps its backups on ${h}-${n}, restored monthly by ${t}`,
  (s: string, h: string, n: number, t: string) => `Alerts for ${s} page the ${t} on-call; dashboards live on ${h}-${n}`,
];

const random = seededRandom(7);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

const home = temporaryDirectory('cairn-bench-memory-');
const app = await openBenchApp({ home, embedder });
const sizes = [1000, 5000, 10_000, 20_000, 50_000].filter((size) => size <= total);
if (!sizes.includes(total)) sizes.push(total);
const rows: Record<string, unknown>[] = [];
const summary: string[] = [`memory search, embedder ${embedder}`];
let created = 0;
try {
  for (const size of sizes) {
    const started = performance.now();
    const before = created;
    while (created < size) {
      await createMemory(app, { content: pick(FACTS)(pick(SERVICES), pick(HOSTS), Math.floor(random() * 100), pick(TEAMS)), tags: [pick(TEAMS)] });
      created++;
    }
    const createPerSecond = (created - before) / ((performance.now() - started) / 1000);
    const samples: number[] = [];
    for (let i = 0; i < queries; i++) {
      const query = `Who owns ${pick(SERVICES)} and where are its ${pick(['backups', 'alerts', 'deploys', 'dashboards'])}?`;
      const t0 = performance.now();
      await searchMemories(app, { query, k: 5 });
      samples.push(performance.now() - t0);
    }
    const stats = latencyStats(samples);
    rows.push({ memories: size, createPerSecond: round(createPerSecond, 0), ...stats });
    summary.push(`${size} memories: search p50 ${round(stats.p50)} ms, p95 ${round(stats.p95)} ms, p99 ${round(stats.p99)} ms; create ${round(createPerSecond, 0)}/s`);
  }
} finally {
  await app.close();
  removeDirectory(home);
}
report('memory-search', { machine: machineFacts(), embedder, queries, rows, peakRssMiB: peakRssMiB() }, summary);
