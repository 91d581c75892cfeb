import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, test } from 'node:test';
import { main } from '../main.js';

const home = mkdtempSync(join(tmpdir(), 'cairn-memory-cli-'));
after(() => rmSync(home, { recursive: true, force: true }));

/** Runs `cairn …` in-process against the temporary home (lexical-only, no model needed); each run opens and closes the store. */
async function cairn(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const env = { CAIRN_HOME: home, CAIRN_EMBEDDER: 'none', CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0' };
  const code = await main(['node', 'cairn', ...args], { stdout, stderr, env, cwd: home });
  return { code, stdout: out, stderr: err };
}

test('cairn memory add, list, search and rm, as text and --json, across separate runs', async () => {
  const added = await cairn('--json', 'memory', 'add', 'Prod DB is on host db-2, port 5433', '--tag', 'infra', '--tag', 'db', '--source', 'runbook');
  assert.equal(added.code, 0, added.stderr);
  const memory = JSON.parse(added.stdout);
  assert.deepEqual(memory.tags, ['infra', 'db']);
  const text = await cairn('memory', 'add', 'Our cat is named Whiskers', '--user', 'ann');
  assert.match(text.stdout, /^Remembered mem_\S+\.\n$/);

  const listed = await cairn('memory', 'list', '--tag', 'infra');
  assert.equal(listed.stdout, `${memory.id}  Prod DB is on host db-2, port 5433  (#infra #db, from runbook)\n`);
  const listedJson = JSON.parse((await cairn('--json', 'memory', 'list')).stdout);
  assert.equal(listedJson.items.length, 2);
  assert.equal(listedJson.nextCursor, null);

  const found = JSON.parse((await cairn('--json', 'memory', 'search', 'which', 'port', 'does', 'the', 'prod', 'DB', 'use')).stdout);
  assert.deepEqual(found.items.map((m: { id: string }) => m.id), [memory.id]);
  assert.equal(found.items[0].score, 1);
  assert.match((await cairn('memory', 'search', 'cat', 'name')).stdout, /No memory matches/, 'a user memory needs --user');
  assert.match((await cairn('memory', 'search', 'cat', 'name', '--user', 'ann')).stdout, /^1\.000 {2}mem_\S+ {2}Our cat is named Whiskers {2}\(user ann\)\n$/);

  const removed = await cairn('memory', 'rm', memory.id);
  assert.equal(removed.stdout, `Forgot ${memory.id}.\n`);
  const again = await cairn('memory', 'rm', memory.id);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /MEMORY_NOT_FOUND/);
  const bad = await cairn('memory', 'add', 'x', '--expires', 'someday');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /INPUT_INVALID/);
});
