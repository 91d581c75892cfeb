import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDuration, IngestProgress } from './ingest-progress.js';

const file = (chunks: number, outcome: 'new' | 'unchanged' = 'new') => ({ type: 'file', uri: 'u', relativePath: 'p', outcome, chunks }) as const;

test('done/total with a bar, files/s and chunks/s over the trailing window, and the ETA at that rate', () => {
  let now = 0;
  const progress = new IngestProgress(() => now);
  assert.equal(progress.onEvent({ type: 'plan', root: '/docs', files: 98, skipped: 2 }), true);
  assert.equal(progress.line(), '[------------------------] 0/100 files');
  for (let index = 0; index < 10; index++) {
    now += 500;
    progress.onEvent(file(4));
  }
  now += 500;
  progress.onEvent({ type: 'skipped', uri: 'x', relativePath: 'x.bin', code: 'PARSE_UNSUPPORTED', reason: 'binary' });
  // 10 more files in 5 s since the first sample: 2 files/s; 89 left → 45 s.
  assert.equal(progress.line(), '[###---------------------] 11/100 files · 2.0 files/s · 7.2 chunks/s · ETA 45 s · 1 skipped');
  assert.equal(progress.onEvent({ type: 'index', phase: 'start', vectors: 0 }), false);
});

test('without a plan the count alone; no ETA for the first files', () => {
  let now = 0;
  const progress = new IngestProgress(() => now);
  progress.onEvent(file(1, 'unchanged'));
  now += 1000;
  progress.onEvent(file(3));
  assert.equal(progress.line(), '2 files · 1.0 files/s · 3.0 chunks/s · 1 unchanged');
});

test('durations read as a person would say them', () => {
  assert.equal(formatDuration(42.4), '42 s');
  assert.equal(formatDuration(185), '3 min 05 s');
  assert.equal(formatDuration(3720), '1 h 02 min');
});
