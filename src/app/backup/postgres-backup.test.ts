import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tar from 'tar';
import type { CairnConfig } from '../../config/config-schema.js';
import { loadConfig } from '../../config/load-config.js';
import { isCairnError } from '../../core/cairn-error.js';
import { POSTGRES_MISSING, startPostgres, type PostgresServer } from '../../testing/postgres-server.js';
import { SHARED_MISSING, sharedPath } from '../../testing/shared-data.js';
import type { CairnApp } from '../cairn-app.js';
import { ingest } from '../ingest.js';
import { openCairn } from '../open-cairn.js';
import { search } from '../search.js';
import { createBackup, type BackupResult } from './create-backup.js';
import { MANIFEST_NAME } from './backup-manifest.js';
import { openStoreRestore } from './open-store-restore.js';
import { restoreBackup } from './restore-backup.js';
import { verifyBackup } from './verify-backup.js';

const model = sharedPath('models', 'cairn', 'static-minilm-vocab-256');
const md = sharedPath('data', 'files', 'md');
const QUERIES = ['install the package', 'configuration file format', 'license'];

function configFor(home: string, url: string, extra: Record<string, string> = {}): CairnConfig {
  return loadConfig({
    cwd: home,
    env: { CAIRN_HOME: home, CAIRN_DATABASE_URL: url, CAIRN_EMBEDDER: `static:${model}`, CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0', ...extra },
  });
}

async function expectCode(promise: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isCairnError(error), String(error));
    assert.equal(error.code, code, error.message);
    if (message) assert.match(error.message, message);
    return true;
  });
}

/** Top-10 chunk ids and scores per query and mode: what "search works the same after a restore" compares. */
async function answers(app: CairnApp): Promise<string> {
  const out: unknown[] = [];
  for (const mode of ['lexical', 'dense', 'hybrid'] as const) {
    for (const query of QUERIES) {
      const response = await search(app, { collection: 'kb', query, mode, k: 10 });
      out.push(response.results.map((r) => [r.chunkId, r.sourceUri, r.score.toFixed(5)]));
    }
  }
  return JSON.stringify(out);
}

describe('backups of a PostgreSQL store (pg_dump / pg_restore)', { skip: !model || !md ? SHARED_MISSING : false }, () => {
  let server: PostgresServer | null = null;
  let root: string;
  let config: CairnConfig;
  let app: CairnApp | undefined;
  let backup: BackupResult;
  let original: string;

  before(async () => {
    server = await startPostgres();
    if (server === null) return;
    root = mkdtempSync(join(tmpdir(), 'cairn-pg-backup-'));
    config = configFor(join(root, 'home'), await server.createDatabase('cairn_backup'));
    app = await openCairn(config);
    await ingest(app, { collection: 'kb', sources: [md!] });
    await app.keys.create('admin', ['admin']);
    original = await answers(app);
    backup = await createBackup(app, { version: 'test' });
  });
  after(async () => {
    await app?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('writes the usual archive: manifest first, one pg_dump member, counts of what the database holds', async (t) => {
    if (server === null || app === undefined) return t.skip(POSTGRES_MISSING);
    const entries: string[] = [];
    await tar.t({ file: backup.path, onReadEntry: (entry) => entries.push(entry.path) });
    assert.deepEqual(entries, [MANIFEST_NAME, 'store/database.pgdump']);
    const kb = (await app.chunks.getCollection('kb'))!;
    assert.equal(backup.manifest.store.kind, 'postgres');
    assert.doesNotMatch(backup.manifest.store.location, /:[^@/]*@/, 'no password in the manifest');
    assert.deepEqual(backup.manifest.counts.collections, [{ name: 'kb', embedder: kb.embedder, dimensions: kb.dimensions, documents: kb.documentCount, chunks: kb.chunkCount, vectors: kb.chunkCount }]);
    assert.equal(backup.manifest.counts.apiKeys, 1);
    assert.ok(backup.manifest.store.schemaVersion >= 50, 'the ledger of both migration lists');
  });

  it('verify recounts the dump through pg_restore and agrees with the manifest', async (t) => {
    if (server === null || app === undefined) return t.skip(POSTGRES_MISSING);
    const report = await verifyBackup(backup.path, openStoreRestore(config));
    assert.equal(report.manifest.counts.chunks, backup.manifest.counts.chunks);
  });

  it('refuses a database that holds data, and one that another session has open', async (t) => {
    if (server === null || app === undefined) return t.skip(POSTGRES_MISSING);
    await expectCode(restoreBackup(config, backup.path, openStoreRestore(config)), 'BACKUP_TARGET_NOT_EMPTY');
    await expectCode(restoreBackup(config, backup.path, openStoreRestore(config), { force: true }), 'BACKUP_TARGET_IN_USE', /other session/);
  });

  it('restores into an empty database (even one a start-up already migrated): same counts, same search answers', async (t) => {
    if (server === null || app === undefined) return t.skip(POSTGRES_MISSING);
    const target = configFor(join(root, 'restored'), await server.createDatabase('cairn_restored'));
    // A Cairn started once against the new database: empty tables of the current schema.
    await (await openCairn(target)).close();
    const report = await restoreBackup(target, backup.path, openStoreRestore(target));
    assert.equal(report.location.includes('cairn_restored'), true);
    const restored = await openCairn(target);
    try {
      const kb = (await restored.chunks.getCollection('kb'))!;
      assert.equal(kb.documentCount, backup.manifest.counts.documents);
      assert.equal(kb.chunkCount, backup.manifest.counts.chunks);
      assert.equal(await answers(restored), original, 'every search answers as before the backup');
      assert.equal((await restored.keys.list()).length, 1);
    } finally {
      await restored.close();
    }
  });

  it('names the fix when pg_dump is missing or too old', async (t) => {
    if (server === null || app === undefined) return t.skip(POSTGRES_MISSING);
    const empty = mkdtempSync(join(tmpdir(), 'cairn-no-pg-bin-'));
    const broken = await openCairn(configFor(join(root, 'nobin'), config.store.url!, { CAIRN_BACKUP_POSTGRES_BIN_DIR: empty }));
    try {
      await expectCode(createBackup(broken, { version: 'test' }), 'BACKUP_TOOL_MISSING', /pg_dump \d+ or newer; none was found/);
    } finally {
      await broken.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
