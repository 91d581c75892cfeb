import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tar from 'tar';
import type { CairnConfig } from '../../config/config-schema.js';
import { loadConfig } from '../../config/load-config.js';
import { isCairnError } from '../../core/cairn-error.js';
import { SHARED_MISSING, sharedPath } from '../../testing/shared-data.js';
import type { CairnApp } from '../cairn-app.js';
import { ingest } from '../ingest.js';
import { createJobRunner } from '../jobs/create-job-runner.js';
import { openCairn } from '../open-cairn.js';
import { search } from '../search.js';
import { warmSearch } from '../warm-search.js';
import { createBackup, type BackupResult } from './create-backup.js';
import { MANIFEST_NAME } from './backup-manifest.js';
import { openStoreRestore } from './open-store-restore.js';
import { restoreBackup } from './restore-backup.js';
import { verifyBackup } from './verify-backup.js';

const model = sharedPath('models', 'cairn', 'static-minilm-vocab-256');
const md = sharedPath('data', 'files', 'md');
const QUERIES = ['install the package', 'configuration file format', 'table of contents', 'license'];

function configFor(home: string): CairnConfig {
  return loadConfig({ cwd: home, env: { CAIRN_HOME: home, CAIRN_EMBEDDER: `static:${model}`, CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0' } });
}

async function expectCode(promise: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isCairnError(error), String(error));
    assert.equal(error.code, code, error.message);
    if (message) assert.match(error.message, message);
    return true;
  });
}

/** Top-10 chunk ids and scores of each query in each mode: what "answers the same search" compares. */
async function answers(app: CairnApp): Promise<string> {
  const out: unknown[] = [];
  for (const mode of ['lexical', 'dense', 'hybrid'] as const) {
    for (const query of QUERIES) {
      const response = await search(app, { collection: 'kb', query, mode, k: 10 });
      out.push(response.results.map((r) => [r.chunkId, r.sourceUri, r.score.toFixed(6)]));
    }
  }
  return JSON.stringify(out);
}

