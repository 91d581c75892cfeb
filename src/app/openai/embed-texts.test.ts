import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configSchema } from '../../config/config-schema.js';
import { isCairnError } from '../../core/cairn-error.js';
import { FakeEmbedder } from '../../testing/fake-embedder.js';
import { InMemoryChunkStore } from '../../testing/in-memory-chunk-store.js';
import type { CairnApp } from '../cairn-app.js';
import { EMBEDDINGS_MAX_INPUTS, embedTexts } from './embed-texts.js';

async function fakeApp() {
  const configured = new FakeEmbedder({ id: 'fake:configured', dimensions: 16 });
  const other = new FakeEmbedder({ id: 'fake:collection', dimensions: 8 });
  const chunks = new InMemoryChunkStore();
  await chunks.createCollection('kb', { embedder: other.id, dimensions: 8, chunkSize: 256, chunkOverlap: 38 });
  await chunks.createCollection('words', { embedder: 'none', dimensions: 0, chunkSize: 256, chunkOverlap: 38 });
  const loaded: string[] = [];
  const app = {
    config: configSchema.parse({ home: '/tmp/cairn-embed-texts-test', embedder: configured.id }),
    chunks,
    loadEmbedder: async (id: string) => {
      loaded.push(id);
      if (id === 'none') return { id, embedder: null, tokenizer: configured.tokenizer, maxTokens: 512 };
      const embedder = id === configured.id ? configured : other;
      return { id, embedder, tokenizer: embedder.tokenizer, maxTokens: embedder.maxTokens };
    },
  } as unknown as CairnApp;
  return { app, configured, other, loaded };
}

const rejectsWith = (code: string, param?: string) => (error: unknown) => {
  assert.ok(isCairnError(error), String(error));
  assert.equal(error.code, code, error.message);
  if (param) assert.equal(error.details.param, param);
  return true;
};

describe('embedTexts (the /v1/embeddings use case)', () => {
  it('embeds with the configured embedder or a collection’s, counting tokens with its tokenizer and batching to its limit', async () => {
    const { app, configured, other } = await fakeApp();
    const texts = Array.from({ length: 70 }, (_, i) => `text number ${i}`);
    const result = await embedTexts(app, { model: 'fake:configured', input: texts });
    assert.equal(result.embedder, 'fake:configured');
    assert.equal(result.dimensions, 16);
    assert.equal(result.vectors.length, 70);
    assert.deepEqual(result.vectors[5], configured.vectorOf('text number 5'));
    assert.equal(result.tokens, 70 * 3);
    assert.equal(configured.embedCalls, 3, 'batches of maxBatchSize (32)');
    const byCollection = await embedTexts(app, { model: 'cairn/kb', input: ['hello world'], dimensions: 8 });
    assert.equal(byCollection.embedder, other.id);
    assert.equal(byCollection.vectors[0]!.length, 8);
  });

  it('accepts no other model id: nothing named by the request is ever loaded', async () => {
    const { app, loaded } = await fakeApp();
    for (const model of ['onnx:Xenova/all-MiniLM-L6-v2', 'openai:http://169.254.169.254/v1#x', 'static:/etc', 'cairn/missing', 'kb']) {
      await assert.rejects(embedTexts(app, { model, input: ['x'] }), rejectsWith('MODEL_NOT_FOUND', 'model'));
    }
    assert.deepEqual(loaded, []);
    await assert.rejects(embedTexts(app, { model: 'cairn/words', input: ['x'] }), rejectsWith('INPUT_INVALID', 'model'));
  });

  it('refuses a different `dimensions`, empty and over-long texts, and too many texts, naming the field', async () => {
    const { app } = await fakeApp();
    await assert.rejects(embedTexts(app, { model: 'fake:configured', input: ['x'], dimensions: 8 }), (error: unknown) => {
      rejectsWith('INPUT_INVALID', 'dimensions')(error);
      assert.match((error as Error).message, /16-dimensional.*`dimensions` 8/);
      return true;
    });
    await assert.rejects(embedTexts(app, { model: 'fake:configured', input: [] }), rejectsWith('INPUT_INVALID', 'input'));
    await assert.rejects(embedTexts(app, { model: 'fake:configured', input: ['ok', '  '] }), rejectsWith('INPUT_INVALID', 'input'));
    await assert.rejects(embedTexts(app, { model: 'fake:configured', input: ['word '.repeat(513)] }), (error: unknown) => {
      rejectsWith('INPUT_INVALID', 'input')(error);
      assert.match((error as Error).message, /513 tokens.*at most 512/);
      return true;
    });
    await assert.rejects(embedTexts(app, { model: 'fake:configured', input: Array.from({ length: EMBEDDINGS_MAX_INPUTS + 1 }, () => 'x') }), rejectsWith('INPUT_INVALID', 'input'));
  });
});
