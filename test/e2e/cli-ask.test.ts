import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { REPO_ROOT, SHARED_MISSING, sharedPath } from '../../src/testing/shared-data.js';
import { startStandInLlmServer, type StandInLlmServer } from '../../src/testing/stand-in-llm-server.js';
import { runCli } from './run-cli.js';

const markdown = sharedPath('data', 'files', 'md');
const text = sharedPath('data', 'files', 'txt');
const staticModel = sharedPath('models', 'cairn', 'static-minilm-vocab-256');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** ms after spawn of the first stdout byte, and of the exit. */
  firstStdoutMs: number;
  exitMs: number;
}

/** Spawns the real binary, writing `input` to its stdin, timing when stdout first speaks. */
function runTimed(args: string[], env: Record<string, string>, input?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [`${REPO_ROOT}/bin/cairn.js`, ...args], {
      cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '', HOME: env.CAIRN_HOME ?? '/tmp', ...env }, stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let firstStdoutMs = -1;
    child.stdout.on('data', (chunk: Buffer) => {
      if (firstStdoutMs < 0) firstStdoutMs = performance.now() - started;
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr, firstStdoutMs, exitMs: performance.now() - started }));
    child.stdin.end(input ?? '');
  });
}

/** A URL on 127.0.0.1 where nothing listens (a port taken and released). */
async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/v1`;
}

/** The whitespace-normalised first words of a text, to find it again in a file. */
const opening = (value: string, words = 8) => value.replace(/\s+/g, ' ').trim().split(' ').slice(0, words).join(' ');

describe('cairn ask / chat end to end (real binary, stand-in LLM server)', { skip: !markdown || !text || !staticModel ? SHARED_MISSING : false }, () => {
  let home: string;
  let base: Record<string, string>;
  let llm: StandInLlmServer;

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'cairn-e2e-ask-'));
    base = { CAIRN_HOME: home, CAIRN_EMBEDDER: `static:${staticModel}`, CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0' };
    const ingest = await runCli(['ingest', markdown!, text!, '--collection', 'kb', '--json'], base);
    assert.equal(ingest.code, 0, ingest.stderr);
    llm = await startStandInLlmServer({ tokenDelayMs: 2 });
  });
  after(async () => {
    await llm.close();
    rmSync(home, { recursive: true, force: true });
  });

  test('ask --json: a generated answer whose citations point to real chunks of the ingested files', async () => {
    const result = await runCli(['ask', 'Who', 'managed', 'Norwich', 'City?', '--collection', 'kb', '--json'], { ...base, CAIRN_LLM_URL: llm.url });
    assert.equal(result.code, 0, result.stderr);
    const body = JSON.parse(result.stdout);
    assert.equal(typeof body.answer, 'string');
    assert.equal(body.extractive, false);
    assert.match(body.answer, /\[1\]/);
    assert.ok(Array.isArray(body.citations) && body.citations.length >= 1);
    const cited = body.citations[0];
    assert.equal(cited.n, 1);
    for (const key of ['source_uri', 'title', 'heading_path', 'chunk_ids', 'text']) assert.ok(key in cited, `citation has ${key}`);
    const file = readFileSync(fileURLToPath(cited.source_uri), 'utf8').replace(/\s+/g, ' ');
    assert.ok(file.includes(opening(cited.text)), 'the cited text is in the cited file');
    assert.ok(body.answer.includes(opening(cited.text, 5)), 'the stand-in echoed source [1] of the prompt: the answer is grounded in it');
    for (const key of ['retrieval_ms', 'ttft_ms', 'total_ms', 'rerank_ms', 'tokens_per_second', 'prompt_tokens']) {
      assert.equal(typeof body.timings[key], 'number', `timings.${key}`);
    }
    assert.ok(body.timings.ttft_ms <= body.timings.total_ms);
    assert.equal(body.model, 'stand-in-model');
    assert.ok(body.sources.length >= body.citations.length);
  });

  test('ask streams the answer, then the sources, then the timings line', async () => {
    const result = await runCli(['ask', 'Universal Declaration of Human Rights first article', '--collection', 'kb'], { ...base, CAIRN_LLM_URL: llm.url });
    assert.equal(result.code, 0, result.stderr);
    const [answer, sources, timings] = result.stdout.trim().split('\n\n');
    assert.match(answer ?? '', /^Based on the sources, .* \[1\]\.$/);
    assert.match(sources ?? '', /^Sources:\n\[1\] .+ — file:\/\/\/.+/);
    assert.match(timings ?? '', /^retrieval \d+(\.\d)? ms · first token \d+(\.\d)? ms · \d+\.\d tok\/s decode · \d+ prompt tokens · total \d+(\.\d)? ms$/);
  });

  test('tokens are written as they arrive, not buffered until the end', async () => {
    const slow = await startStandInLlmServer({ tokenDelayMs: 120, answer: 'One two three four five six seven eight nine ten eleven twelve [1].' });
    try {
      const run = await runTimed(['ask', 'Norwich City manager', '--collection', 'kb'], { ...base, CAIRN_LLM_URL: slow.url });
      assert.equal(run.code, 0, run.stderr);
      assert.ok(run.stdout.startsWith('One'), 'the answer is the first thing on stdout');
      // 12+ tokens 120 ms apart take >= 1.3 s to arrive; a buffered answer would appear only at the end.
      assert.ok(run.exitMs - run.firstStdoutMs >= 1000, `first output at ${run.firstStdoutMs.toFixed(0)} ms, exit at ${run.exitMs.toFixed(0)} ms`);
    } finally {
      await slow.close();
    }
  });

  test('with no language model configured the answer is extractive, labelled, and exits 0', async () => {
    const result = await runCli(['ask', 'Norwich City', '--collection', 'kb', '--json'], base);
    assert.equal(result.code, 0, result.stderr);
    const body = JSON.parse(result.stdout);
    assert.equal(body.extractive, true);
    assert.match(body.answer, /^No language model is configured; here are the most relevant passages:/);
    assert.ok(body.citations.length >= 1 && typeof body.citations[0].source_uri === 'string');
    assert.equal(body.timings.ttft_ms, null);
    const plain = await runCli(['ask', 'Norwich City', '--collection', 'kb'], base);
    assert.match(plain.stdout, /\nextractive answer \(no language model\) · retrieval /);
  });

  test('an unavailable reranker is said once, not once by the loader and again by each answer', async () => {
    // The default ONNX reranker with downloads off and no local copy: it cannot load.
    const env = { ...base, CAIRN_RERANKER: 'onnx:Xenova/ms-marco-MiniLM-L-6-v2' };
    const asked = await runCli(['ask', 'Norwich City', '--collection', 'kb'], env);
    assert.equal(asked.code, 0, asked.stderr);
    const lines = (text: string) => text.split('\n').filter((line) => /rerank/i.test(line));
    assert.equal(lines(asked.stderr).length, 1, asked.stderr);
    assert.match(lines(asked.stderr)[0] ?? '', /^notice: No reranker: .*retrieval order/);
    const chatted = await runTimed(['chat', '--collection', 'kb'], env, 'Norwich City\nWho was the manager?\n');
    assert.equal(chatted.code, 0, chatted.stderr);
    assert.equal(lines(chatted.stderr).length, 1, `two turns, one notice:\n${chatted.stderr}`);
  });

  test('every endpoint down: the extractive answer, labelled as unreachable', async () => {
    const result = await runCli(['ask', 'Norwich City', '--collection', 'kb', '--json'], { ...base, CAIRN_LLM_URL: await deadUrl(), CAIRN_LLM_MODEL: 'm' });
    assert.equal(result.code, 0, result.stderr);
    const body = JSON.parse(result.stdout);
    assert.equal(body.extractive, true);
    assert.match(body.answer, /^The language model is unreachable;/);
  });

  test('three endpoints with one dead: every question of a chat is answered', async () => {
    const second = await startStandInLlmServer({});
    try {
      const urls = [await deadUrl(), llm.url, second.url].join(',');
      const questions = ['Who managed Norwich City?', 'What is the first article of the declaration?', 'War and Peace', 'Polish sample', 'code block', 'simple table'];
      const before = llm.requests.length + second.requests.length;
      const run = await runTimed(['chat', '--collection', 'kb', '--json'], { ...base, CAIRN_LLM_URL: urls, CAIRN_LLM_MODEL: 'stand-in-model' }, `${questions.join('\n')}\n`);
      assert.equal(run.code, 0, run.stderr);
      const answers = run.stdout.trim().split('\n').map((line) => JSON.parse(line));
      assert.equal(answers.length, questions.length);
      for (const answer of answers) {
        assert.equal(answer.extractive, false, answer.answer);
        assert.match(answer.answer, /\[1\]|do not contain/);
      }
      assert.ok(llm.requests.length + second.requests.length - before >= questions.length, 'the live endpoints answered every question');
    } finally {
      await second.close();
    }
  });

  test('chat reads lines until end of input, keeps history and condenses follow-ups', async () => {
    const start = llm.requests.length;
    const run = await runTimed(['chat', '--collection', 'kb'], { ...base, CAIRN_LLM_URL: llm.url }, 'Who managed Norwich City?\nand before that?\n');
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.match(/^retrieval .* prompt tokens/gm)?.length, 2, run.stdout);
    const bodies = llm.requests.slice(start).map((request) => request.body as { stream?: boolean; messages: { role: string; content: string }[] } | undefined);
    const condense = bodies.find((body) => body?.stream !== true && body?.messages);
    assert.ok(condense, 'the follow-up was rewritten with a non-streaming request');
    assert.match(condense.messages.at(-1)?.content ?? '', /User: Who managed Norwich City\?/);
    const lastAnswer = bodies.filter((body) => body?.stream === true).at(-1);
    assert.deepEqual(lastAnswer?.messages.map((message) => message.role), ['system', 'user', 'assistant', 'user'], 'the first turn is in the prompt');
  });

  test('/reset forgets the conversation and /exit stops reading', async () => {
    const start = llm.requests.length;
    const run = await runTimed(['chat', '--collection', 'kb'], { ...base, CAIRN_LLM_URL: llm.url }, 'Norwich City\n/reset\nWar and Peace\n/exit\nnever asked\n');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Conversation cleared\./);
    const bodies = llm.requests.slice(start).filter((request) => request.path.endsWith('/chat/completions')).map((request) => request.body as { stream?: boolean; messages: unknown[] });
    assert.equal(bodies.length, 2, 'two answers, no condense step after /reset, nothing after /exit');
    assert.ok(bodies.every((body) => body.stream === true && body.messages.length === 2));
  });

  test('filters and --no-rerank apply to ask; an unknown collection fails with a hint', async () => {
    const result = await runCli(['ask', 'table', '--collection', 'kb', '--type', 'markdown', '--no-rerank', '--json'], { ...base, CAIRN_LLM_URL: llm.url });
    assert.equal(result.code, 0, result.stderr);
    const body = JSON.parse(result.stdout);
    assert.ok(body.sources.length > 0);
    for (const source of body.sources) assert.match(source.source_uri, /\.md$/);
    const missing = await runCli(['ask', 'anything', '--collection', 'nope'], base);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /COLLECTION_NOT_FOUND[\s\S]*hint:/);
  });
});
