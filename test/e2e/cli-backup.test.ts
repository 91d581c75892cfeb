import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import type { CairnApp, LoadedEmbedder } from '../../src/app/cairn-app.js';
import { modelContext } from '../../src/app/cairn-app.js';
import { search } from '../../src/app/search.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createEmbedder } from '../../src/models/embed/create-embedder.js';
import { analyzeForIndex } from '../../src/models/tokenize/lexical-analyzer.js';
import { openSqliteStore } from '../../src/stores/sqlite/open-sqlite-store.js';
import { REPO_ROOT, SHARED_MISSING, sharedPath } from '../../src/testing/shared-data.js';
import { runCli } from './run-cli.js';
import { startCairnServe } from './start-cairn-serve.js';

const corpus = sharedPath('data', 'docs-corpus');
const staticModel = sharedPath('models', 'cairn', 'static-minilm-vocab-256');
/** A part of the docs corpus: about 4,000 chunks, several seconds of ingest even on a quiet machine. */
const PARTS = ['helm', 'prometheus', 'pydantic', 'webpack'];
const QUERIES = [
  'install a chart from a repository',
  'alerting rules for high latency',
  'validate a model field with a custom validator',
  'code splitting with dynamic imports',
  'configure scrape interval',
  'upgrade a release and roll back',
];

interface Counts {
  collections: { name: string; documents: number; chunks: number; vectors: number }[];
  keys: number;
}

/** Rows counted straight from the database file, read-only. */
function countRows(home: string): Counts {
  const db = new Database(join(home, 'cairn.db'), { readonly: true, fileMustExist: true });
  try {
    const collections = db
      .prepare(
        `SELECT c.name,
           (SELECT count(*) FROM documents d WHERE d.collection = c.name) AS documents,
           (SELECT count(*) FROM chunks k WHERE k.collection = c.name) AS chunks,
           (SELECT count(*) FROM chunks k WHERE k.collection = c.name AND k.vector IS NOT NULL) AS vectors
         FROM collections c ORDER BY c.name`,
      )
      .all() as Counts['collections'];
    return { collections, keys: (db.prepare('SELECT count(*) AS n FROM api_keys').get() as { n: number }).n };
  } finally {
    db.close();
  }
}

/**
 * Top-10 of every query in lexical and hybrid mode, through the search use case over a read-only view
 * of a home (it writes nothing, so it can look at a database whose writer is paused mid-transaction).
 */
async function answers(home: string): Promise<string> {
  const config = loadConfig({ cwd: home, env: { CAIRN_HOME: home, CAIRN_EMBEDDER: `static:${staticModel}`, CAIRN_OFFLINE: '1' } });
  const store = await openSqliteStore({
    path: join(home, 'cairn.db'),
    lexicalAnalyzer: analyzeForIndex,
    hnsw: { m: config.vectorIndex.m, efConstruction: config.vectorIndex.efConstruction, efSearch: config.vectorIndex.efSearch },
    lexical: { maxScoredRows: config.search.lexicalMaxScoredRows },
    readonly: true,
  });
  const embedder = await createEmbedder(`static:${staticModel}`, modelContext(config));
  const loaded: LoadedEmbedder = { id: `static:${staticModel}`, embedder, tokenizer: embedder.tokenizer, maxTokens: embedder.maxTokens };
  const view = { config, chunks: store.chunks, lexical: store.lexical, vectors: store.vectors, loadEmbedder: async () => loaded, notice() {} } as unknown as CairnApp;
  try {
    // Every answer from the graph (a search before it is loaded is answered exactly, which may rank differently).
    await store.vectors.open('docs', embedder.dimensions);
    const out: unknown[] = [];
    for (const mode of ['lexical', 'hybrid'] as const) {
      for (const query of QUERIES) {
        const response = await search(view, { collection: 'docs', query, mode, k: 10, group: 'chunks' });
        assert.equal(response.results.length, 10, `${mode} "${query}"`);
        out.push([mode, query, response.results.map((r) => [r.chunkId, r.sourceUri, r.score.toFixed(6)])]);
      }
    }
    return JSON.stringify(out);
  } finally {
    await store.close();
  }
}

