import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT, SHARED_MISSING, sharedPath } from '../../src/testing/shared-data.js';
import { startStandInLlmServer } from '../../src/testing/stand-in-llm-server.js';
import { runCli } from './run-cli.js';

const model = sharedPath('models', 'cairn', 'static-minilm-vocab-256');
const txt = sharedPath('data', 'files', 'txt');

describe('cairn serve as a real process', { skip: model && txt ? false : SHARED_MISSING }, () => {
  let home: string;
  let env: Record<string, string>;
  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'cairn-serve-'));
    env = { CAIRN_HOME: home, CAIRN_EMBEDDER: `static:${model}`, CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0' };
    const ingested = await runCli(['ingest', txt!, '--collection', 'kb'], env);
    assert.equal(ingested.code, 0, ingested.stderr);
  });
  after(() => rmSync(home, { recursive: true, force: true }));

  /** Starts `cairn serve --port 0` and resolves with its URL once printed. */
  async function startServe(extraEnv: Record<string, string> = {}) {
    const child = spawn(process.execPath, [`${REPO_ROOT}/bin/cairn.js`, 'serve', '--port', '0'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: home, ...env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = { stdout: '', stderr: '' };
    child.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL printed in 20 s; stderr: ${output.stderr}`)), 20_000);
      child.stdout.on('data', (chunk: Buffer) => {
        output.stdout += chunk.toString();
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output.stdout);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      child.on('exit', () => reject(new Error(`exited before listening; stderr: ${output.stderr}`)));
    });
    return { child, url, output, exited };
  }

  it('prints its URL, answers a search over HTTP, and exits cleanly on SIGTERM', async () => {
    const { child, url, output, exited } = await startServe();
    const { stdout } = output;
    try {
    assert.match(stdout, /API docs: http:\/\/127\.0\.0\.1:\d+\/docs/);
      const response = await fetch(`${url}/v1/search?q=${encodeURIComponent('Universal Declaration of Human Rights')}&collection=kb&k=2`);
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
      const response = await fetch(`${url}/v1/ask`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
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
      const exitMs = performance.now() - stoppedAt;
      assert.ok(exitMs - streamEndedMs < 2000, `exited ${Math.round(exitMs - streamEndedMs)} ms after the stream ended (idle keep-alive connections must not hold it)`);
      const refused = await fetch(`${url}/healthz`).then(() => 'answered', () => 'refused');
      assert.equal(refused, 'refused');
    } finally {
      await llm.close();
    }
  });
});
