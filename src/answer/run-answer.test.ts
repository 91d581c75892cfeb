import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AnswerPart } from '../core/answer-types.js';
import { CairnError } from '../core/cairn-error.js';
import { FakeEmbedder } from '../testing/fake-embedder.js';
import { FakeLanguageModel } from '../testing/fake-language-model.js';
import { FakeReranker } from '../testing/fake-reranker.js';
import { InMemoryChunkStore } from '../testing/in-memory-chunk-store.js';
import { InMemoryLexicalIndex, InMemoryVectorIndex } from '../testing/in-memory-indexes.js';
import { writeIndexed } from '../testing/write-indexed.js';
import { estimateLlmTokens } from '../retrieve/context/build-context.js';
import { EXTRACTIVE_LABELS } from './cite/extractive-answer.js';
import { runAnswer, type AnswerDeps, type AnswerRequest } from './run-answer.js';

const documents = [
  { path: 'docs/keys.md', title: 'Signing keys', headings: ['Keys', 'Rotation'],
    chunks: ['To rotate the signing key, run cairn keys rotate.', 'The old signing key stays valid for a day after you rotate it.'] },
  { path: 'docs/install.md', title: 'Installation', headings: ['Install'], chunks: ['Install cairn with npm. It requires Node 20 or later.'] },
  { path: 'notes/history.md', title: 'Key history', headings: [], chunks: ['Signing key history: the keys were rotated twice in 2024.'] },
];

async function setup(languageModel: FakeLanguageModel | null, reranker: FakeReranker | null = null): Promise<AnswerDeps> {
  const embedder = new FakeEmbedder();
  const chunks = new InMemoryChunkStore();
  await chunks.createCollection('kb', { embedder: embedder.id, dimensions: 64, chunkSize: 256, chunkOverlap: 38 });
  const vectors = new InMemoryVectorIndex();
  for (const doc of documents) {
    await writeIndexed(chunks, vectors, {
      collection: 'kb', uri: `file:///repo/${doc.path}`, relativePath: doc.path, sourceRoot: '/repo', title: doc.title,
      format: 'markdown', contentHash: doc.path, sizeBytes: 100, modifiedMs: 0, tags: [], metadata: {},
      chunks: doc.chunks.map((text, ordinal) => ({ ordinal, text, headingPath: doc.headings, tokenCount: 10, contentHash: `${doc.path}#${ordinal}`, vector: embedder.vectorOf(text) })),
    });
  }
  return {
    search: { chunks, lexical: new InMemoryLexicalIndex(chunks), vectors, embedder },
    tokenizer: embedder.tokenizer,
    reranker,
    languageModel,
  };
}

const request = (overrides: Partial<AnswerRequest> = {}): AnswerRequest => ({
  collection: 'kb', question: 'How do I rotate the signing key?', mode: 'hybrid', retrieveK: 10, candidates: 20, fusion: { kind: 'fixed', lexicalWeight: 0.7 },
  rerank: { enabled: false, maxCandidates: 50, batchSize: 16 }, maxSources: 8, contextWindow: 8192, maxAnswerTokens: 512, temperature: 0.2,
  ...overrides,
});

async function collect(parts: AsyncIterable<AnswerPart>): Promise<AnswerPart[]> {
  const out: AnswerPart[] = [];
  for await (const part of parts) out.push(part);
  return out;
}

