/**
 * What near-duplicate detection costs an ingest, and how many clusters it finds, in one run.
 *
 *   node --import tsx bench/near-duplicate-cost.ts [--limit-files 2000] [--rounds 2]
 *   node --import tsx bench/near-duplicate-cost.ts --limit-files 0     # the whole corpus
 *
 * The same files (a round-robin subset of ../shared/data/docs-corpus, or all of it) are ingested into
 * fresh homes with `ingest.nearDuplicates.enabled` off and on, in ABBA order per round (off, on, on,
 * off, …) so that drift of a shared machine hits both alike; each ingest is a whole `cairn ingest`
 * (open, ingest, close). Reported: wall and CPU ms of each, the on/off ratios of their sums, and the
 * clusters of the last "on" home (count, documents in them, the largest), and what near-duplicate
 * detection stores there (the shingle document-frequency table, the fingerprints with their shingles,
 * the LSH bands; bytes from SQLite's dbstat) beside the whole database file.
 *
 *   --boilerplate-df n   ingest.nearDuplicates.boilerplateDf of the "on" ingests (default: the config's)
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parseArgs } from 'node:util';
import {
  DOCS_CORPUS, STATIC_EMBEDDER, copySubset, loadAverage, machineFacts, openBenchApp, parseIntegerOption, peakRssMiB, removeDirectory, report, round,
  temporaryDirectory, timedIngest,
} from './bench-support.js';

const { values } = parseArgs({
  options: {
    'limit-files': { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '1' },
    source: { type: 'string', default: DOCS_CORPUS },
    embedder: { type: 'string', default: STATIC_EMBEDDER },
    'boilerplate-df': { type: 'string' },
  },
});

const facts = machineFacts();
const limit = parseIntegerOption(values['limit-files'], 'limit-files') ?? 2000;
const rounds = parseIntegerOption(values.rounds, 'rounds') ?? 1;
const boilerplateDf = parseIntegerOption(values['boilerplate-df'], 'boilerplate-df');
const work = temporaryDirectory('cairn-bench-neardup-');
const collection = 'docs';

try {
  const source = limit === 0 ? values.source : copySubset(values.source, limit, work).root;
  const runs: { nearDuplicates: boolean; wallMs: number; cpuMs: number; chunks: number; files: number }[] = [];
  let lastOnHome = '';
  let index = 0;
  for (let round_ = 0; round_ < rounds; round_++) {
    for (const nearDuplicates of [false, true, true, false]) {
      const home = join(work, `home-${index++}`);
      const { summary, wallMs, cpuMs } = await timedIngest({ home, embedder: values.embedder, nearDuplicates, ...(boilerplateDf === undefined ? {} : { boilerplateDf }) }, collection, source, nearDuplicates ? 'on' : 'off');
      runs.push({ nearDuplicates, wallMs: round(wallMs), cpuMs: round(cpuMs), chunks: summary.chunksWritten, files: summary.filesNew });
      process.stderr.write(`${nearDuplicates ? 'on ' : 'off'}: ${summary.filesNew} files, ${summary.chunksWritten} chunks, ${(wallMs / 1000).toFixed(1)} s wall, ${(cpuMs / 1000).toFixed(1)} s CPU\n`);
      if (nearDuplicates) lastOnHome = home;
      else removeDirectory(home);
    }
  }
  const app = await openBenchApp({ home: lastOnHome });
  const clusters = await app.chunks.listDuplicateClusters!(collection);
  await app.close();
  const storage = storageOf(join(lastOnHome, 'cairn.db'));
  const sum = (on: boolean, key: 'wallMs' | 'cpuMs') => runs.filter((run) => run.nearDuplicates === on).reduce((total, run) => total + run[key], 0);
  const wallRatio = sum(true, 'wallMs') / sum(false, 'wallMs');
  const cpuRatio = sum(true, 'cpuMs') / sum(false, 'cpuMs');
  const inClusters = clusters.reduce((total, cluster) => total + cluster.members.length, 0);
  const largest = clusters[0];
  report('near-duplicate-cost', {
    ...facts, loadAverageAfter: loadAverage(), peakRssMiB: peakRssMiB(), files: runs[0]!.files, chunks: runs[0]!.chunks, runs,
    wallRatio: round(wallRatio, 4), cpuRatio: round(cpuRatio, 4), clusters: clusters.length, documentsInClusters: inClusters,
    largestCluster: largest ? { size: largest.members.length, example: largest.members.slice(0, 3).map((member) => member.relativePath) } : null,
    largest: clusters.slice(0, 12).map((cluster) => cluster.members.map((member) => member.relativePath)), storage,
  }, [
    `${runs[0]!.files} files, ${runs[0]!.chunks} chunks; ${runs.length} ingests (ABBA), load average before ${facts.loadAverageBefore.join(' ')}`,
    `near-duplicates on/off: wall ×${wallRatio.toFixed(3)}, CPU ×${cpuRatio.toFixed(3)}`,
    `${clusters.length} clusters holding ${inClusters} documents; largest ${largest?.members.length ?? 0}: ${largest?.members.slice(0, 3).map((member) => member.relativePath).join(', ') ?? '-'}`,
    `storage: shingle_df ${storage.shingleDfRows} rows, ${mib(storage.bytes.shingle_df)} MiB; fingerprints ${mib(storage.bytes.document_fingerprints)} MiB; bands ${mib(storage.bytes.document_bands)} MiB; database ${mib(storage.databaseBytes)} MiB`,
  ]);
} finally {
  removeDirectory(work);
}

function mib(bytes: number | undefined): string {
  return ((bytes ?? 0) / 1024 / 1024).toFixed(1);
}

/** Bytes of the near-duplicate tables and their indexes (dbstat) and of the whole file (after a checkpoint). */
function storageOf(path: string): { shingleDfRows: number; bytes: Record<string, number>; databaseBytes: number } {
  const db = new Database(path);
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
    const bytes: Record<string, number> = {};
    const rows = db.prepare(
      `SELECT coalesce(m.tbl_name, s.name) AS owner, sum(s.pgsize) AS bytes FROM dbstat s LEFT JOIN sqlite_master m ON m.name = s.name
       WHERE coalesce(m.tbl_name, s.name) IN ('shingle_df', 'document_fingerprints', 'document_bands', 'near_duplicate_state') GROUP BY owner`,
    ).all() as { owner: string; bytes: number }[];
    for (const row of rows) bytes[row.owner] = row.bytes;
    const shingleDfRows = db.prepare('SELECT count(*) FROM shingle_df').pluck().get() as number;
    return { shingleDfRows, bytes, databaseBytes: statSync(path).size };
  } finally {
    db.close();
  }
}
