import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { benchmarkScaling, concurrencySteps, scalingBenchmarkInputSchema } from '../../app/benchmark-scaling.js';
import { ingest } from '../../app/ingest.js';
import { startHttpTestApp, type HttpTestApp } from '../../testing/http-test-app.js';
import { SHARED_MISSING, sharedPath } from '../../testing/shared-data.js';

let t: HttpTestApp | null = null;
before(async () => {
  t = await startHttpTestApp();
});
after(async () => {
  await t?.close();
});

const run = (payload: unknown, remoteAddress?: string) =>
  t!.server.inject({ method: 'POST', url: '/v1/benchmarks/scaling', headers: t!.auth, payload: payload as object, ...(remoteAddress ? { remoteAddress } : {}) });

describe('POST /v1/benchmarks/scaling', () => {
  it('concurrency steps are powers of two up to the maximum, which is always measured', () => {
    assert.deepEqual(concurrencySteps(1), [1]);
    assert.deepEqual(concurrencySteps(8), [1, 2, 4, 8]);
    assert.deepEqual(concurrencySteps(6), [1, 2, 4, 6]);
    assert.equal(concurrencySteps(256).length, 9);
  });

  it('measures throughput and latency per step on a small store, with the latest ingest throughput', async (context) => {
    if (!t) return context.skip(SHARED_MISSING);
    const response = await run({ collection: 'kb', mode: 'hybrid', maxConcurrency: 4, durationMs: 150 });
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json();
    assert.equal(body.collection, 'kb');
    assert.equal(body.mode, 'hybrid');
    assert.equal(body.requestedMode, 'hybrid');
    assert.deepEqual(body.notices, []);
    assert.ok(!Number.isNaN(Date.parse(body.startedAt)));
    assert.deepEqual(body.steps.map((s: { concurrency: number }) => s.concurrency), [1, 2, 4]);
    for (const step of body.steps) {
      assert.ok(step.requests >= step.concurrency, `step ${step.concurrency}: ${step.requests} requests`);
      assert.equal(step.errors, 0);
      assert.ok(step.throughputRps > 0);
      assert.ok(step.p50Ms > 0 && step.p50Ms <= step.p95Ms && step.p95Ms <= step.p99Ms, JSON.stringify(step));
    }
    assert.ok(body.ingest.chunksPerSecond > 0, JSON.stringify(body.ingest));
    assert.ok(!Number.isNaN(Date.parse(body.ingest.at)));
  });

  it('says why it ran lexical when hybrid was asked of a collection without vectors', async (context) => {
    if (!t) return context.skip(SHARED_MISSING);
    await ingest(t.app, { collection: 'plain', sources: [sharedPath('data', 'files', 'txt')!], embedder: 'none' });
    const body = (await run({ collection: 'plain', mode: 'hybrid', maxConcurrency: 1, durationMs: 100 })).json();
    assert.equal(body.mode, 'lexical');
    assert.equal(body.requestedMode, 'hybrid');
    assert.match(body.notices.join(' '), /no vectors/);
  });

  it('one run at a time: 409 BENCHMARK_RUNNING while another runs', async (context) => {
    if (!t) return context.skip(SHARED_MISSING);
    const first = benchmarkScaling(t.app, scalingBenchmarkInputSchema.parse({ collection: 'kb', query: 'install', maxConcurrency: 2, durationMs: 300 }));
    const second = await run({ collection: 'kb', maxConcurrency: 1, durationMs: 100 });
    assert.equal(second.statusCode, 409, second.body);
    assert.equal(second.json().code, 'BENCHMARK_RUNNING');
    assert.equal((await first).steps.length, 2);
    assert.equal((await run({ collection: 'kb', maxConcurrency: 1, durationMs: 100 })).statusCode, 200, 'free again once it ended');
  });

  it('refuses remote clients (403), bounds the load (400) and names unknown collections (404)', async (context) => {
    if (!t) return context.skip(SHARED_MISSING);
    const remote = await run({ collection: 'kb', maxConcurrency: 1, durationMs: 100 }, '192.0.2.10');
    assert.equal(remote.statusCode, 403, remote.body);
    assert.equal(remote.json().code, 'FORBIDDEN');
    for (const payload of [{ collection: 'kb', maxConcurrency: 257 }, { collection: 'kb', durationMs: 60_000 }, { collection: 'kb', maxConcurrency: 0 }]) {
      const response = await run(payload);
      assert.equal(response.statusCode, 400, JSON.stringify(payload));
      assert.equal(response.json().code, 'INPUT_INVALID');
    }
    const missing = await run({ collection: 'nope', maxConcurrency: 1, durationMs: 100 });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().code, 'COLLECTION_NOT_FOUND');
  });
});
