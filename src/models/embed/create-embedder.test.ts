import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isCairnError } from '../../core/cairn-error.js';
import type { DownloadProgress } from '../model-files/download-progress.js';
import { closedPort, startFakeHub } from '../../testing/start-fake-hub.js';
import { sharedPath, SHARED_MISSING } from '../../testing/shared-data.js';
import { createEmbedder, type EmbedderContext } from './create-embedder.js';

function context(overrides: Partial<EmbedderContext> = {}): EmbedderContext & { cleanup(): void } {
  const home = mkdtempSync(join(tmpdir(), 'cairn-embedder-'));
  return {
    home,
    hfEndpoint: 'https://huggingface.co',
    allowDownload: false,
    onnxDtype: 'q8',
    onnxThreads: 1,
    ...overrides,
    cleanup: () => rmSync(home, { recursive: true, force: true }),
  };
}

test('none never fails and refuses to embed', async () => {
  const ctx = context({ home: '/nonexistent/home', allowDownload: true });
  const embedder = await createEmbedder('none', ctx);
  assert.equal(embedder.id, 'none');
  assert.equal(embedder.dimensions, 0);
  assert.ok(embedder.tokenizer.count('some words here') > 0);
  await assert.rejects(embedder.embed({ texts: ['x'] }), { code: 'DENSE_UNAVAILABLE' });
  await assert.rejects(createEmbedder('bert:x', ctx), { code: 'INPUT_INVALID' });
});

test('onnx: and static: load from CAIRN_MODELS_DIR', async (t) => {
  const modelsDir = sharedPath('models');
  if (!modelsDir) return t.skip(SHARED_MISSING);
  const ctx = context({ modelsDir });
  t.after(() => ctx.cleanup());
  const onnx = await createEmbedder('onnx:cairn/tiny-random-bert', ctx);
  t.after(() => onnx.close?.());
  assert.equal(onnx.id, 'onnx:cairn/tiny-random-bert');
  assert.equal(onnx.dimensions, 32);
  assert.equal((await onnx.embedQuery('hello')).length, 32);

  const byId = await createEmbedder('static:cairn/static-minilm-vocab-256', ctx);
  assert.equal(byId.dimensions, 256);
  assert.equal(typeof byId.embedTokenIds, 'function');
  const byPath = await createEmbedder(`static:${join(modelsDir, 'cairn', 'static-minilm-vocab-256')}`, ctx);
  assert.deepEqual(await byPath.embedQuery('signing key'), await byId.embedQuery('signing key'));

  await assert.rejects(createEmbedder(`static:${join(modelsDir, 'cairn', 'tiny-random-bert')}`, ctx), (error) => {
    assert.ok(isCairnError(error));
    assert.equal(error.code, 'MODEL_NOT_FOUND');
    assert.match(error.message, /model\.safetensors/);
    return true;
  });
});

test('a model that is not local fails fast with EMBEDDER_UNAVAILABLE when offline or downloads are off', async (t) => {
  const modelsDir = sharedPath('models');
  if (!modelsDir) return t.skip(SHARED_MISSING);
  // ../shared has the MiniLM tokenizer but no weights: that folder must not count as a local copy.
  const offline = context({ modelsDir });
  t.after(() => offline.cleanup());
  await assert.rejects(createEmbedder('onnx:Xenova/all-MiniLM-L6-v2', offline), (error) => {
    assert.ok(isCairnError(error));
    assert.equal(error.code, 'EMBEDDER_UNAVAILABLE');
    assert.match(error.message, /onnx:Xenova\/all-MiniLM-L6-v2/);
    assert.match(error.message, /downloads are turned off/);
    assert.ok(error.message.includes(join(modelsDir, 'Xenova', 'all-MiniLM-L6-v2')));
    assert.ok(error.message.includes(join(offline.home, 'models', 'Xenova', 'all-MiniLM-L6-v2')));
    assert.match(error.hint ?? '', /cairn models pull Xenova\/all-MiniLM-L6-v2.*CAIRN_MODELS_DIR.*CAIRN_EMBEDDER=none/);
    return true;
  });

  const unreachable = context({ modelsDir, allowDownload: true, hfEndpoint: `http://127.0.0.1:${await closedPort()}` });
  t.after(() => unreachable.cleanup());
  const started = Date.now();
  await assert.rejects(createEmbedder('onnx:Xenova/all-MiniLM-L6-v2', unreachable), (error) => {
    assert.ok(isCairnError(error));
    assert.equal(error.code, 'EMBEDDER_UNAVAILABLE');
    assert.match(error.message, /download from http:\/\/127\.0\.0\.1:\d+ failed/);
    return true;
  });
  assert.ok(Date.now() - started < 5000);

  await assert.rejects(createEmbedder('static:/no/such/folder', offline), { code: 'MODEL_NOT_FOUND' });
  await assert.rejects(createEmbedder(`openai:http://127.0.0.1:${await closedPort()}/v1#m`, offline), { code: 'EMBEDDER_UNAVAILABLE' });
});

test('onnx: downloads into <home>/models from HF_ENDPOINT with progress, then loads offline', async (t) => {
  const modelsDir = sharedPath('models');
  if (!modelsDir) return t.skip(SHARED_MISSING);
  const hub = await startFakeHub(modelsDir);
  t.after(() => hub.close());
  const events: DownloadProgress[] = [];
  const ctx = context({ allowDownload: true, hfEndpoint: hub.endpoint, onnxDtype: 'fp32', onDownloadProgress: (e) => events.push(e) });
  t.after(() => ctx.cleanup());
  const embedder = await createEmbedder('onnx:cairn/tiny-random-bert', ctx);
  t.after(() => embedder.close?.());
  assert.equal(embedder.dimensions, 32);
  assert.ok(events.some((e) => e.file === 'onnx/model.onnx' && e.done && e.loadedBytes === 4050394));

  const again = await createEmbedder('onnx:cairn/tiny-random-bert', { ...ctx, allowDownload: false });
  t.after(() => again.close?.());
  assert.deepEqual(await again.embedQuery('same text'), await embedder.embedQuery('same text'));

  await assert.rejects(createEmbedder('onnx:nobody/missing', ctx), { code: 'MODEL_NOT_FOUND' });
});