/** Rewrites an archive with `edit` applied to its extracted files (the manifest kept as it was, unless edited). */
async function rewriteArchive(source: string, target: string, edit: (dir: string) => void): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-rewrite-'));
  try {
    await tar.x({ file: source, cwd: dir });
    edit(dir);
    const manifest = JSON.parse(readFileSync(join(dir, MANIFEST_NAME), 'utf8')) as { members: { path: string }[] };
    await tar.c({ gzip: true, cwd: dir, file: target, portable: true }, [MANIFEST_NAME, ...manifest.members.map((m) => m.path)]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('backup use cases on a real store', { skip: !model || !md ? SHARED_MISSING : false }, () => {
  let root: string;
  let config: CairnConfig;
  let app: CairnApp;
  let backup: BackupResult;
  let original: string;
  const uploadJob = randomUUID();

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'cairn-backup-'));
    config = configFor(join(root, 'home'));
    app = await openCairn(config);
    await ingest(app, { collection: 'kb', sources: [md!] });
    await app.keys.create('admin', ['admin']);
    // An upload whose job has not run yet: its files live outside the database.
    const uploadDir = join(config.jobs.uploadsDir!, uploadJob);
    mkdirSync(uploadDir, { recursive: true });
    writeFileSync(join(uploadDir, 'restored-upload.md'), '# Restored upload\n\nThe zebra-striped quokka appears only in this uploaded file.\n');
    await app.jobs!.create({ id: uploadJob, collection: 'kb', kind: 'upload', sources: ['restored-upload.md'], inputs: [uploadDir], options: { uploadDir, rootUri: 'upload://' } });
    // As a server does after it listens: the graph is loaded (a worker persists it first), so the
    // answers compared below all come from it, not from the exact path that serves until then.
    await warmSearch(app);
    original = await answers(app);
    backup = await createBackup(app, { version: 'test' });
  });
  after(async () => {
    await app.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('writes one archive under backup.dir whose manifest counts what the store holds, manifest first', async () => {
    assert.match(backup.name, /^cairn-backup-\d{8}T\d{6}Z\.tar\.gz$/);
    assert.equal(backup.path, join(config.home, 'backups', backup.name));
    const entries: string[] = [];
    await tar.t({ file: backup.path, onReadEntry: (entry) => entries.push(entry.path) });
    assert.equal(entries[0], MANIFEST_NAME);
    assert.deepEqual(entries.slice(1), backup.manifest.members.map((m) => m.path));
    assert.ok(entries.includes('store/cairn.db'));
    assert.ok(entries.includes('store/vectors/kb.hnsw') && entries.includes('store/vectors/kb.hnsw.json'), 'the HNSW graph is included');
    assert.ok(entries.includes(`uploads/${uploadJob}/restored-upload.md`));
    const kb = (await app.chunks.getCollection('kb'))!;
    const { counts } = backup.manifest;
    assert.deepEqual(counts.collections, [{ name: 'kb', embedder: kb.embedder, dimensions: kb.dimensions, documents: kb.documentCount, chunks: kb.chunkCount, vectors: kb.chunkCount }]);
    assert.deepEqual([counts.apiKeys, counts.jobs, counts.chatSessions, counts.memories], [1, 1, 0, 0]);
    assert.equal(backup.manifest.store.kind, 'sqlite');
    assert.deepEqual(backup.manifest.uploads.jobs, [uploadJob]);
    assert.equal(readdirPartial(join(config.home, 'backups')).length, 0, 'no staging folder is left');
  });

  it('verify passes on the archive as written', async () => {
    const report = await verifyBackup(backup.path, openStoreRestore(config));
    assert.equal(report.members, backup.manifest.members.length);
  });

  it('verify fails with BACKUP_CORRUPT on one flipped byte of a member, naming it', async () => {
    const damaged = join(root, 'flipped-member.tar.gz');
    await rewriteArchive(backup.path, damaged, (dir) => {
      const path = join(dir, 'store', 'cairn.db');
      const bytes = readFileSync(path);
      bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
      writeFileSync(path, bytes);
    });
    await expectCode(verifyBackup(damaged, openStoreRestore(config)), 'BACKUP_CORRUPT', /store\/cairn\.db does not match its sha256/);
  });

  it('verify fails with BACKUP_CORRUPT on a flipped byte of the compressed archive, and on a truncated archive', async () => {
    const flipped = join(root, 'flipped.tar.gz');
    const bytes = readFileSync(backup.path);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    writeFileSync(flipped, bytes);
    await expectCode(verifyBackup(flipped, openStoreRestore(config)), 'BACKUP_CORRUPT');
    const truncated = join(root, 'truncated.tar.gz');
    writeFileSync(truncated, readFileSync(backup.path));
    truncateSync(truncated, Math.floor(statSync(truncated).size * 0.6));
    await expectCode(verifyBackup(truncated, openStoreRestore(config)), 'BACKUP_CORRUPT', /truncated|ends early|damaged/);
  });

  it('verify fails when the database holds other counts than the manifest says', async () => {
    const tampered = join(root, 'tampered.tar.gz');
    await rewriteArchive(backup.path, tampered, (dir) => {
      const manifest = JSON.parse(readFileSync(join(dir, MANIFEST_NAME), 'utf8'));
      manifest.counts.chunks += 1;
      writeFileSync(join(dir, MANIFEST_NAME), JSON.stringify(manifest));
    });
    await expectCode(verifyBackup(tampered, openStoreRestore(config)), 'BACKUP_CORRUPT', /chunks, the manifest says/);
  });

  it('refuses members the manifest does not list (no path leaves the staging folder)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-evil-'));
    try {
      await tar.x({ file: backup.path, cwd: dir });
      writeFileSync(join(dir, 'extra.txt'), 'not listed');
      const evil = join(root, 'extra-member.tar.gz');
      const manifest = JSON.parse(readFileSync(join(dir, MANIFEST_NAME), 'utf8')) as { members: { path: string }[] };
      await tar.c({ gzip: true, cwd: dir, file: evil, portable: true }, [MANIFEST_NAME, ...manifest.members.map((m) => m.path), 'extra.txt']);
      await expectCode(verifyBackup(evil, openStoreRestore(config)), 'BACKUP_CORRUPT', /does not list/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('BACKUP_NOT_FOUND for a missing archive', async () => {
    await expectCode(verifyBackup(join(root, 'nope.tar.gz'), openStoreRestore(config)), 'BACKUP_NOT_FOUND');
  });

  it('restores into a new home that answers every search as the original did, with its keys, jobs and uploads', async () => {
    const target = configFor(join(root, 'restored'));
    const report = await restoreBackup(target, backup.path, openStoreRestore(target));
    assert.equal(report.uploads, 1);
    assert.ok(existsSync(join(target.jobs.uploadsDir!, uploadJob, 'restored-upload.md')));
    // A new machine: the original home's uploads are gone; the restored job must read the restored copy.
    rmSync(config.jobs.uploadsDir!, { recursive: true, force: true });
    const restored = await openCairn(target);
    try {
      await warmSearch(restored);
      assert.equal(await answers(restored), original);
      assert.equal((await restored.keys.list()).length, 1);
      const runner = createJobRunner(restored)!;
      const finished = new Promise<void>((resolve) => {
        runner.events.subscribe((event) => {
          if (event.data.type === 'status' && event.data.jobId === uploadJob && ['succeeded', 'failed'].includes(event.data.status)) resolve();
        });
      });
      await runner.start();
      await finished;
      await runner.stop();
      const job = (await restored.jobs!.get(uploadJob))!;
      assert.equal(job.status, 'succeeded', JSON.stringify(job.errors));
      assert.ok(await restored.chunks.getDocument('kb', 'upload://restored-upload.md'), 'the restored upload was ingested');
      assert.equal(existsSync(join(target.jobs.uploadsDir!, uploadJob)), false, 'the finished job removed its upload folder');
    } finally {
      await restored.close();
    }
  });

  it('refuses a home that holds data without force; with force it replaces it', async () => {
    const target = configFor(join(root, 'occupied'));
    const other = await openCairn(target);
    await other.keys.create('someone else', ['read']);
    await other.close();
    await expectCode(restoreBackup(target, backup.path, openStoreRestore(target)), 'BACKUP_TARGET_NOT_EMPTY');
    await restoreBackup(target, backup.path, openStoreRestore(target), { force: true });
    const restored = await openCairn(target);
    try {
      assert.deepEqual((await restored.keys.list()).map((k) => k.name), ['admin']);
    } finally {
      await restored.close();
    }
  });

  it('refuses, even with force, a home whose database another connection has open', async () => {
    await expectCode(restoreBackup(config, backup.path, openStoreRestore(config), { force: true }), 'BACKUP_TARGET_IN_USE');
    assert.equal(await answers(app), original, 'the open store is untouched');
  });
});

function readdirPartial(dir: string): string[] {
  return readdirSync(dir).filter((name) => name.endsWith('.partial'));
}
