import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isCairnError } from '../../core/cairn-error.js';
import { startFakeHub } from '../../testing/start-fake-hub.js';
import { SHARED_MISSING, sharedPath } from '../../testing/shared-data.js';
import { buildTinyCrossEncoder } from '../../testing/tiny-cross-encoder.js';
import { createReranker, type RerankerContext } from './create-reranker.js';
import { createOnnxCrossEncoder, truncatePair } from './onnx-cross-encoder.js';
import type { Reranker } from './reranker.js';

const skip = sharedPath('models', 'cairn', 'tiny-random-bert') ? false : SHARED_MISSING;
const MODEL_ID = 'cairn/tiny-cross-encoder';
let work = '';
let modelDir = '';
let reranker: Reranker;

const QUERY = 'How do I configure TLS certificates for the ingress?';
const DOCUMENTS = [
  'Bananas are rich in potassium and grow in tropical climates.',
  'To configure TLS for the ingress, store the certificates in a secret and reference it.',
  'The scheduler places pods on nodes with enough memory.',
  'TLS handshakes can fail when clocks drift.',
];

function context(batchSize: number): RerankerContext {
  return { home: join(work, 'home'), modelsDir: join(work, 'models'), hfEndpoint: 'http://127.0.0.1:9', allowDownload: false, onnxDtype: 'q8', onnxThreads: 1, batchSize };
}

before(async () => {
  if (skip) return;
  work = mkdtempSync(join(tmpdir(), 'cairn-cross-encoder-'));
  modelDir = await buildTinyCrossEncoder(join(work, 'models', ...MODEL_ID.split('/')));
  reranker = (await createReranker(`onnx:${MODEL_ID}`, context(16))) as Reranker;
});
after(async () => {
  await reranker?.close?.();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the tiny cross-encoder loads from CAIRN_MODELS_DIR and ranks the relevant passage first', { skip }, async () => {
  assert.equal(reranker.id, `onnx:${MODEL_ID}`);
  assert.equal(reranker.maxBatchSize, 16);
  assert.equal(reranker.maxTokens, 512 - 3);
  const { scores } = await reranker.rerank({ query: QUERY, documents: DOCUMENTS });
  assert.equal(scores.length, DOCUMENTS.length);
  const best = scores.indexOf(Math.max(...scores));
  assert.equal(best, 1);
  assert.ok((scores[3] as number) > (scores[0] as number), 'partial overlap beats none');
  // No shared content token: only the bias and the pair-length term are left.
  const pairTokens = (reranker.tokenizer?.count(QUERY) ?? NaN) + (reranker.tokenizer?.count(DOCUMENTS[0] as string) ?? NaN) + 3;
  assert.ok(Math.abs((scores[0] as number) - (0.01 + 0.0001 * pairTokens)) < 1e-6, `score ${scores[0]} for ${pairTokens} tokens`);
});

test('scores are deterministic, order-preserving, batch- and padding-invariant', { skip }, async () => {
  const first = (await reranker.rerank({ query: QUERY, documents: DOCUMENTS })).scores;
  const again = (await reranker.rerank({ query: QUERY, documents: DOCUMENTS })).scores;
  assert.deepEqual(again, first);

  const reversed = (await reranker.rerank({ query: QUERY, documents: [...DOCUMENTS].reverse() })).scores;
  assert.deepEqual(reversed, [...first].reverse());

  const oneByOne = (await createOnnxCrossEncoder({ id: 'x', modelDir, dtype: 'fp32', threads: 1, batchSize: 1 })) as Reranker;
  const single: number[] = [];
  for (const document of DOCUMENTS) single.push(...(await oneByOne.rerank({ query: QUERY, documents: [document] })).scores);
  await oneByOne.close?.();
  single.forEach((score, i) => assert.ok(Math.abs(score - (first[i] as number)) < 1e-5, `document ${i}: ${score} vs ${first[i]}`));

  // Beside a long passage the short ones are padded heavily; their scores must not move.
  const long = `${'ingress '.repeat(300)}tls`;
  const padded = (await reranker.rerank({ query: QUERY, documents: [...DOCUMENTS, long] })).scores;
  first.forEach((score, i) => assert.ok(Math.abs((padded[i] as number) - score) < 1e-5));
});

