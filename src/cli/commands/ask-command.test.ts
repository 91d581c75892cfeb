import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import type { CairnApp } from '../../app/cairn-app.js';
import type { AnswerPart, AnswerTimings, Citation } from '../../core/answer-types.js';
import { formatCitation, streamAnswer, timingsLine } from './ask-command.js';

const timings: AnswerTimings = { retrievalMs: 9.2, rerankMs: 41.4, contextMs: 1, preparationMs: 52, ttftMs: 312.4, tokensPerSecond: 47.31, promptTokens: 812, totalMs: 900 };
const citation: Citation = { n: 1, kind: 'chunk', chunkIds: [3], sourceUri: 'file:///kb/tls.md', title: 'TLS', headingPath: ['Ingress', 'TLS'], pageStart: 3, pageEnd: 4, text: 't', score: 1 };

test('the timings line names what happened and leaves out what did not', () => {
  assert.equal(timingsLine(timings), 'retrieval 9.2 ms · rerank 41 ms · first token 312 ms · 47.3 tok/s decode · 812 prompt tokens · total 900 ms');
  assert.equal(
    timingsLine({ retrievalMs: 12, rerankMs: 0, contextMs: 1, preparationMs: 13, totalMs: 14 }, 'extractive answer (no language model)'),
    'extractive answer (no language model) · retrieval 12 ms · total 14 ms',
  );
});

test('a citation line carries title, source URI, heading path and pages', () => {
  assert.equal(formatCitation(citation), '[1] TLS — file:///kb/tls.md (Ingress › TLS, p. 3–4)');
});

test('streamAnswer writes each delta before the next part is produced', async () => {
  const stdout = new PassThrough();
  let written = '';
  stdout.on('data', (chunk: Buffer) => (written += chunk.toString()));
  const seen: string[] = [];
  async function* parts(): AsyncGenerator<AnswerPart> {
    yield { type: 'sources', citations: [citation] };
    yield { type: 'text-delta', text: 'Use ' };
    await new Promise((resolve) => setImmediate(resolve));
    seen.push(written);
    yield { type: 'text-delta', text: 'TLS [1].' };
    yield { type: 'finish', answer: 'Use TLS [1].', extractive: false, citations: [citation], finishReason: 'stop', timings };
  }
  const app = { notice: () => {} } as unknown as CairnApp;
  await streamAnswer({ stdout, stderr: new PassThrough(), env: {}, cwd: '/' }, app, parts());
  assert.deepEqual(seen, ['Use ']);
  assert.match(written, /^Use TLS \[1\]\.\n\nSources:\n\[1\] TLS — file:\/\/\/kb\/tls\.md \(Ingress › TLS, p\. 3–4\)\n\nretrieval 9\.2 ms/);
});

test('an error part after text is thrown with its code', async () => {
  async function* parts(): AsyncGenerator<AnswerPart> {
    yield { type: 'sources', citations: [] };
    yield { type: 'text-delta', text: 'partial' };
    yield { type: 'error', error: { code: 'UPSTREAM_FAILED', message: 'cut off', retryable: false } };
  }
  const app = { notice: () => {} } as unknown as CairnApp;
  await assert.rejects(streamAnswer({ stdout: new PassThrough(), stderr: new PassThrough(), env: {}, cwd: '/' }, app, parts()), /cut off/);
});
