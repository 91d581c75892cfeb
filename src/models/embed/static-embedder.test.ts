import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { sharedPath, SHARED_MISSING } from '../../testing/shared-data.js';
import { readSafetensorsTensor } from './read-safetensors.js';
import { createStaticEmbedder } from './static-embedder.js';

const modelDir = sharedPath('models', 'cairn', 'static-minilm-vocab-256');

const dot = (a: Float32Array, b: Float32Array): number => a.reduce((sum, value, i) => sum + value * (b[i] as number), 0);
const norm = (a: Float32Array): number => Math.sqrt(dot(a, a));

test('the model matrix matches the model card: [30522, 256] with 12,638 all-zero rows', async (t) => {
  if (!modelDir) return t.skip(SHARED_MISSING);
  const tensor = await readSafetensorsTensor(join(modelDir, 'model.safetensors'), 'embeddings');
  assert.equal(tensor.dtype, 'F32');
  assert.deepEqual(tensor.shape, [30522, 256]);
  let zeroRows = 0;
  for (let row = 0; row < 30522; row++) {
    const slice = tensor.data.subarray(row * 256, row * 256 + 256);
    if (slice.every((value) => value === 0)) zeroRows++;
  }
  assert.equal(zeroRows, 12638);
});

test('static vectors are 256-d unit vectors that rank a related pair above an unrelated one', async (t) => {
  if (!modelDir) return t.skip(SHARED_MISSING);
  const embedder = await createStaticEmbedder({ id: 'static:test', modelDir });
  assert.equal(embedder.dimensions, 256);
  assert.equal(embedder.maxTokens, 512);
  const { vectors, tokens } = await embedder.embed({
    texts: [
      'How do React hooks manage component state?',
      'When should I call useState in a React function component?',
      'Deploy the chart to the Kubernetes cluster with helm install.',
    ],
  });
  assert.equal(vectors.length, 3);
  for (const vector of vectors) {
    assert.equal(vector.length, 256);
    assert.ok(Math.abs(norm(vector) - 1) < 1e-5);
  }
  assert.ok((tokens ?? 0) > 20);
  const [hooks, useState, helm] = vectors as [Float32Array, Float32Array, Float32Array];
  const related = dot(hooks, useState);
  const unrelated = Math.max(dot(hooks, helm), dot(useState, helm));
  assert.ok(related > unrelated + 0.1, `related ${related.toFixed(3)} vs unrelated ${unrelated.toFixed(3)}`);
  const query = await embedder.embedQuery('How do React hooks manage component state?');
  assert.deepEqual(query, hooks);
});

test('static encoding is the mean of token rows of the ids without special tokens and [UNK]', async (t) => {
  if (!modelDir) return t.skip(SHARED_MISSING);
  const embedder = await createStaticEmbedder({ id: 'static:test', modelDir });
  const tensor = await readSafetensorsTensor(join(modelDir, 'model.safetensors'), 'embeddings');
  const text = 'Rotate the signing key every 90 days.';
  const ids = embedder.tokenizer.encode?.(text) ?? [];
  assert.ok(ids.length > 5 && !ids.includes(101) && !ids.includes(102));
  const expected = new Float64Array(256);
  for (const id of ids) for (let d = 0; d < 256; d++) expected[d] = (expected[d] as number) + (tensor.data[id * 256 + d] as number);
  const length = Math.sqrt(expected.reduce((sum, value) => sum + value * value, 0));
  const [vector] = await embedder.embed({ texts: [text] }).then((r) => r.vectors);
  assert.ok(vector);
  for (let d = 0; d < 256; d++) assert.ok(Math.abs((vector[d] as number) - (expected[d] as number) / length) < 1e-6);
  // Pre-tokenized ids give the same vector; [UNK] (100) is ignored.
  const [fromIds, withUnk] = embedder.embedTokenIds?.([ids, [100, ...ids, 100]]) ?? [];
  assert.deepEqual(fromIds, vector);
  assert.deepEqual(withUnk, vector);
});

test('texts made only of zero-row or unknown tokens give a zero vector, not NaN', async (t) => {
  if (!modelDir) return t.skip(SHARED_MISSING);
  const embedder = await createStaticEmbedder({ id: 'static:test', modelDir });
  const [empty, special, unknownOnly] = embedder.embedTokenIds?.([[], [101, 102, 0], [100, 100]]) ?? [];
  for (const vector of [empty, special, unknownOnly]) {
    assert.ok(vector);
    assert.equal(vector.length, 256);
    assert.ok(vector.every((value) => value === 0));
  }
  const [fromText] = (await embedder.embed({ texts: [''] })).vectors;
  assert.ok(fromText?.every((value) => value === 0));
});

test('only the first 512 tokens count', async (t) => {
  if (!modelDir) return t.skip(SHARED_MISSING);
  const embedder = await createStaticEmbedder({ id: 'static:test', modelDir });
  const head = 'database index query planner '.repeat(200);
  const [a, b] = (await embedder.embed({ texts: [head, `${head} kubernetes helm chart deployment`] })).vectors;
  assert.deepEqual(a, b);
});

test('repeated tokens weigh once per occurrence, and one text never leaks into the next', async (t) => {
  if (!modelDir) return t.skip(SHARED_MISSING);
  const embedder = await createStaticEmbedder({ id: 'static:test', modelDir });
  const tensor = await readSafetensorsTensor(join(modelDir, 'model.safetensors'), 'embeddings');
  const handMade = (ids: number[]): Float32Array => {
    const sum = new Float64Array(256);
    for (const id of ids) for (let d = 0; d < 256; d++) sum[d] = (sum[d] as number) + (tensor.data[id * 256 + d] as number);
    const length = Math.sqrt(sum.reduce((total, value) => total + value * value, 0));
    return Float32Array.from(sum, (value) => value / length);
  };
  const repeated = embedder.tokenizer.encode?.('the key, the key and the signing key: key key key') ?? [];
  const other = embedder.tokenizer.encode?.('kubernetes helm chart deployment') ?? [];
  assert.ok(new Set(repeated).size < repeated.length - 3, 'the text repeats tokens');
  const [first, between, again] = embedder.embedTokenIds?.([repeated, other, repeated]) ?? [];
  assert.ok(first && between && again);
  assert.deepEqual(again, first);
  for (const [vector, ids] of [[first, repeated], [between, other]] as const) {
    const expected = handMade(ids);
    for (let d = 0; d < 256; d++) assert.ok(Math.abs((vector[d] as number) - (expected[d] as number)) < 1e-6, `dimension ${d}`);
  }
});