test('passages longer than the model positions are truncated, not rejected', { skip }, async () => {
  const huge = 'certificates '.repeat(2_000);
  const { scores } = await reranker.rerank({ query: QUERY, documents: [huge, DOCUMENTS[0] as string] });
  assert.ok(Number.isFinite(scores[0]) && (scores[0] as number) > (scores[1] as number));
});

test('a two-label model is scored by the log-odds of the positive class', { skip }, async () => {
  const twoLabelDir = await buildTinyCrossEncoder(join(work, 'two-label'), { labels: 2 });
  const twoLabel = await createOnnxCrossEncoder({ id: 'two', modelDir: twoLabelDir, dtype: 'q8', threads: 1, batchSize: 3 });
  const { scores } = await twoLabel.rerank({ query: QUERY, documents: DOCUMENTS });
  await twoLabel.close?.();
  const reference = (await reranker.rerank({ query: QUERY, documents: DOCUMENTS })).scores;
  scores.forEach((score, i) => assert.ok(Math.abs(score - (reference[i] as number)) < 1e-6, `document ${i}: ${score} vs ${reference[i]}`));
});

test('a cancelled call stops with ABORTED', { skip }, async () => {
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(reranker.rerank({ query: QUERY, documents: DOCUMENTS, signal: controller.signal }), (error) => isCairnError(error) && error.code === 'ABORTED');
});

test('a model missing locally is downloaded into the cache on first use, then found there', { skip }, async () => {
  const hub = await startFakeHub(join(work, 'models'));
  const home = join(work, 'download-home');
  try {
    const downloaded = (await createReranker(`onnx:${MODEL_ID}`, { ...context(8), modelsDir: undefined, home, allowDownload: true, hfEndpoint: hub.endpoint })) as Reranker;
    assert.ok(hub.requests.includes(`/${MODEL_ID}/resolve/main/onnx/model_quantized.onnx`));
    const { scores } = await downloaded.rerank({ query: QUERY, documents: DOCUMENTS });
    const reference = (await reranker.rerank({ query: QUERY, documents: DOCUMENTS })).scores;
    scores.forEach((score, i) => assert.ok(Math.abs(score - (reference[i] as number)) < 1e-6));
    await downloaded.close?.();
    const seen = hub.requests.length;
    const cached = (await createReranker(`onnx:${MODEL_ID}`, { ...context(8), modelsDir: undefined, home, allowDownload: false, hfEndpoint: hub.endpoint })) as Reranker;
    assert.equal(hub.requests.length, seen);
    await cached.close?.();
  } finally {
    await hub.close();
  }
});

test('truncatePair cuts the passage end first, then the query end, keeping every [SEP]', () => {
  // [CLS]=101 q1 q2 q3 [SEP]=102 | p1..p5 [SEP]
  const ids = [101, 1, 2, 3, 102, 11, 12, 13, 14, 15, 102];
  const types = [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1];
  assert.deepEqual(truncatePair([...ids], [...types], 20).ids, ids);
  assert.deepEqual(truncatePair([...ids], [...types], 8), { ids: [101, 1, 2, 3, 102, 11, 12, 102], types: [0, 0, 0, 0, 0, 1, 1, 1] });
  const cut = truncatePair([...ids], [...types], 5);
  assert.deepEqual(cut.ids, [101, 1, 2, 102, 102]);
  assert.deepEqual(cut.types, [0, 0, 0, 0, 1]);
  assert.deepEqual(truncatePair([101, 1, 2, 3, 102], [0, 0, 0, 0, 0], 3).ids, [101, 1, 102]);
});
