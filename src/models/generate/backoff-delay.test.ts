import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCairnError } from '../../core/cairn-error.js';
import { backoffDelayMs, sleep } from './backoff-delay.js';

test('backoff doubles its ceiling per retry up to the maximum, with full jitter', () => {
  const top = () => 0.999999;
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((retry) => Math.round(backoffDelayMs(retry, 250, 4000, top))), [250, 500, 1000, 2000, 4000, 4000]);
  assert.equal(backoffDelayMs(3, 250, 4000, () => 0), 0);
  assert.equal(backoffDelayMs(1, 250, 4000, () => 0.5), 250);
});

test('sleep rejects with ABORTED when the signal aborts', async () => {
  const controller = new AbortController();
  const started = performance.now();
  setTimeout(() => controller.abort(), 20);
  await assert.rejects(sleep(5000, controller.signal), (error) => isCairnError(error) && error.code === 'ABORTED');
  assert.ok(performance.now() - started < 1000);
  await sleep(1);
});
