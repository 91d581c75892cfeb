import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JobProgress } from '../api/types.js';
import { jobOutcome } from './job-status.js';

const progress = (done: number, failed: number, skipped = 0): JobProgress => ({
  filesTotal: done + failed + skipped, filesDone: done, filesFailed: failed, filesSkipped: skipped, chunksTotal: null, chunksDone: 0, chunksPerSecond: 0, embeddingsPerSecond: 0,
});

describe('jobOutcome', () => {
  it('says a succeeded job whose only file was refused finished with errors, in red, never a green success', () => {
    assert.deepEqual(jobOutcome({ status: 'succeeded', progress: progress(0, 0, 1) }), { label: 'finished with errors', tone: 'failed', breakdown: '0 ingested · 1 refused (unsupported or too large)' });
  });

  it('says a job with some failed files finished with errors, amber, with the counts', () => {
    assert.deepEqual(jobOutcome({ status: 'succeeded', progress: progress(3, 2) }), { label: 'finished with errors', tone: 'warn', breakdown: '3 ingested · 2 failed' });
  });

  it('keeps a clean success green and the other states as they are', () => {
    assert.deepEqual(jobOutcome({ status: 'succeeded', progress: progress(4, 0) }), { label: 'succeeded', tone: 'ok', breakdown: '4 ingested' });
    assert.equal(jobOutcome({ status: 'running', progress: progress(0, 0) }).breakdown, '');
    assert.deepEqual(jobOutcome({ status: 'failed', progress: progress(0, 1) }), { label: 'failed', tone: 'failed', breakdown: '0 ingested · 1 failed' });
    assert.equal(jobOutcome({ status: 'cancelled', progress: progress(1, 0) }).tone, 'neutral');
  });
});
