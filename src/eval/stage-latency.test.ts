import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nearestRank, StageLatency } from './stage-latency.js';

test('nearest-rank percentiles per stage; stages that never ran are absent', () => {
  const latency = new StageLatency();
  for (let i = 1; i <= 100; i++) {
    latency.add('lexical', i);
    latency.add('total', i * 2);
    latency.add('rerank', undefined);
  }
  const summary = latency.summary();
  assert.deepEqual(summary.lexical, { count: 100, p50: 50, p95: 95, p99: 99 });
  assert.deepEqual(summary.total, { count: 100, p50: 100, p95: 190, p99: 198 });
  assert.equal(summary.rerank, undefined);
  assert.equal(summary.dense, undefined);
  assert.equal(nearestRank([3], 99), 3);
  assert.equal(nearestRank([1, 2, 3, 4], 50), 2);
});