test('parts arrive in order: sources, notices, text deltas, finish with used citations and timings', async () => {
  const model = new FakeLanguageModel({ deltas: ['Run ', 'cairn keys rotate [1].', ' The old key lasts a day [1][2].'] });
  const deps = await setup(model);
  const parts = await collect(runAnswer(deps, request({ notices: ['hello'] })));
  assert.deepEqual(parts.map((p) => p.type), ['sources', 'notice', 'text-delta', 'text-delta', 'text-delta', 'finish']);
  const sources = parts[0]?.type === 'sources' ? parts[0].citations : [];
  assert.ok(sources.length >= 2);
  assert.equal(sources[0]?.title, 'Signing keys');
  assert.deepEqual(sources[0]?.chunkIds.length, 2, 'the two adjacent chunks of keys.md became one source');
  const finish = parts.at(-1);
  assert.equal(finish?.type, 'finish');
  if (finish?.type !== 'finish') return;
  assert.equal(finish.answer, 'Run cairn keys rotate [1]. The old key lasts a day [1][2].');
  assert.equal(finish.extractive, false);
  assert.deepEqual(finish.citations.map((c) => c.n), [1, 2]);
  assert.equal(finish.model, 'fake-model');
  const t = finish.timings;
  assert.ok(t.retrievalMs >= 0 && t.contextMs >= 0 && t.rerankMs === 0);
  assert.ok(t.preparationMs >= t.retrievalMs);
  assert.ok((t.ttftMs ?? -1) >= t.preparationMs && t.totalMs >= (t.ttftMs ?? 0));
  assert.equal(t.promptTokens, 100);
  assert.equal(t.completionTokens, 3);
  assert.equal(typeof t.tokensPerSecond, 'number');
  const prompt = model.streamCalls[0]?.messages ?? [];
  assert.equal(prompt[0]?.role, 'system');
  assert.match(prompt.at(-1)?.content ?? '', /\[1\] Signing keys — file:\/\/\/repo\/docs\/keys\.md \(Keys › Rotation\)/);
  assert.match(prompt.at(-1)?.content ?? '', /Question: How do I rotate the signing key\?$/);
  assert.equal(model.streamCalls[0]?.maxTokens, 512);
});

test('the reranker reorders sources and its time is reported; without one a notice says so', async () => {
  const reranker = new FakeReranker({ score: (_query, text) => (text.includes('history') ? 10 : 0) });
  const parts = await collect(runAnswer(await setup(new FakeLanguageModel(), reranker), request({ rerank: { enabled: true, maxCandidates: 50, batchSize: 2 } })));
  const sources = parts[0]?.type === 'sources' ? parts[0].citations : [];
  assert.equal(sources[0]?.title, 'Key history');
  assert.equal(sources[0]?.score, 10);
  assert.ok(reranker.calls.length >= 2, 'batched by 2');
  const finish = parts.at(-1);
  assert.ok(finish?.type === 'finish' && finish.timings.rerankMs > 0);

  const without = await collect(runAnswer(await setup(new FakeLanguageModel(), null), request({ rerank: { enabled: true, maxCandidates: 50, batchSize: 16 } })));
  assert.deepEqual(without.filter((p) => p.type === 'notice').map((p) => p.type === 'notice' && p.text), ['No reranker is available; sources keep their retrieval order.']);
  assert.equal(without.at(-1)?.type, 'finish');
});

test('a failing reranker is a notice, not an error', async () => {
  const reranker = new FakeReranker({ failWith: new CairnError('RERANKER_UNAVAILABLE', 'server down') });
  const parts = await collect(runAnswer(await setup(new FakeLanguageModel(), reranker), request({ rerank: { enabled: true, maxCandidates: 50, batchSize: 16 } })));
  assert.ok(parts.some((p) => p.type === 'notice' && /Reranking failed \(server down\)/.test(p.text)));
  assert.equal(parts.at(-1)?.type, 'finish');
});

test('with no language model the answer is extractive, labelled, cited and never an error', async () => {
  const parts = await collect(runAnswer(await setup(null), request()));
  assert.deepEqual(parts.map((p) => p.type), ['sources', 'text-delta', 'finish']);
  const finish = parts.at(-1);
  assert.ok(finish?.type === 'finish');
  if (finish?.type !== 'finish') return;
  assert.equal(finish.extractive, true);
  assert.ok(finish.answer.startsWith(EXTRACTIVE_LABELS['no-model']));
  assert.match(finish.answer, /cairn keys rotate\. .*\[1\]/);
  assert.ok(finish.citations.some((c) => c.n === 1));
  assert.equal(finish.timings.ttftMs, undefined);
});

for (const as of ['throw', 'part'] as const) {
  for (const error of [new CairnError('LLM_UNAVAILABLE', 'Every LLM endpoint is down.'), new CairnError('UPSTREAM_TIMEOUT', 'no answer in 60 s', { retryable: true })]) {
    test(`${error.code} before the first token (${as}) falls back to the extractive answer`, async () => {
      const model = new FakeLanguageModel({ failBeforeFirst: { error, as } });
      const parts = await collect(runAnswer(await setup(model), request()));
      assert.deepEqual(parts.map((p) => p.type), ['sources', 'notice', 'text-delta', 'finish']);
      const finish = parts.at(-1);
      assert.ok(finish?.type === 'finish' && finish.extractive && finish.answer.startsWith(EXTRACTIVE_LABELS.unreachable));
    });
  }
}

