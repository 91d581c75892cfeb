import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isCairnError } from '../../core/cairn-error.js';
import { sharedPath, SHARED_MISSING } from '../../testing/shared-data.js';
import { listLocalModels } from './list-local-models.js';
import type { DownloadProgress } from './download-progress.js';
import { pullModel } from './pull-model.js';
import { resolveLocalModel } from './resolve-local-model.js';
import { closedPort, type FakeHub, startFakeHub } from '../../testing/start-fake-hub.js';

const modelsRoot = sharedPath('models');
let hub: FakeHub;
let endpoint = '';
let requested: string[] = [];

before(async () => {
  hub = await startFakeHub(modelsRoot ?? '/nonexistent');
  endpoint = hub.endpoint;
  requested = hub.requests;
});
after(() => hub.close());

test('pullModel downloads an ONNX model into <home>/models/<id> with progress, then reuses it', async (t) => {
  if (!modelsRoot) return t.skip(SHARED_MISSING);
  const home = mkdtempSync(join(tmpdir(), 'cairn-pull-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const events: DownloadProgress[] = [];
  const context = { home, hfEndpoint: `${endpoint}/`, onnxDtype: 'q8' as const, onDownloadProgress: (e: DownloadProgress) => events.push(e) };

  assert.equal(resolveLocalModel('cairn/tiny-random-bert', context), null);
  const dir = await pullModel('cairn/tiny-random-bert', context);
  assert.equal(dir, join(home, 'models', 'cairn', 'tiny-random-bert'));
  const source = join(modelsRoot, 'cairn', 'tiny-random-bert');
  for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model_quantized.onnx']) {
    assert.deepEqual(readFileSync(join(dir, file)), readFileSync(join(source, file)), file);
  }
  assert.equal(existsSync(join(dir, 'onnx', 'model.onnx')), false, 'only the requested dtype is fetched');
  const weightsDone = events.find((e) => e.file === 'onnx/model_quantized.onnx' && e.done);
  assert.ok(weightsDone);
  assert.equal(weightsDone.loadedBytes, 4050394);
  assert.equal(weightsDone.totalBytes, 4050394);
  assert.ok(events.some((e) => e.file === 'onnx/model_quantized.onnx' && !e.done && e.loadedBytes < 4050394));
  assert.equal(resolveLocalModel('cairn/tiny-random-bert', context, ['onnx/model_quantized.onnx']), dir);

  const before = requested.length;
  await pullModel('cairn/tiny-random-bert', context);
  // Files present are not fetched again; only the optional file the hub lacks (special_tokens_map is present) is retried.
  assert.ok(requested.slice(before).every((url) => !url.endsWith('.onnx') && !url.endsWith('config.json')));

  const listed = await listLocalModels(context);
  assert.equal(listed.length, 1);
  assert.equal(listed[0]?.id, 'cairn/tiny-random-bert');
  assert.equal(listed[0]?.where, 'cache');
  assert.ok(listed[0]?.files.includes('onnx/model_quantized.onnx'));
  assert.ok((listed[0]?.bytes ?? 0) > 4050394);
});

test('pullModel fetches the model2vec files for a static model', async (t) => {
  if (!modelsRoot) return t.skip(SHARED_MISSING);
  const home = mkdtempSync(join(tmpdir(), 'cairn-pull-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const dir = await pullModel('cairn/static-minilm-vocab-256', { home, hfEndpoint: endpoint });
  assert.equal(statSync(join(dir, 'model.safetensors')).size, 31254616);
  assert.ok(existsSync(join(dir, 'tokenizer.json')));
  assert.equal(existsSync(join(dir, 'onnx')), false);
});

test('pullModel reports an unknown model as MODEL_NOT_FOUND and a failing hub as UPSTREAM_FAILED', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'cairn-pull-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  await assert.rejects(pullModel('nobody/no-such-model', { home, hfEndpoint: endpoint }), (error) => {
    assert.ok(isCairnError(error));
    assert.equal(error.code, 'MODEL_NOT_FOUND');
    assert.match(error.message, /nobody\/no-such-model/);
    return true;
  });
  await assert.rejects(pullModel('broken/model', { home, hfEndpoint: endpoint }), (error) => {
    assert.ok(isCairnError(error));
    assert.equal(error.code, 'UPSTREAM_FAILED');
    assert.match(error.message, /503/);
    return true;
  });
  await assert.rejects(pullModel('../etc', { home, hfEndpoint: endpoint }), /not a model id/);
  assert.equal(existsSync(join(home, 'models', 'broken', 'model', 'config.json')), false);
});

test('pullModel fails fast with UPSTREAM_FAILED when the endpoint refuses connections', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'cairn-pull-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const port = await closedPort();
  const started = Date.now();
  await assert.rejects(pullModel('a/b', { home, hfEndpoint: `http://127.0.0.1:${port}` }), (error) => {
    assert.ok(isCairnError(error));
    assert.equal(error.code, 'UPSTREAM_FAILED');
    assert.match(error.message, /ECONNREFUSED/);
    return true;
  });
  assert.ok(Date.now() - started < 5000);
});

test('resolveLocalModel prefers the models dir and skips incomplete folders', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'cairn-resolve-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const modelsDir = join(root, 'models-dir');
  const home = join(root, 'home');
  const inModelsDir = join(modelsDir, 'org', 'm');
  const inCache = join(home, 'models', 'org', 'm');
  mkdirSync(join(inModelsDir), { recursive: true });
  mkdirSync(join(inCache, 'onnx'), { recursive: true });
  writeFileSync(join(inModelsDir, 'config.json'), '{}');
  writeFileSync(join(inCache, 'config.json'), '{}');
  writeFileSync(join(inCache, 'onnx', 'model.onnx'), 'x');
  const context = { home, modelsDir };
  assert.equal(resolveLocalModel('org/m', context), inModelsDir);
  assert.equal(resolveLocalModel('org/m', context, ['config.json', 'onnx/model.onnx']), inCache);
  assert.equal(resolveLocalModel('org/m', { home: join(root, 'none'), modelsDir }, ['onnx/model.onnx']), null);
});
