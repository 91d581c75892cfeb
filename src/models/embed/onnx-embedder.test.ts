import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sharedPath, SHARED_MISSING } from '../../testing/shared-data.js';
import type { Embedder } from './embedder.js';
import { createOnnxEmbedder } from './onnx-embedder.js';

const modelDir = sharedPath('models', 'cairn', 'tiny-random-bert');

const texts = [
  'How do I rotate the signing key?',
  'Kubernetes deploys containers.',
  'A much longer passage about configuring the ingestion pipeline, its batching, and how the store keeps every write of one document in a single transaction so that a crash never leaves half a document behind.',
  'short',
  'How do I rotate the signing key?',
];

function maxDifference(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}

for (const dtype of ['fp32', 'q8'] as const) {
  test(`onnx embedder (${dtype}) on tiny-random-bert: unit vectors, deterministic, batch equals single`, async (t) => {
    if (!modelDir) return t.skip(SHARED_MISSING);
    const embedder: Embedder = await createOnnxEmbedder({ id: 'onnx:cairn/tiny-random-bert', modelDir, dtype, threads: 1 });
    t.after(() => embedder.close?.());
    assert.equal(embedder.dimensions, 32);
    assert.equal(embedder.maxTokens, 510);
    assert.equal(embedder.tokenizer.count('How do I rotate the signing key?'), 8);

    const { vectors, tokens } = await embedder.embed({ texts });
    assert.equal(vectors.length, texts.length);
    assert.ok((tokens ?? 0) > 40);
    for (const vector of vectors) {
      assert.equal(vector.length, 32);
      assert.ok(vector.every(Number.isFinite));
      const norm = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
      assert.ok(Math.abs(norm - 1) < 1e-5, `norm ${norm}`);
    }
    // Equal texts give equal vectors; different texts differ.
    assert.ok(maxDifference(vectors[0] as Float32Array, vectors[4] as Float32Array) < 1e-6);
    assert.ok(maxDifference(vectors[0] as Float32Array, vectors[1] as Float32Array) > 1e-3);
    // Batched (with padding to the longest of a sub-batch) equals one text at a time, in input order.
    for (let i = 0; i < texts.length; i++) {
      const single = await embedder.embedQuery(texts[i] as string);
      assert.ok(maxDifference(single, vectors[i] as Float32Array) < 1e-5, `text ${i}`);
    }
    // Same inputs, same outputs.
    const again = await embedder.embed({ texts });
    again.vectors.forEach((vector, i) => assert.deepEqual(vector, vectors[i]));
  });
}

test('onnx embedder is padding-invariant and truncates to the model positions', async (t) => {
  if (!modelDir) return t.skip(SHARED_MISSING);
  // Sub-batches of 2: the short text is padded next to a longer one in one run, alone in another.
  const embedder = await createOnnxEmbedder({ id: 'x', modelDir, dtype: 'fp32', threads: 1, subBatchSize: 2 });
  t.after(() => embedder.close?.());
  const shortText = 'rotate the key';
  const alone = await embedder.embedQuery(shortText);
  const padded = await embedder.embed({ texts: ['rotate the key', 'a considerably longer sentence that forces padding of the short one in its batch'] });
  assert.ok(maxDifference(alone, padded.vectors[0] as Float32Array) < 1e-5);

  const long = 'word '.repeat(2000);
  const longer = `${long} tail words that fall past position 512`;
  const [a, b] = (await embedder.embed({ texts: [long, longer] })).vectors;
  assert.ok(a && b && a.every(Number.isFinite));
  assert.ok(maxDifference(a, b) < 1e-6, 'tokens beyond maxTokens are dropped');
});

test('onnx embedder honours an aborted signal', async (t) => {
  if (!modelDir) return t.skip(SHARED_MISSING);
  const embedder = await createOnnxEmbedder({ id: 'x', modelDir, dtype: 'fp32', threads: 1 });
  t.after(() => embedder.close?.());
  await assert.rejects(embedder.embed({ texts: ['a'], signal: AbortSignal.abort() }), { name: 'AbortError' });
});

test('onnx embedder agrees with the transformers.js feature-extraction pipeline (mean, normalize)', async (t) => {
  const modelsRoot = sharedPath('models');
  if (!modelDir || !modelsRoot) return t.skip(SHARED_MISSING);
  const { env, pipeline } = await import('@huggingface/transformers');
  env.localModelPath = modelsRoot;
  env.allowRemoteModels = false;
  const extractor = await pipeline('feature-extraction', 'cairn/tiny-random-bert', { dtype: 'fp32' });
  t.after(() => extractor.dispose());
  const embedder = await createOnnxEmbedder({ id: 'x', modelDir, dtype: 'fp32', threads: 1 });
  t.after(() => embedder.close?.());
  const ours = (await embedder.embed({ texts })).vectors;
  for (let i = 0; i < texts.length; i++) {
    const reference = await extractor(texts[i] as string, { pooling: 'mean', normalize: true });
    assert.ok(maxDifference(ours[i] as Float32Array, reference.data as Float32Array) < 1e-5, `text ${i}`);
  }
});
