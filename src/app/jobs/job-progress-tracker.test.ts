import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JobProgressTracker } from './job-progress-tracker.js';

describe('JobProgressTracker', () => {
  it('counts files by outcome, keeps every file event and adds one progress event per drain', () => {
    let now = 0;
    const tracker = new JobProgressTracker('j1', () => now);
    tracker.onIngestEvent({ type: 'plan', root: '/r', files: 3, skipped: 1 });
    tracker.onIngestEvent({ type: 'file', uri: 'file:///r/a.md', relativePath: 'a.md', outcome: 'new', chunks: 4 });
    tracker.onIngestEvent({ type: 'file', uri: 'file:///r/b.md', relativePath: 'b.md', outcome: 'unchanged', chunks: 0 });
    tracker.onIngestEvent({ type: 'skipped', uri: 'file:///r/c.pdf', relativePath: 'c.pdf', code: 'PARSE_CORRUPT', reason: 'bad xref' });
    tracker.onIngestEvent({ type: 'skipped', uri: 'file:///r/d.exe', relativePath: 'd.exe', code: 'PARSE_UNSUPPORTED', reason: 'no parser' });
    tracker.onIngestEvent({ type: 'batch', documents: 1, chunks: 4, embedded: 4 });
    now = 1000;
    const { events } = tracker.drain();
    assert.deepEqual(events.map((event) => (event.type === 'file' ? `${event.file}:${event.outcome}` : event.type)), ['a.md:ingested', 'b.md:unchanged', 'c.pdf:failed', 'd.exe:skipped', 'progress']);
    const progress = tracker.progress;
    assert.deepEqual(
      { ...progress },
      { filesTotal: 4, filesDone: 2, filesFailed: 1, filesSkipped: 1, chunksTotal: null, chunksDone: 4, chunksPerSecond: 4, embeddingsPerSecond: 4 },
    );
    assert.deepEqual(tracker.errors, [
      { file: 'c.pdf', code: 'PARSE_CORRUPT', reason: 'bad xref' },
      { file: 'd.exe', code: 'PARSE_UNSUPPORTED', reason: 'no parser' },
    ]);
  });

  it('sends no progress event when nothing changed, and measures rates over a trailing window', () => {
    let now = 0;
    const tracker = new JobProgressTracker('j1', () => now);
    for (let second = 1; second <= 10; second += 1) {
      tracker.onIngestEvent({ type: 'file', uri: `u${second}`, relativePath: `f${second}`, outcome: 'new', chunks: second <= 5 ? 10 : 100 });
      now = second * 1000;
      tracker.drain();
    }
    // The last five seconds wrote 100 chunks a second; the run's average is lower.
    assert.ok(tracker.progress.chunksPerSecond >= 80, String(tracker.progress.chunksPerSecond));
    assert.equal(tracker.drain().events.length, 0, 'same rates, no new files: no event');
    tracker.markComplete();
    const final = tracker.drain(true);
    assert.equal(final.events.length, 1);
    assert.equal(tracker.progress.chunksTotal, 550);
    assert.equal(tracker.progress.filesTotal, 10);
    assert.equal(tracker.progress.chunksPerSecond, 55);
  });

  it('keeps only the latest 100 errors', () => {
    const tracker = new JobProgressTracker('j1', () => 0);
    for (let i = 0; i < 150; i += 1) tracker.onIngestEvent({ type: 'skipped', uri: `u${i}`, relativePath: `f${i}`, code: 'PARSE_FAILED', reason: 'x' });
    assert.equal(tracker.errors.length, 100);
    assert.equal(tracker.errors[0]?.file, 'f50');
    assert.equal(tracker.progress.filesFailed, 150);
  });
});
