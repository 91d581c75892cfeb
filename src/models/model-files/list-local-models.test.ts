import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sharedPath, SHARED_MISSING } from '../../testing/shared-data.js';
import { listLocalModels } from './list-local-models.js';

test('listLocalModels lists owner/name folders of CAIRN_MODELS_DIR with files and sizes', async (t) => {
  const modelsDir = sharedPath('models');
  if (!modelsDir) return t.skip(SHARED_MISSING);
  const home = mkdtempSync(join(tmpdir(), 'cairn-list-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const models = await listLocalModels({ home, modelsDir });
  const ids = models.map((model) => model.id);
  for (const id of ['Xenova/all-MiniLM-L6-v2', 'cairn/minilm-l6-shape-random', 'cairn/static-minilm-vocab-256', 'cairn/tiny-random-bert']) {
    assert.ok(ids.includes(id), id);
  }
  assert.ok(!ids.includes('gguf'), 'a folder without config.json is not a model');
  const tiny = models.find((model) => model.id === 'cairn/tiny-random-bert');
  assert.equal(tiny?.where, 'models-dir');
  assert.equal(tiny?.path, join(modelsDir, 'cairn', 'tiny-random-bert'));
  assert.deepEqual(tiny?.files, [
    'README.md',
    'config.json',
    'onnx/model.onnx',
    'onnx/model_quantized.onnx',
    'special_tokens_map.json',
    'tokenizer.json',
    'tokenizer_config.json',
  ]);
  assert.equal(tiny?.bytes, 1733 + 610 + 4050394 * 2 + 125 + 711661 + 366);
  assert.deepEqual(await listLocalModels({ home }), []);
});
