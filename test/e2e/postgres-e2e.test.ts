import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { POSTGRES_MISSING, startPrivatePostgres, type PostgresServer } from '../../src/testing/postgres-server.js';
import { SHARED_MISSING, sharedPath } from '../../src/testing/shared-data.js';
import { runCli } from './run-cli.js';
import { startCairnServe } from './start-cairn-serve.js';

const model = sharedPath('models', 'cairn', 'static-minilm-vocab-256');
const txt = sharedPath('data', 'files', 'txt');
// A cluster of this process's own: the fault test stops and restarts it under a running `cairn serve`.
const server: PostgresServer | null = model && txt ? await startPrivatePostgres() : null;
const skip = !model || !txt ? SHARED_MISSING : server === null ? POSTGRES_MISSING : false;

describe('cairn on PostgreSQL + pgvector (real binary, real server)', { skip }, () => {
  let home: string;
  let env: Record<string, string>;
  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'cairn-pg-e2e-'));
    // CAIRN_DATABASE_URL alone selects the PostgreSQL backend.
    env = { CAIRN_HOME: home, CAIRN_DATABASE_URL: await server!.createDatabase(), CAIRN_EMBEDDER: `static:${model}`, CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0' };
  });
  after(async () => {
    rmSync(home, { recursive: true, force: true });
    await server?.dispose();
  });

  it('ingests into PostgreSQL, skips unchanged files on a second run, and searches in every mode with filters', async () => {
    const first = await runCli(['ingest', txt!, '--collection', 'kb', '--json'], env);
    assert.equal(first.code, 0, first.stderr);
    const summary = JSON.parse(first.stdout);
    assert.ok(summary.filesNew > 0 && summary.chunksEmbedded > 0, first.stdout);
    // The first ingest into the empty collection built its HNSW index once at the end (decision 0043).
    const client = new pg.Client({ connectionString: env.CAIRN_DATABASE_URL });
    await client.connect();
    try {
      const { rows } = await client.query<{ indexed: number }>(
        "SELECT count(*)::int AS indexed FROM pg_indexes i JOIN collections c ON i.indexname = 'chunks_hnsw_' || c.id WHERE c.name = 'kb'",
      );
      assert.equal(rows[0]!.indexed, 1, 'the collection has its HNSW index after the ingest');
    } finally {
      await client.end();
    }
    const again = JSON.parse((await runCli(['ingest', txt!, '--collection', 'kb', '--json'], env)).stdout);
    assert.equal(again.chunksWritten, 0);
    assert.equal(again.filesUnchanged, summary.filesNew);
    for (const mode of ['lexical', 'dense', 'hybrid']) {
      const result = await runCli(['search', 'Universal Declaration of Human Rights', '--collection', 'kb', '--mode', mode, '-k', '3', '--json'], env);
      assert.equal(result.code, 0, result.stderr);
      const body = JSON.parse(result.stdout) as { results: { relative_path: string }[] };
      assert.ok(body.results.length > 0, `${mode}: results`);
      // The static model alone ranks another file first (as on SQLite); the BM25 arm finds the declaration.
      if (mode !== 'dense') assert.match(body.results[0]!.relative_path, /UDHR/, `${mode}: the declaration first`);
    }
    const filtered = await runCli(['search', 'Universal Declaration of Human Rights', '--collection', 'kb', '--mode', 'hybrid', '--path', 'no-such-dir/', '--json'], env);
    assert.equal(filtered.code, 0, filtered.stderr);
    assert.deepEqual(JSON.parse(filtered.stdout).results, []);
    const status = await runCli(['status', '--json'], env);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /"kind": ?"postgres"/);
    assert.doesNotMatch(status.stdout, /:\/\/[^@/]*:[^@/]*@/, 'no password in status output');
  });

  it('serves searches over HTTP; a database restart gives 503 problem+json, then recovers by itself', async () => {
    const { child, url, adminKey, output, exited } = await startCairnServe({ HOME: home, ...env });
    try {
      const headers = { authorization: `Bearer ${adminKey}` };
      const search = () => fetch(`${url}/v1/search?q=${encodeURIComponent('Universal Declaration of Human Rights')}&collection=kb&k=2`, { headers });
      const ok = await search();
      assert.equal(ok.status, 200, await ok.clone().text());
      assert.match(((await ok.json()) as { results: { relative_path: string }[] }).results[0]!.relative_path, /UDHR/);
      // /readyz names the backend to an admin key only (without one it answers the status alone).
      const ready = await fetch(`${url}/readyz`, { headers });
      assert.equal(ready.status, 200);
      assert.match(await ready.text(), /postgres/);

      await server!.stop('fast');
      const down = await search();
      assert.equal(down.status, 503, await down.clone().text());
      assert.match(String(down.headers.get('content-type')), /application\/problem\+json/);
      assert.equal(((await down.json()) as { code: string }).code, 'STORE_UNAVAILABLE');
      assert.equal((await fetch(`${url}/readyz`)).status, 503);

      await server!.start();
      let recovered: Response | undefined;
      for (let attempt = 0; attempt < 50 && recovered?.status !== 200; attempt++) {
        recovered = await search();
        if (recovered.status !== 200) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      assert.equal(recovered?.status, 200, 'searches succeed again once the server is back');
      assert.equal((await fetch(`${url}/readyz`)).status, 200);
    } finally {
      child.kill('SIGTERM');
    }
    const { code } = await exited;
    assert.equal(code, 0, output.stderr);
  });
});
