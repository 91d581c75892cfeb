import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCairnError } from '../../core/cairn-error.js';
import { embedderSpecId, parseEmbedderSpec } from './parse-embedder-spec.js';

test('parseEmbedderSpec accepts the four forms', () => {
  assert.deepEqual(parseEmbedderSpec('onnx:Xenova/all-MiniLM-L6-v2'), { kind: 'onnx', modelId: 'Xenova/all-MiniLM-L6-v2' });
  assert.deepEqual(parseEmbedderSpec('static:./models/potion'), { kind: 'static', ref: './models/potion' });
  assert.deepEqual(parseEmbedderSpec('static:C:/models/x'), { kind: 'static', ref: 'C:/models/x' });
  assert.deepEqual(parseEmbedderSpec('openai:http://127.0.0.1:8000/v1/#BAAI/bge-small-en'), {
    kind: 'openai',
    baseUrl: 'http://127.0.0.1:8000/v1',
    model: 'BAAI/bge-small-en',
  });
  assert.deepEqual(parseEmbedderSpec(' none '), { kind: 'none' });
  assert.equal(embedderSpecId(parseEmbedderSpec('openai:https://api.example.com/v1/#m')), 'openai:https://api.example.com/v1#m');
});

test('parseEmbedderSpec rejects malformed specs with the accepted forms in the hint', () => {
  for (const spec of ['', 'minilm', 'onnx:', 'static:', 'openai:http://x/v1', 'openai:http://x/v1#', 'openai:ftp://x#m', 'openai:not a url#m', 'bert:x']) {
    assert.throws(
      () => parseEmbedderSpec(spec),
      (error) => {
        assert.ok(isCairnError(error), spec);
        assert.equal(error.code, 'INPUT_INVALID');
        assert.match(error.hint ?? '', /onnx:<model-id>.*static:.*openai:<base-url>#<model>.*none/);
        return true;
      },
    );
  }
});
