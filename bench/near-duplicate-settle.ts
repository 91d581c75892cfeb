/**
 * The near-duplicate storage of an ingested SQLite home and the cost of one settling of it (decision
 * 0038), forced: the collection is marked stale first, so the whole count and re-signing run.
 *
 *   node --import tsx bench/near-duplicate-settle.ts <home>/cairn.db [collection] [boilerplateDf]
 */
import Database from 'better-sqlite3';
import { openSqliteStore } from '../src/stores/sqlite/open-sqlite-store.js';
import { analyzeForIndex } from '../src/models/tokenize/lexical-analyzer.js';
const path = process.argv[2]!;
const collection = process.argv[3] ?? 'docs';
const bound = Number(process.argv[4] ?? 10);
const raw = new Database(path);
raw.prepare('UPDATE near_duplicate_state SET stale = 1').run();
const rows = raw.prepare(`SELECT coalesce(m.tbl_name, s.name) AS owner, sum(s.pgsize) AS bytes FROM dbstat s LEFT JOIN sqlite_master m ON m.name = s.name GROUP BY owner ORDER BY bytes DESC`).all() as { owner: string; bytes: number }[];
const total = rows.reduce((t, r) => t + r.bytes, 0);
console.log('database MiB', (total / 2 ** 20).toFixed(1), rows.filter((r) => /shingle|fingerprint|band|near_dup/.test(r.owner)).map((r) => `${r.owner} ${(r.bytes / 2 ** 20).toFixed(2)} MiB`).join(', '));
console.log('shingle_df rows', raw.prepare('SELECT count(*) FROM shingle_df').pluck().get(), 'fingerprints', raw.prepare('SELECT count(*), sum(length(shingles)) / 4 FROM document_fingerprints').raw().get());
raw.close();
const store = await openSqliteStore({ path, lexicalAnalyzer: analyzeForIndex });
const cpu = process.cpuUsage();
const started = performance.now();
const changed = await store.chunks.settleNearDuplicates!(collection, bound);
const used = process.cpuUsage(cpu);
console.log(`forced settle: ${changed} re-signed, ${(performance.now() - started).toFixed(0)} ms wall, ${((used.user + used.system) / 1000).toFixed(0)} ms CPU`);
await store.close();
