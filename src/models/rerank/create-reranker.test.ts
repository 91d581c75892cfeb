import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isCairnError } from '../../core/cairn-error.js';
import { startRecordingListener } from '../../testing/recording-listener.js';
import { createReranker, type RerankerContext } from './create-reranker.js';
import { parseRerankerSpec, rerankerSpecId } from './parse-reranker-spec.js';

const work = mkdtempSync(join(tmpdir(), 'cairn-create-reranker-'));
after(() => rmSync(work, { recursive: true, force: true }));

function context(overrides: Partial<RerankerContext> = {}): RerankerContext {
  return { home: join(work, 'home'), modelsDir: join(work, 'models'), hfEndpoint: 'http://127.0.0.1:9', allowDownload: false, onnxDtype: 'q8', onnxThreads: 1, batchSize: 16, ...overrides };
}

/** A port nothing listens on (bound, then released). */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('parseRerankerSpec accepts onnx, http with and without a model, and none', () => {
  assert.deepEqual(parseRerankerSpec(' none '), { kind: 'none' });
  assert.deepEqual(parseRerankerSpec('onnx:Xenova/ms-marco-MiniLM-L-6-v2'), { kind: 'onnx', modelId: 'Xenova/ms-marco-MiniLM-L-6-v2' });
  const vllm = parseRerankerSpec('http:http://127.0.0.1:8000/v1/#BAAI/bge-reranker-base');
  assert.deepEqual(vllm, { kind: 'http', baseUrl: 'http://127.0.0.1:8000/v1', model: 'BAAI/bge-reranker-base' });
  assert.equal(rerankerSpecId(vllm), 'http:http://127.0.0.1:8000/v1#BAAI/bge-reranker-base');
  assert.deepEqual(parseRerankerSpec('http:http://tei:8080'), { kind: 'http', baseUrl: 'http://tei:8080' });
  for (const bad of ['onnx:', 'cohere:x', 'http:ftp://x#m', 'http:not a url#m', 'http:http://x#', 'plain']) {
    assert.throws(() => parseRerankerSpec(bad), (error) => isCairnError(error) && error.code === 'INPUT_INVALID', bad);
  }
});

test('none gives no reranker', async () => {
  assert.equal(await createReranker('none', context()), null);
});

test('a missing local model with downloads off is RERANKER_UNAVAILABLE at once', async () => {
  const started = performance.now();
  await assert.rejects(createReranker('onnx:Xenova/ms-marco-MiniLM-L-6-v2', context()), (error) => {
    assert.ok(isCairnError(error));
    assert.equal(error.code, 'RERANKER_UNAVAILABLE');
    assert.match(error.message, /downloads are turned off/);
    assert.match(error.hint ?? '', /cairn models pull Xenova\/ms-marco-MiniLM-L-6-v2.*CAIRN_RERANKER=none/);
    return true;
  });
  assert.ok(performance.now() - started < 1_000);
});

test('a missing local model with an unreachable hub is RERANKER_UNAVAILABLE quickly', async () => {
  const port = await deadPort();
  const started = performance.now();
  await assert.rejects(createReranker('onnx:Xenova/ms-marco-MiniLM-L-6-v2', context({ allowDownload: true, hfEndpoint: `http://127.0.0.1:${port}` })), (error) => {
    assert.ok(isCairnError(error));
    assert.equal(error.code, 'RERANKER_UNAVAILABLE');
    assert.match(error.message, /download from http:\/\/127\.0\.0\.1:\d+ failed/);
    return true;
  });
  assert.ok(performance.now() - started < 5_000);
});

test('an unreachable rerank server is RERANKER_UNAVAILABLE; a bad model id is INPUT_INVALID', async () => {
  const port = await deadPort();
  await assert.rejects(createReranker(`http:http://127.0.0.1:${port}/v1#m`, context()), (error) => {
    assert.ok(isCairnError(error));
    assert.equal(error.code, 'RERANKER_UNAVAILABLE');
    assert.match(error.message, /could not be reached/);
    assert.match(error.hint ?? '', /CAIRN_RERANKER=none/);
    return true;
  });
  await assert.rejects(createReranker('onnx:../etc', context()), (error) => isCairnError(error) && error.code === 'INPUT_INVALID');
});

test('an HTTP reranker sends only a key bound to its own base URL', async () => {
  const listener = await startRecordingListener();
  after(() => listener.close());
  const credentials = [{ url: 'http://127.0.0.1:9/v1', apiKey: 'for-another-server' }];
  await createReranker(`http:${listener.origin}/v1#m`, context({ credentials })).catch(() => null);
  assert.ok(listener.requests.length > 0);
  for (const request of listener.requests) assert.equal(request.headers.authorization, undefined, request.path);
  const before = listener.requests.length;
  await createReranker(`http:${listener.origin}/v1#m`, context({ credentials: [...credentials, { url: listener.origin, apiKey: 'its-own' }] })).catch(() => null);
  assert.ok(listener.requests.length > before);
  for (const request of listener.requests.slice(before)) assert.equal(request.headers.authorization, 'Bearer its-own', request.path);
});
