/**
 * Backup and restore of a store: `createBackup` (archive size, time) against an offline baseline in the
 * same run (a plain copy of the database file and gzip -1 of it: what stopping Cairn and archiving the
 * file by hand costs), `verifyBackup`, `restoreBackup` into a new home, and the first hybrid search of
 * the restored home with the archived HNSW graph against the same search after removing the graph (a
 * rebuild from the database) — the choice of docs/decisions/0021-backups.md.
 *
 *   node --import tsx bench/backup-restore.ts --home <CAIRN_HOME with an ingested collection> --collection <name>
 *     [--embedder static:/work/shared/models/cairn/static-minilm-vocab-256]
 *
 * The source home is only read (its database is copied through the online backup API).
 */
import { copyFileSync, createReadStream, createWriteStream, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { createGzip } from 'node:zlib';
import { createBackup } from '../src/app/backup/create-backup.js';
import { openStoreRestore } from '../src/app/backup/open-store-restore.js';
import { restoreBackup } from '../src/app/backup/restore-backup.js';
import { verifyBackup } from '../src/app/backup/verify-backup.js';
import { search } from '../src/app/search.js';
import { STATIC_EMBEDDER, benchConfig, loadAverage, machineFacts, openBenchApp, peakRssMiB, report, round, temporaryDirectory } from './bench-support.js';

const { values } = parseArgs({
  options: {
    home: { type: 'string' },
    collection: { type: 'string', default: 'docs' },
    embedder: { type: 'string', default: STATIC_EMBEDDER },
    query: { type: 'string', default: 'how do I roll back a release' },
  },
});
if (!values.home) throw new Error('--home <CAIRN_HOME> is required (a home with an ingested collection)');

const facts = machineFacts();
const work = temporaryDirectory('cairn-bench-backup-');
const seconds = (started: number) => round((performance.now() - started) / 1000, 2);

try {
  const source = benchConfig({ home: values.home, embedder: values.embedder });
  const databasePath = join(source.home, 'cairn.db');

  let started = performance.now();
  copyFileSync(databasePath, join(work, 'baseline.db'));
  await pipeline(createReadStream(join(work, 'baseline.db')), createGzip({ level: 1 }), createWriteStream(join(work, 'baseline.db.gz')));
  const baseline = { seconds: seconds(started), bytes: statSync(join(work, 'baseline.db.gz')).size, databaseBytes: statSync(databasePath).size };
  rmSync(join(work, 'baseline.db'));
  rmSync(join(work, 'baseline.db.gz'));

  const app = await openBenchApp({ home: values.home, embedder: values.embedder });
  started = performance.now();
  const backup = await createBackup(app, { version: 'bench', dir: join(work, 'archives') });
  const create = { seconds: seconds(started), bytes: backup.bytes, counts: backup.manifest.counts, notes: backup.manifest.notes };
  await app.close();

  const target = benchConfig({ home: join(work, 'restored'), embedder: values.embedder });
  started = performance.now();
  const verified = await verifyBackup(backup.path, openStoreRestore(target), { scratchDir: work });
  const verify = { seconds: seconds(started), members: verified.members, bytes: verified.bytes };
  started = performance.now();
  await restoreBackup(target, backup.path, openStoreRestore(target));
  const restore = { seconds: seconds(started) };

  const firstSearch = async (): Promise<{ seconds: number; results: number; ids: string }> => {
    const restored = await openBenchApp({ home: target.home, embedder: values.embedder });
    try {
      const begun = performance.now();
      const response = await search(restored, { collection: values.collection!, query: values.query!, mode: 'hybrid', k: 10 });
      return { seconds: seconds(begun), results: response.results.length, ids: response.results.map((r) => r.chunkId).join(',') };
    } finally {
      await restored.close();
    }
  };
  const withGraph = await firstSearch();
  rmSync(join(target.home, 'vectors'), { recursive: true, force: true });
  const rebuilt = await firstSearch();

  const result = {
    facts,
    loadAverageAfter: loadAverage(),
    peakRssMiB: peakRssMiB(),
    baseline,
    create,
    verify,
    restore,
    firstHybridSearch: { withGraph: { seconds: withGraph.seconds }, rebuilt: { seconds: rebuilt.seconds }, sameTop10: withGraph.ids === rebuilt.ids },
    ratios: { createOverBaseline: round(create.seconds / baseline.seconds, 2), archiveOverBaseline: round(create.bytes / baseline.bytes, 2), rebuiltOverWithGraph: round(rebuilt.seconds / withGraph.seconds, 1) },
  };
  const mb = (bytes: number) => `${round(bytes / 1e6, 1)} MB`;
  report('backup-restore', result, [
    `store: ${create.counts.chunks} chunks, ${create.counts.documents} documents, database ${mb(baseline.databaseBytes)} (load ${facts.loadAverageBefore.join(' ')} → ${result.loadAverageAfter.join(' ')})`,
    `baseline (copy + gzip -1 of the database file, offline): ${baseline.seconds} s, ${mb(baseline.bytes)}`,
    `backup create (online, graph included): ${create.seconds} s, ${mb(create.bytes)}  (×${result.ratios.createOverBaseline} time, ×${result.ratios.archiveOverBaseline} size of the baseline)`,
    `verify: ${verify.seconds} s over ${verify.members} members, ${mb(verify.bytes)}; restore: ${restore.seconds} s`,
    `first hybrid search after restore: ${withGraph.seconds} s with the archived graph, ${rebuilt.seconds} s rebuilding it (×${result.ratios.rebuiltOverWithGraph}); same top-10: ${result.firstHybridSearch.sameTop10}`,
    ...create.notes,
  ]);
} finally {
  rmSync(work, { recursive: true, force: true });
}
