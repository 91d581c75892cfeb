import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { POSTGRES_MISSING, startPostgres } from '../../src/testing/postgres-server.js';
import { runCli } from './run-cli.js';

describe('cairn db', () => {
  let work: string;
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'cairn-e2e-db-'));
    const docs = join(work, 'docs');
    mkdirSync(docs);
    for (let i = 0; i < 6; i += 1) writeFileSync(join(docs, `note-${i}.md`), `# Note ${i}\n\nThe ferry schedule number ${i} leaves from pier ${i + 10}.\n`);
  });
  after(() => {
    rmSync(work, { recursive: true, force: true });
  });

  test('status and copy of an embedded knowledge base into another SQLite file, found there by search', async () => {
    const home = join(work, 'home');
    const env = { CAIRN_HOME: home, CAIRN_EMBEDDER: 'none' };
    const ingest = await runCli(['ingest', join(work, 'docs'), '--collection', 'notes'], env);
    assert.equal(ingest.code, 0, ingest.stderr);
    const key = await runCli(['keys', 'create', '--name', 'moving', '--scope', 'read', '--json'], env);
    assert.equal(key.code, 0, key.stderr);

    const status = await runCli(['db', 'status'], env);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /backend: sqlite/);
    assert.match(status.stdout, /pending migrations: none/);

    const copy = await runCli(['db', 'copy', '--from', join(home, 'cairn.db'), '--to', join(work, 'moved', 'cairn.db'), '--json'], env);
    assert.equal(copy.code, 0, copy.stderr);
    const report = JSON.parse(copy.stdout) as { documentsCopied: number; counts: { name: string; source: number; target: number }[] };
    assert.equal(report.documentsCopied, 6);
    assert.ok(report.counts.every((c) => c.source === c.target));
    assert.deepEqual(report.counts.find((c) => c.name === 'apiKeys'), { name: 'apiKeys', source: 1, target: 1 });

    const search = await runCli(['search', 'ferry pier 13', '--collection', 'notes', '--mode', 'lexical', '--json'], { CAIRN_HOME: join(work, 'moved'), CAIRN_EMBEDDER: 'none' });
    assert.equal(search.code, 0, search.stderr);
    assert.match(search.stdout, /note-3\.md/);

    const again = await runCli(['db', 'copy', '--from', join(home, 'cairn.db'), '--to', join(work, 'moved', 'cairn.db')], env);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /0 document\(s\) written, 6 already there/);
    assert.ok(again.stdout.includes(`The vector index is in ${join(work, 'moved', 'vectors')}: move it with cairn.db into the home.`), again.stdout);

    const missing = await runCli(['db', 'copy', '--from', join(work, 'nothing.db'), '--to', join(work, 'x.db')], env);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no SQLite database at .*nothing\.db\. \[INPUT_INVALID\]/);
  });

  test('migrate and status on PostgreSQL never show the password', async (t) => {
    const server = await startPostgres();
    if (server === null) return t.skip(POSTGRES_MISSING);
    const url = new URL(await server.createDatabase('cairn_cli_db'));
    url.password = 'hunter2-secret';
    const env = { CAIRN_HOME: join(work, 'pg-home'), CAIRN_DATABASE_URL: url.toString() };
    const before = await runCli(['db', 'status', '--json'], env);
    assert.equal(before.code, 0, before.stderr);
    const pending = JSON.parse(before.stdout) as { backend: string; current: number; pending: unknown[] };
    assert.equal(pending.backend, 'postgres');
    assert.equal(pending.current, 0);
    assert.ok(pending.pending.length > 0);
    const migrate = await runCli(['db', 'migrate'], env);
    assert.equal(migrate.code, 0, migrate.stderr);
    assert.match(migrate.stdout, /Applied migration\(s\) /);
    assert.match(migrate.stdout, /pending migrations: none/);
    const after = await runCli(['db', 'status'], env);
    assert.match(after.stdout, /backend: postgres/);
    for (const output of [before, migrate, after]) assert.doesNotMatch(`${output.stdout}${output.stderr}`, /hunter2/);
  });
});