function documentsOf(home: string): number {
  try {
    const db = new Database(join(home, 'cairn.db'), { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT count(*) AS n FROM documents').get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0;
  }
}

describe('cairn backup end to end (real processes, a backup taken during an ingest)', { skip: !corpus || !staticModel ? SHARED_MISSING : false }, () => {
  let root: string;
  let home: string;
  let archives: string;
  let env: Record<string, string>;
  let archive: string;
  let atBackup: { counts: Counts; answers: string };
  let finalCounts: Counts;

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'cairn-e2e-backup-'));
    home = join(root, 'home');
    archives = join(root, 'archives');
    env = { CAIRN_HOME: home, CAIRN_EMBEDDER: `static:${staticModel}`, CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0' };
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('backup create while another process ingests: the archive is the database of one instant', async () => {
    const ingest = spawn(process.execPath, [`${REPO_ROOT}/bin/cairn.js`, 'ingest', ...PARTS.map((p) => join(corpus!, p)), '--collection', 'docs'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: home, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    ingest.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => ingest.on('exit', (code) => resolve(code)));
    try {
      while (documentsOf(home) < 50) {
        assert.equal(ingest.exitCode, null, `the ingest ended before the backup could be taken during it: ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      // Paused mid-run (perhaps inside a write transaction): the instant the backup must capture, and
      // the state the original answers from while it is paused.
      ingest.kill('SIGSTOP');
      const created = await runCli(['backup', 'create', '--to', archives, '--json'], env);
      assert.equal(created.code, 0, created.stderr);
      archive = JSON.parse(created.stdout).path;
      atBackup = { counts: countRows(home), answers: await answers(home) };
      assert.equal(ingest.exitCode, null, 'the ingest was still running when the backup was taken');
    } finally {
      ingest.kill('SIGCONT');
    }
    assert.equal(await exited, 0, stderr);
    finalCounts = countRows(home);
    const [docsAtBackup, docsFinal] = [atBackup.counts.collections[0]!.documents, finalCounts.collections[0]!.documents];
    assert.ok(docsAtBackup >= 50 && docsAtBackup < docsFinal, `backup taken mid-ingest: ${docsAtBackup} of ${docsFinal} documents`);
    const manifest = JSON.parse((await runCli(['backup', 'verify', archive, '--json'], env)).stdout).manifest;
    assert.deepEqual(
      manifest.counts.collections.map((c: Counts['collections'][number]) => ({ name: c.name, documents: c.documents, chunks: c.chunks, vectors: c.vectors })),
      atBackup.counts.collections,
      'the manifest counts the paused instant, not the state after the ingest went on',
    );
  });

  test('backup verify passes; a flipped byte or a truncated archive fails with BACKUP_CORRUPT; a missing one BACKUP_NOT_FOUND', async () => {
    const ok = await runCli(['backup', 'verify', archive], env);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /integrity check passed; counts match the manifest/);

    const flipped = join(root, 'flipped.tar.gz');
    const bytes = readFileSync(archive);
    // Three flips, spread out: one flip was once harmless to a whole verify (seen once in many runs; a single
    // flip at nine positions of another archive always failed the gzip check), three cannot all be.
    for (const at of [0.25, 0.5, 0.75]) bytes[Math.floor(bytes.length * at)]! ^= 0x20;
    writeFileSync(flipped, bytes);
    const damaged = await runCli(['backup', 'verify', flipped], env);
    assert.equal(damaged.code, 1, damaged.stdout);
    assert.match(damaged.stderr, /\[BACKUP_CORRUPT\]/);

    const truncated = join(root, 'truncated.tar.gz');
    copyFileSync(archive, truncated);
    truncateSync(truncated, Math.floor(statSync(truncated).size / 2));
    const short = await runCli(['backup', 'verify', truncated], env);
    assert.equal(short.code, 1, short.stdout);
    assert.match(short.stderr, /\[BACKUP_CORRUPT\]/);

    const missing = await runCli(['backup', 'verify', join(root, 'nope.tar.gz')], env);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /\[BACKUP_NOT_FOUND\]/);
  });

  test('restore refuses a home that holds data without --force, and changes nothing', async () => {
    const refused = await runCli(['backup', 'restore', archive], env);
    assert.equal(refused.code, 2, refused.stdout);
    assert.match(refused.stderr, /\[BACKUP_TARGET_NOT_EMPTY\]/);
    assert.match(refused.stderr, /--force/);
    assert.deepEqual(countRows(home), finalCounts);
  });

  test('wipe, restore: the same counts and the same top-10 in lexical and hybrid mode as the original at the backup', async () => {
    rmSync(home, { recursive: true, force: true });
    const restored = await runCli(['backup', 'restore', archive, '--home', home], env);
    assert.equal(restored.code, 0, restored.stderr);
    assert.deepEqual(countRows(home), atBackup.counts);
    assert.equal(await answers(home), atBackup.answers);
  });

  test('the restored home resumes the interrupted ingest to the same counts as the original', async () => {
    const resumed = await runCli(['ingest', ...PARTS.map((p) => join(corpus!, p)), '--collection', 'docs'], env);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.deepEqual(countRows(home), finalCounts);
  });

  test('cairn serve runs backup.schedule: an archive appears, the gauges describe it', async () => {
    const scheduled = join(root, 'scheduled');
    const server = await startCairnServe({ ...env, CAIRN_BACKUP_SCHEDULE: '* * * * * *', CAIRN_BACKUP_DIR: scheduled });
    try {
      while (!existsSync(scheduled) || !readdirSync(scheduled).some((name) => name.endsWith('.tar.gz'))) {
        assert.equal(server.child.exitCode, null, server.output.stderr);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      assert.match(metrics, /^cairn_backup_last_success_timestamp_seconds \d+/m);
      assert.match(metrics, /^cairn_backup_last_size_bytes [1-9]\d*/m);
      assert.match(metrics, /^cairn_backup_failures_total 0$/m);
      const listed = await fetch(`${server.url}/v1/backups`, { headers: { authorization: `Bearer ${server.adminKey}` } });
      assert.equal(listed.status, 200);
      assert.equal(((await listed.json()) as { schedule: string }).schedule, '* * * * * *');
    } finally {
      assert.equal(await server.stop(), 0, server.output.stderr);
    }
  });
});