test('a rejected request before the first token, and failures mid-stream, are error parts', async () => {
  const rejected = new FakeLanguageModel({ failBeforeFirst: { error: new CairnError('INPUT_INVALID', 'context too long'), as: 'throw' } });
  const parts = await collect(runAnswer(await setup(rejected), request()));
  assert.deepEqual(parts.map((p) => p.type), ['sources', 'error']);
  assert.deepEqual(parts.at(-1), { type: 'error', error: { code: 'INPUT_INVALID', message: 'context too long', retryable: false } });

  const midway = new FakeLanguageModel({ deltas: ['a ', 'b ', 'c'], failAfterDeltas: 2 });
  const cut = await collect(runAnswer(await setup(midway), request()));
  assert.deepEqual(cut.map((p) => p.type), ['sources', 'text-delta', 'text-delta', 'error']);
});

test('an unknown collection is thrown before any part', async () => {
  const iterator = runAnswer(await setup(new FakeLanguageModel()), request({ collection: 'nope' }));
  await assert.rejects(iterator.next(), (error: CairnError) => error.code === 'COLLECTION_NOT_FOUND');
});

test('text deltas are passed on as they arrive, not buffered', async () => {
  const model = new FakeLanguageModel({ deltas: ['one ', 'two ', 'three'], delayMs: 40 });
  const arrivals: number[] = [];
  for await (const part of runAnswer(await setup(model), request())) if (part.type === 'text-delta') arrivals.push(performance.now());
  assert.equal(arrivals.length, 3);
  assert.ok((arrivals[2] as number) - (arrivals[0] as number) >= 60, `deltas arrived together: ${arrivals.map((a) => a.toFixed(0))}`);
});

test('a consumer that stops iterating aborts the upstream request', async () => {
  const model = new FakeLanguageModel({ deltas: ['one ', 'two ', 'three ', 'four'], delayMs: 20 });
  for await (const part of runAnswer(await setup(model), request())) if (part.type === 'text-delta') break;
  assert.equal(model.streamCalls[0]?.signal?.aborted, true);
  assert.deepEqual(model.endings, ['stopped-by-consumer']);
});

test('an abort signal cancels mid-stream: the upstream request is aborted and the stream ends with ABORTED', async () => {
  const model = new FakeLanguageModel({ deltas: ['one ', 'two ', 'three ', 'four'], delayMs: 30 });
  const controller = new AbortController();
  const parts: AnswerPart[] = [];
  for await (const part of runAnswer(await setup(model), request({ signal: controller.signal }))) {
    parts.push(part);
    if (part.type === 'text-delta') controller.abort();
  }
  assert.deepEqual(parts.map((p) => p.type), ['sources', 'text-delta', 'error']);
  assert.ok(parts.at(-1)?.type === 'error' && (parts.at(-1) as { error: { code: string } }).error.code === 'ABORTED');
  assert.deepEqual(model.endings, ['aborted']);
});

test('the prompt fits the context window: fewer sources for smaller windows, never over the window', async () => {
  const counts: number[] = [];
  for (let window = 700; window <= 1100; window += 25) {
    const model = new FakeLanguageModel({ contextWindow: window });
    const deps = await setup(model);
    const parts = await collect(runAnswer(deps, request({ maxAnswerTokens: 512 })));
    counts.push(parts[0]?.type === 'sources' ? parts[0].citations.length : -1);
    const promptTokens = (model.streamCalls[0]?.messages ?? []).reduce((sum, m) => sum + estimateLlmTokens(deps.tokenizer, m.content) + 8, 0);
    assert.ok(promptTokens + 512 <= window, `window ${window}: ${promptTokens} prompt tokens`);
  }
  for (let index = 1; index < counts.length; index++) assert.ok((counts[index] as number) >= (counts[index - 1] as number), counts.join(','));
  assert.ok((counts[0] as number) < (counts.at(-1) as number), counts.join(','));
});

test('chat history is placed before the question', async () => {
  const model = new FakeLanguageModel();
  await collect(runAnswer(await setup(model), request({ history: [{ question: 'Earlier?', answer: 'Yes [1].' }] })));
  assert.deepEqual(model.streamCalls[0]?.messages.map((m) => m.role), ['system', 'user', 'assistant', 'user']);
});
