import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Job } from '../api/types.js';
import { applyJobEvent, trackJob } from './use-jobs.js';

function job(id: string, extra: Partial<Job> = {}): Job {
  return {
    id,
    collection: 'notes',
    kind: 'upload',
    status: 'queued',
    sources: ['a.md'],
    createdAt: '2026-01-01T00:00:00Z',
    startedAt: null,
    finishedAt: null,
    progress: { filesTotal: null, filesDone: 0, filesFailed: 0, filesSkipped: 0, chunksTotal: null, chunksDone: 0, chunksPerSecond: 0, embeddingsPerSecond: 0 },
    errors: [],
    error: null,
    ...extra,
  };
}

describe('applyJobEvent', () => {
  it('adds a job from its snapshot and replaces it on a later snapshot', () => {
    let jobs = applyJobEvent([], 'snapshot', { job: job('j1') });
    assert.equal(jobs.length, 1);
    jobs = applyJobEvent(jobs, 'snapshot', { job: job('j1', { status: 'running' }) });
    assert.deepEqual(jobs.map((j) => j.status), ['running']);
  });

  it('applies progress (a queued job is then running), file failures and the final status', () => {
    let jobs = [job('j1'), job('j2')];
    const progress = { ...job('x').progress, filesTotal: 3, filesDone: 1, chunksDone: 10, chunksPerSecond: 5 };
    jobs = applyJobEvent(jobs, 'progress', { jobId: 'j1', progress });
    assert.equal(jobs[0]?.status, 'running');
    assert.equal(jobs[0]?.progress.chunksDone, 10);
    assert.equal(jobs[1]?.progress.chunksDone, 0);
    jobs = applyJobEvent(jobs, 'file', { jobId: 'j1', file: 'b.pdf', outcome: 'failed', code: 'PARSE_FAILED', reason: 'encrypted' });
    jobs = applyJobEvent(jobs, 'file', { jobId: 'j1', file: 'c.md', outcome: 'ingested', chunks: 2 });
    assert.deepEqual(jobs[0]?.errors, [{ file: 'b.pdf', code: 'PARSE_FAILED', reason: 'encrypted' }]);
    jobs = applyJobEvent(jobs, 'status', { jobId: 'j1', status: 'succeeded', error: null });
    assert.equal(jobs[0]?.status, 'succeeded');
    assert.ok(jobs[0]?.finishedAt);
  });

  it('returns the same list for events of unknown jobs or types', () => {
    const jobs = [job('j1')];
    assert.equal(applyJobEvent(jobs, 'progress', { jobId: 'other', progress: jobs[0]!.progress }), jobs);
    assert.equal(applyJobEvent(jobs, 'mystery', { jobId: 'j1' }), jobs);
  });
});

describe('trackJob', () => {
  it('adds a job the page started and keeps a newer state seen before the POST answered', () => {
    let jobs = trackJob([], job('j1'));
    assert.deepEqual(jobs.map((j) => j.status), ['queued']);
    const done = job('j1', { status: 'succeeded', progress: { ...job('j1').progress, filesDone: 3 } });
    jobs = trackJob([done], job('j1'));
    assert.equal(jobs[0]?.status, 'succeeded');
    assert.equal(jobs[0]?.progress.filesDone, 3);
    jobs = trackJob([job('j1')], job('j1', { status: 'running' }));
    assert.equal(jobs[0]?.status, 'running');
  });
});
