import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { after, test } from 'node:test';
import { main } from '../main.js';

const home = mkdtempSync(join(tmpdir(), 'cairn-chat-cli-'));
after(() => rmSync(home, { recursive: true, force: true }));

/** Runs `cairn …` in-process (lexical-only, no language model: extractive answers) with `input` on stdin. */
async function cairn(args: string[], input = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const env = { CAIRN_HOME: home, CAIRN_EMBEDDER: 'none', CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0' };
  const io = { stdout, stderr, env, cwd: home, stdin: Readable.from([input]) };
  const code = await main(['node', 'cairn', ...args], io);
  return { code, stdout: out, stderr: err };
}

test('cairn chat --session stores the conversation and resumes it in a later run', async () => {
  writeFileSync(join(home, 'ports.md'), '# Ports\n\nOllama listens on port 11434 by default.\n');
  const ingested = await cairn(['ingest', join(home, 'ports.md'), '--collection', 'kb']);
  assert.equal(ingested.code, 0, ingested.stderr);

  const first = await cairn(['--json', 'chat', '--collection', 'kb', '--session', 'new'], 'Which port does Ollama use?\n');
  assert.equal(first.code, 0, first.stderr);
  const id = /Chat session (chat_\S+)/.exec(first.stderr)?.[1];
  assert.ok(id, first.stderr);

  const second = await cairn(['--json', 'chat', '--session', id], 'And by default?\n');
  assert.equal(second.code, 0, second.stderr);
  const answer = JSON.parse(second.stdout.trim());
  const turn = answer.sources.find((source: { kind: string }) => source.kind === 'turn');
  assert.ok(turn, second.stdout);
  assert.match(turn.text, /^User: Which port does Ollama use\?/);

  const missing = await cairn(['chat', '--session', 'chat_missing'], 'hello?\n');
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /CHAT_SESSION_NOT_FOUND/);
});
