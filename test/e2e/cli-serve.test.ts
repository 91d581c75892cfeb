import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SHARED_MISSING, sharedPath } from '../../src/testing/shared-data.js';
import { startStandInLlmServer } from '../../src/testing/stand-in-llm-server.js';
import { runCli } from './run-cli.js';
import { startCairnServe } from './start-cairn-serve.js';

const model = sharedPath('models', 'cairn', 'static-minilm-vocab-256');
const txt = sharedPath('data', 'files', 'txt');

describe('cairn serve as a real process', { skip: model && txt ? false : SHARED_MISSING }, () => {
  let home: string;
  let env: Record<string, string>;
  /** Printed by the first start only. */
  let adminKey = '';
  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'cairn-serve-'));
    env = { CAIRN_HOME: home, CAIRN_EMBEDDER: `static:${model}`, CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0' };
    const ingested = await runCli(['ingest', txt!, '--collection', 'kb'], env);
    assert.equal(ingested.code, 0, ingested.stderr);
  });
  after(() => rmSync(home, { recursive: true, force: true }));

  /** `cairn serve --port 0` on this test's home (see start-cairn-serve.ts). */
  const startServe = (extraEnv: Record<string, string> = {}) => startCairnServe({ HOME: home, ...env, ...extraEnv });

  it('prints its URL and a first admin key, answers a search over HTTP with the key only, and exits cleanly on SIGTERM', async () => {
    const { child, url, output, exited, adminKey: printed } = await startServe();
    try {
      adminKey = printed;
      assert.match(adminKey, /^cairn_/, output.stdout);
      assert.match(output.stdout, /API docs: http:\/\/127\.0\.0\.1:\d+\/docs/);
      assert.match(output.stdout, /Web UI: http:\/\/127\.0\.0\.1:\d+\/\n/);
      const searchUrl = `${url}/v1/search?q=${encodeURIComponent('Universal Declaration of Human Rights')}&collection=kb&k=2`;
      const anonymous = await fetch(searchUrl);
      assert.equal(anonymous.status, 401);
      assert.match(String(anonymous.headers.get('www-authenticate')), /^Bearer/);
      const response = await fetch(searchUrl, { headers: { authorization: `Bearer ${adminKey}` } });
      assert.equal(response.status, 200);
      const body = (await response.json()) as { results: { relative_path: string; score: number }[] };
      assert.equal(body.results.length, 2);
      assert.match(body.results[0]!.relative_path, /UDHR/);
      const ready = await fetch(`${url}/readyz`);
      assert.equal(ready.status, 200);
    } finally {
      child.kill('SIGTERM');
    }
    const { code, signal } = await exited;
    assert.equal(signal, null, output.stderr);
    assert.equal(code, 0, output.stderr);
    assert.match(output.stderr, /shutting down/);
  });

  it('finishes an answer stream in flight when told to stop, then exits 0', async () => {
    const llm = await startStandInLlmServer({ tokenDelayMs: 40, answer: 'The Universal Declaration of Human Rights says all human beings are born free and equal in dignity and rights [1].' });
    try {
      const { child, url, output, exited } = await startServe({ CAIRN_LLM_URL: llm.url });
      assert.ok(adminKey, 'the first test printed the admin key');
      const response = await fetch(`${url}/v1/ask`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
        body: JSON.stringify({ collection: 'kb', question: 'What does the Universal Declaration of Human Rights say?' }),
      });
      assert.equal(response.status, 200);
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      let body = '';
      while (!body.includes('event: text-delta')) body += decoder.decode((await reader.read()).value, { stream: true });
      const stoppedAt = performance.now();
      child.kill('SIGTERM');
      for (let read = await reader.read(); !read.done; read = await reader.read()) body += decoder.decode(read.value, { stream: true });
      assert.match(body, /event: finish\ndata: \{"answer":"The Universal Declaration/);
      const streamEndedMs = performance.now() - stoppedAt;
      const { code } = await exited;
      assert.equal(code, 0, output.stderr);
      assert.doesNotMatch(output.stdout, /admin API key|cairn_/, 'the admin key is printed on the first start only');
      const exitMs = performance.now() - stoppedAt;
      // Not a speed target: an idle keep-alive connection would hold the process for Fastify's 72 s
      // keepAliveTimeout, so 30 s tells the two apart even on a loaded machine (2.4 s was seen at load 25).
      assert.ok(exitMs - streamEndedMs < 30_000, `exited ${Math.round(exitMs - streamEndedMs)} ms after the stream ended (idle keep-alive connections must not hold it)`);
      const refused = await fetch(`${url}/healthz`).then(() => 'answered', () => 'refused');
      assert.equal(refused, 'refused');
    } finally {
      await llm.close();
    }
  });

  it('cairn keys create prints the key alone on its last line; list and revoke', async () => {
    const created = await runCli(['keys', 'create', '--scope', 'read', '--name', 'e2e reader'], env);
    assert.equal(created.code, 0, created.stderr);
    const key = created.stdout.trimEnd().split('\n').at(-1) ?? '';
    assert.match(key, /^cairn_[A-Za-z0-9_-]{43}$/);
    const listed = await runCli(['keys', 'list', '--json'], env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.ok(!listed.stdout.includes(key));
    const mine = (JSON.parse(listed.stdout) as { keys: { id: string; name: string; scopes: string[]; prefix: string }[] }).keys.find((k) => k.name === 'e2e reader');
    assert.deepEqual(mine?.scopes, ['read']);
    assert.equal(mine?.prefix, key.slice(0, 8));
    const { child, url, output, exited } = await startServe();
    try {
      const read = { authorization: `Bearer ${key}` };
      assert.equal((await fetch(`${url}/v1/collections`, { headers: read })).status, 200);
      assert.equal((await fetch(`${url}/v1/collections`, { method: 'POST', headers: { ...read, 'content-type': 'application/json' }, body: '{"name":"x"}' })).status, 403);
      const revoked = await runCli(['keys', 'revoke', mine!.id], env);
      assert.equal(revoked.code, 0, revoked.stderr);
      assert.equal((await fetch(`${url}/v1/collections`, { headers: read })).status, 401);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal((await exited).code, 0, output.stderr);
    const unknown = await runCli(['keys', 'revoke', 'nope'], env);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /NOT_FOUND/);
  });

  it('a port another process holds: exit 2 naming the address, a free port suggested, no admin key spent', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const { port } = holder.address() as AddressInfo;
    try {
      const busy = await runCli(['serve', '--host', '127.0.0.1', '--port', String(port)], { HOME: home, ...env });
      assert.equal(busy.code, 2, busy.stderr);
      assert.match(busy.stderr, new RegExp(`error: Port ${port} is already in use on 127\\.0\\.0\\.1:${port}: .* \\[PORT_UNAVAILABLE\\]`));
      assert.match(busy.stderr, /hint: Stop that process, or try `cairn serve --port \d+` \(free now\)/);
      assert.doesNotMatch(busy.stdout, /admin API key/);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });

  it('serve --help says where the web UI, the API and its documentation are', async () => {
    const help = await runCli(['serve', '--help'], { HOME: home, ...env });
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /UI at http:\/\/127\.0\.0\.1:7700\//);
    assert.match(help.stdout, /^ {2}\/ {10}the web UI/m);
    assert.match(help.stdout, /\/docs its OpenAPI documentation/);
  });
});
