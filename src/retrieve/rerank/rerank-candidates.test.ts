import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isCairnError } from '../../core/cairn-error.js';
import type { ScoredChunk } from '../../core/search-types.js';
import { createReranker } from '../../models/rerank/create-reranker.js';
import type { Reranker, RerankOptions } from '../../models/rerank/reranker.js';
import { SHARED_MISSING, sharedPath } from '../../testing/shared-data.js';
import { buildTinyCrossEncoder } from '../../testing/tiny-cross-encoder.js';
import { rerankCandidates } from './rerank-candidates.js';

function chunk(chunkId: number, text: string): ScoredChunk {
  return {
    chunkId,
    documentId: 1,
    collection: 'kb',
    sourceUri: `file:///kb/doc-${chunkId}.md`,
    relativePath: `doc-${chunkId}.md`,
    title: `doc ${chunkId}`,
    format: 'markdown',
    text,
    headingPath: [],
    score: 1 / chunkId,
    scores: {},
    snippet: text,
    highlights: [],
  };
}

/** Scores each text by the number after `score=`; records every batch it is given. */
function scriptedReranker(maxBatchSize: number): Reranker & { batches: string[][] } {
  const batches: string[][] = [];
  return {
    id: 'scripted',
    maxBatchSize,
    maxTokens: 512,
    batches,
    async rerank({ documents }: RerankOptions) {
      batches.push(documents);
      return { scores: documents.map((text) => Number(/score=(\S+)/.exec(text)?.[1])) };
    },
  };
}

test('caps at maxCandidates from the top of the retrieval order and batches', async () => {
  const candidates = Array.from({ length: 60 }, (_, i) => chunk(i + 1, `c${i + 1} score=${i % 7}`));
  const reranker = scriptedReranker(16);
  const { results, candidates: count, millis } = await rerankCandidates(reranker, 'q', candidates, { maxCandidates: 50, batchSize: 20 });
  assert.equal(count, 50);
  assert.equal(results.length, 50);
  assert.deepEqual(reranker.batches.map((batch) => batch.length), [16, 16, 16, 2]);
  assert.ok(results.every((result) => result.chunkId <= 50), 'only the first 50 in retrieval order');
  assert.ok(millis >= 0);
  for (let i = 1; i < results.length; i++) {
    const [previous, current] = [results[i - 1], results[i]] as const;
    assert.ok(previous!.rerankScore > current!.rerankScore || (previous!.rerankScore === current!.rerankScore && previous!.chunkId < current!.chunkId));
  }
  assert.equal(results[0]?.chunkId, 7, 'score 6, earliest first');
  assert.equal(results[0]?.score, 1 / 7, 'retrieval fields are kept');
});

test('ties keep retrieval order and NaN sorts last', async () => {
  const candidates = [chunk(1, 'score=NaN'), chunk(2, 'score=1'), chunk(3, 'score=2'), chunk(4, 'score=1'), chunk(5, 'score=-3')];
  const { results } = await rerankCandidates(scriptedReranker(8), 'q', candidates, { maxCandidates: 50, batchSize: 8 });
  assert.deepEqual(results.map((result) => result.chunkId), [3, 2, 4, 5, 1]);
  const none = await rerankCandidates(scriptedReranker(8), 'q', [], { maxCandidates: 50, batchSize: 8 });
  assert.deepEqual(none, { results: [], millis: none.millis, candidates: 0 });
});

test('a cancelled signal stops before the next batch', async () => {
  const controller = new AbortController();
  const reranker = scriptedReranker(2);
  const original = reranker.rerank.bind(reranker);
  reranker.rerank = async (options) => {
    controller.abort();
    return original(options);
  };
  const candidates = Array.from({ length: 6 }, (_, i) => chunk(i + 1, `score=${i}`));
  await assert.rejects(rerankCandidates(reranker, 'q', candidates, { maxCandidates: 50, batchSize: 2, signal: controller.signal }), (error) => isCairnError(error) && error.code === 'ABORTED');
  assert.equal(reranker.batches.length, 1);
});

test('with the tiny cross-encoder the chunk that answers the query comes first', { skip: sharedPath('models', 'cairn', 'tiny-random-bert') ? false : SHARED_MISSING }, async () => {
  const work = mkdtempSync(join(tmpdir(), 'cairn-rerank-candidates-'));
  try {
    await buildTinyCrossEncoder(join(work, 'models', 'cairn', 'tiny-cross-encoder'));
    const reranker = (await createReranker('onnx:cairn/tiny-cross-encoder', {
      home: join(work, 'home'),
      modelsDir: join(work, 'models'),
      hfEndpoint: 'http://127.0.0.1:9',
      allowDownload: false,
      onnxDtype: 'q8',
      onnxThreads: 1,
      batchSize: 4,
    })) as Reranker;
    const texts = ['Release notes for version 2.', 'Pods restart when probes fail.', 'Rotate the ingress TLS certificate by updating its secret.', 'Logging levels can be changed at run time.', 'Backups run nightly.'];
    const { results, candidates } = await rerankCandidates(reranker, 'rotate the TLS certificate', texts.map((text, i) => chunk(i + 1, text)), { maxCandidates: 50, batchSize: 16 });
    await reranker.close?.();
    assert.equal(candidates, 5);
    assert.equal(results[0]?.chunkId, 3);
    assert.ok((results[0]?.rerankScore ?? 0) > (results[1]?.rerankScore ?? 0));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
