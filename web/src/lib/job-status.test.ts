import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JobProgress } from '../api/types.js';
import { jobOutcome } from './job-status.js';

const progress = (done: number, failed: number, skipped = 0): JobProgress => ({
  filesTotal: done + failed + skipped, filesDone: done, filesFailed: failed, filesSkipped: skipped, chunksTotal: null, chunksDone: 0, chunksPerSecond: 0, embeddingsPerSecond: 0,
});

describe('jobOutcome', () => {
  it('says a job whose only file was refused ingested nothing, in red, never a green success', () => {
    assert.deepEqual(jobOutcome({ status: 'succeeded', progress: progress(0, 1) }), { label: 'no file ingested', tone: 'failed', breakdown: '0 ingested · 1 failed' });
  });

  it('says a job with some failed files finished with errors, with the counts', () => {
    assert.deepEqual(jobOutcome({ status: 'succeeded', progress: progress(3, 2) }), { label: 'finished with errors', tone: 'warn', breakdown: '3 ingested · 2 failed' });
    assert.equal(jobOutcome({ status: 'succeeded', progress: progress(0, 1, 4) }).label, 'finished with errors', 'unchanged files are not a failure');
  });

  it('keeps a clean success green and the other states as they are', () => {
    assert.deepEqual(jobOutcome({ status: 'succeeded', progress: progress(4, 0) }), { label: 'succeeded', tone: 'ok', breakdown: '4 ingested' });
    assert.equal(jobOutcome({ status: 'running', progress: progress(0, 0) }).breakdown, '');
    assert.equal(jobOutcome({ status: 'failed', progress: progress(1, 0) }).tone, 'failed');
    assert.equal(jobOutcome({ status: 'cancelled', progress: progress(1, 0) }).tone, 'neutral');
  });
});
